// Okta's per-minute rate limits (developer.okta.com/docs/reference/rl-global-mgmt/): each endpoint
// family has its own bucket and counter; every response reports the bucket in
// `X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset` (UTC epoch seconds at
// which the window restarts, on the server's clock); over the limit Okta answers 429 E0000047.
// `timeScale` compresses the minute for benchmarks (60 makes it last one second).

/** Endpoint families, as in Okta's rate-limit table. */
export type Bucket = 'users' | 'user' | 'groups' | 'group' | 'other' | 'oauth2';

export type RateLimits = Record<Bucket, number>;

/** Workforce Identity column of the per-minute management limits (reference/peers.md). Which
 * bucket /groups/{id}/users belongs to is not documented; it is counted as "most other /api/v1". */
export const WORKFORCE_LIMITS: RateLimits = {
  users: 600, // create/list users: GET|POST /api/v1/users
  user: 2000, // get user: GET /api/v1/users/{idOrLogin}
  groups: 500, // create/list groups: /api/v1/groups (except /{id})
  group: 1000, // get/update/delete group: /api/v1/groups/{id}
  other: 1200, // most other /api/v1 endpoints
  oauth2: 2000, // org authorization server /oauth2/v1
};

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch seconds (server clock) at which the window restarts. */
  resetEpochSeconds: number;
}

export class RateLimiter {
  private readonly windows = new Map<Bucket, { start: number; used: number }>();

  constructor(
    private limits: RateLimits,
    private readonly timeScale: number,
  ) {}

  get windowMs(): number {
    return 60_000 / this.timeScale;
  }

  setLimits(partial: Partial<RateLimits>): void {
    this.limits = { ...this.limits, ...partial };
  }

  /** Counts one request against `bucket` at server time `nowMs` (fixed windows aligned to the
   * server clock's minute, or its scaled equivalent). */
  take(bucket: Bucket, nowMs: number): RateDecision {
    const limit = this.limits[bucket];
    const start = Math.floor(nowMs / this.windowMs) * this.windowMs;
    let w = this.windows.get(bucket);
    if (!w || w.start !== start) {
      w = { start, used: 0 };
      this.windows.set(bucket, w);
    }
    const resetEpochSeconds = Math.ceil((start + this.windowMs) / 1000);
    if (w.used >= limit) return { allowed: false, limit, remaining: 0, resetEpochSeconds };
    w.used++;
    return { allowed: true, limit, remaining: limit - w.used, resetEpochSeconds };
  }

  reset(): void {
    this.windows.clear();
  }
}

export function rateLimitHeaders(d: RateDecision): Record<string, string> {
  return {
    'X-Rate-Limit-Limit': String(d.limit),
    'X-Rate-Limit-Remaining': String(d.remaining),
    'X-Rate-Limit-Reset': String(d.resetEpochSeconds),
  };
}
