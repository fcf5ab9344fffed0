import { ResponderBuilder, ServerInterceptingCall, ServerInterceptor, status as GrpcStatus } from '@grpc/grpc-js';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';

/**
 * Both recorders sit below Nest (Express middleware, grpc-js server interceptor) so they also see
 * the calls that the auth guard refuses before any Nest interceptor would run.
 */
export function httpMetricsMiddleware(metrics: MetricsService) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      // The route pattern, not the raw URL, keeps label cardinality bounded.
      const route = (request.route?.path as string | undefined) ?? 'unmatched';
      metrics.httpRequests.inc({ method: request.method, route, status: String(response.statusCode) });
      metrics.httpDuration.observe({ method: request.method, route }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}

export function grpcMetricsInterceptor(metrics: MetricsService): ServerInterceptor {
  return (methodDescriptor, call) => {
    const started = process.hrtime.bigint();
    const [service = 'unknown', method = 'unknown'] = methodDescriptor.path.split('/').filter(Boolean).map((part) => part.split('.').pop()!);
    const responder = new ResponderBuilder()
      .withSendStatus((status, next) => {
        metrics.grpcRequests.inc({ service, method, code: GrpcStatus[status.code] ?? String(status.code) });
        metrics.grpcDuration.observe({ service, method }, Number(process.hrtime.bigint() - started) / 1e9);
        next(status);
      })
      .build();
    return new ServerInterceptingCall(call, responder);
  };
}
