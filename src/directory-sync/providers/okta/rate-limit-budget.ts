// Okta rate limits (developer.okta.com/docs/reference/rl-best-practices/): every response carries
// `X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset` (UTC epoch seconds on
// Okta's clock) for the endpoint's bucket; over the limit Okta answers 429 E0000047. By default
// one OAuth app may use 50 % of a bucket (developer.okta.com/docs/reference/rl2-token-oauth), so
// this client never spends more than `budgetShare` of a bucket per window and leaves the rest to
// the org's other integrations. Waits are computed on Okta's clock (from the `Date` header), not
// the local one, so a skewed local clock neither hangs the sync nor makes it burst into 429s.

/** Our grouping of Okta's buckets: list users, list groups, group members and other /api/v1, token. */
export type OktaBucket = 'users' | 'groups' | 'members' | 'token';

export interface RateLimitObservation {
  limit: number;
  remaining: number;
  resetEpochSeconds: number;
}

/** Reads the three headers; null when any is missing or not a number (then nothing is learnt). */
export function readRateLimitHeaders(headers: { get(name: string): string | null }): RateLimitObservation | null {
  const limit = Number(headers.get('x-rate-limit-limit'));
  const remaining = Number(headers.get('x-rate-limit-remaining'));
  const reset = Number(headers.get('x-rate-limit-reset'));
  const present = ['x-rate-limit-limit', 'x-rate-limit-remaining', 'x-rate-limit-reset'].every((h) => headers.get(h) !== null);
  if (!present || !Number.isFinite(limit) || !Number.isFinite(remaining) || !Number.isFinite(reset) || limit <= 0) return null;
  return { limit, remaining: Math.max(0, remaining), resetEpochSeconds: reset };
}

/**
 * Okta's clock as seen from here. RFC 9110 §6.6.1: `Date` is the time the response was generated,
 * at one-second resolution. Each sample `Date - localReceiveTime` is at most the true offset (the
 * header is truncated to the second and the response spent time in transit), so the largest
 * sample is the best estimate; a sample far below it means a clock jumped, and restarts it.
 */
export class ServerClock {
  private offsetMs: number | null = null;
  private static readonly JUMP_MS = 5_000;

  constructor(private readonly localNow: () => number) {}

  observeDate(dateHeader: string | null, localReceivedMs = this.localNow()): void {
    if (!dateHeader) return;
    const serverMs = Date.parse(dateHeader);
    if (!Number.isFinite(serverMs)) return;
    const sample = serverMs - localReceivedMs;
    if (this.offsetMs === null || sample > this.offsetMs || sample < this.offsetMs - ServerClock.JUMP_MS) {
      this.offsetMs = sample;
    }
  }

  /** Estimated offset (server - local) in ms; 0 until a Date header was seen. */
  get offset(): number {
    return this.offsetMs ?? 0;
  }

  get known(): boolean {
    return this.offsetMs !== null;
  }

  serverNow(): number {
    return this.localNow() + this.offset;
  }
}

interface BucketState {
  observed: RateLimitObservation | null;
  inFlight: number;
  /** The reset passed: `observed` is our guess for the new window (full) until Okta reports it. */
  provisional: boolean;
}

/**
 * The pure budget rule: may one more request go to a bucket now, or how long to wait.
 * Spend at most `limit * budgetShare` per window: a request may start while
 * `remaining - inFlight > limit * (1 - budgetShare)`, counting requests still in flight as spent.
 * Once the reset instant has passed on Okta's clock the window is new and the old numbers no
 * longer apply. Returns 0 (go) or the milliseconds until the reset.
 */
export function budgetWaitMs(
  observed: RateLimitObservation | null,
  inFlight: number,
  budgetShare: number,
  serverNowMs: number,
): number {
  if (!observed) return 0;
  const resetMs = observed.resetEpochSeconds * 1000;
  if (serverNowMs >= resetMs) return 0; // a new window: the old numbers no longer apply
  const reserve = observed.limit * (1 - budgetShare);
  if (observed.remaining - inFlight > reserve) return 0;
  return resetMs - serverNowMs;
}

