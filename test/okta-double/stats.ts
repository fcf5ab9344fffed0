// Counters the tests and benchmarks read: what the client really did to the org.
import type { Bucket } from './rate-limits';

export interface DoubleStats {
  requests: { total: number; byBucket: Record<Bucket, number>; byRoute: Record<string, number> };
  tokenRequests: number;
  rateLimited429: number;
  byStatus: Record<number, number>;
  faultsInjected: number;
  concurrency: { inFlight: number; max: number };
}

export class StatsRecorder {
  private s: DoubleStats = StatsRecorder.empty(0);

  private static empty(inFlight: number): DoubleStats {
    return {
      requests: { total: 0, byBucket: { users: 0, user: 0, groups: 0, group: 0, other: 0, oauth2: 0 }, byRoute: {} },
      tokenRequests: 0,
      rateLimited429: 0,
      byStatus: {},
      faultsInjected: 0,
      concurrency: { inFlight, max: inFlight },
    };
  }

  begin(bucket: Bucket, route: string): void {
    const s = this.s;
    s.requests.total++;
    s.requests.byBucket[bucket]++;
    s.requests.byRoute[route] = (s.requests.byRoute[route] ?? 0) + 1;
    if (route === 'token') s.tokenRequests++;
    s.concurrency.inFlight++;
    if (s.concurrency.inFlight > s.concurrency.max) s.concurrency.max = s.concurrency.inFlight;
  }

  end(): void {
    this.s.concurrency.inFlight--;
  }

  status(code: number): void {
    this.s.byStatus[code] = (this.s.byStatus[code] ?? 0) + 1;
    if (code === 429) this.s.rateLimited429++;
  }

  fault(): void {
    this.s.faultsInjected++;
  }

  get inFlight(): number {
    return this.s.concurrency.inFlight;
  }

  snapshot(): DoubleStats {
    return structuredClone(this.s);
  }

  /** Zeroes the counters; requests still in flight stay counted as in flight. */
  reset(): void {
    this.s = StatsRecorder.empty(this.s.concurrency.inFlight);
  }
}
