import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The process's Prometheus registry. Other modules register their own metrics here
 * (`metrics.registry`), so /metrics shows everything from one place.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({ name: 'http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  readonly httpDuration = new Histogram({ name: 'http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly grpcRequests = new Counter({ name: 'grpc_requests_total', help: 'gRPC calls by service, method and status code', labelNames: ['service', 'method', 'code'], registers: [this.registry] });
  readonly grpcDuration = new Histogram({ name: 'grpc_request_duration_seconds', help: 'gRPC call latency', labelNames: ['service', 'method'], buckets: LATENCY_BUCKETS, registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