/**
 * Time to wait after a 429 (developer.okta.com/docs/reference/rl-best-practices/#check-your-rate-limits-with-okta-s-rate-limit-headers):
 * until `X-Rate-Limit-Reset` on Okta's clock (the response's `Date`), plus jitter so that waiting
 * clients do not all return in the same instant. Without usable headers: `fallbackMs`.
 */
export function retryAfter429Ms(
  observed: RateLimitObservation | null,
  serverNowMs: number,
  jitterMs: number,
  fallbackMs: number,
): number {
  if (!observed) return fallbackMs + jitterMs;
  return Math.max(0, observed.resetEpochSeconds * 1000 - serverNowMs) + jitterMs;
}

/** Keeps the latest window per bucket (responses arrive out of order under concurrency). */
export function mergeObservation(current: RateLimitObservation | null, next: RateLimitObservation): RateLimitObservation {
  if (!current || next.resetEpochSeconds > current.resetEpochSeconds) return next;
  if (next.resetEpochSeconds < current.resetEpochSeconds) return current;
  return { limit: next.limit, remaining: Math.min(current.remaining, next.remaining), resetEpochSeconds: next.resetEpochSeconds };
}

/** One per provider: per-bucket windows and in-flight counts shared by every listing. */
export class RateLimitBudget {
  private readonly buckets = new Map<OktaBucket, BucketState>();

  constructor(
    private readonly budgetShare: number,
    private readonly clock: ServerClock,
    private readonly sleep: (ms: number) => Promise<void>,
    /** Small margin after the reset instant (local timers fire a little early or late). */
    private readonly resetMarginMs = 25,
  ) {}

  private state(bucket: OktaBucket): BucketState {
    let s = this.buckets.get(bucket);
    if (!s) {
      s = { observed: null, inFlight: 0, provisional: false };
      this.buckets.set(bucket, s);
    }
    return s;
  }

  /** Waits until the bucket's budget allows one more request, then counts it as in flight. */
  async acquire(bucket: OktaBucket): Promise<void> {
    const s = this.state(bucket);
    for (;;) {
      const now = this.clock.serverNow();
      if (s.observed && !s.provisional && now >= s.observed.resetEpochSeconds * 1000) {
        // A new window began on Okta's clock: assume it is full until a response says otherwise.
        s.observed = { limit: s.observed.limit, remaining: s.observed.limit, resetEpochSeconds: s.observed.resetEpochSeconds };
        s.provisional = true;
      }
      const wait = s.provisional
        ? budgetWaitMs(s.observed && { ...s.observed, resetEpochSeconds: Infinity }, s.inFlight, this.budgetShare, now)
        : budgetWaitMs(s.observed, s.inFlight, this.budgetShare, now);
      if (wait <= 0) break;
      // Provisional and spent: wait for in-flight answers to report the new window.
      await this.sleep(Number.isFinite(wait) ? wait + this.resetMarginMs : 20);
    }
    s.inFlight++;
  }

  /** The request finished: forget it as in flight and learn from its headers. */
  release(bucket: OktaBucket, observed: RateLimitObservation | null): void {
    const s = this.state(bucket);
    s.inFlight = Math.max(0, s.inFlight - 1);
    if (!observed) return;
    if (s.provisional && s.observed && observed.resetEpochSeconds > s.observed.resetEpochSeconds) {
      s.observed = observed;
      s.provisional = false;
    } else if (!s.provisional) {
      s.observed = mergeObservation(s.observed, observed);
    }
  }

  /** What the bucket looks like now (for logs, tests and the 429 wait). */
  snapshot(bucket: OktaBucket): RateLimitObservation | null {
    return this.state(bucket).observed;
  }
}
