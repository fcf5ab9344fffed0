// HTTP to the Okta org: one request at a time through the rate-limit budget, a timeout on each
// request, retries with exponential backoff on 5xx / network errors / timeouts, waits for the
// reset on 429 (developer.okta.com/docs/reference/rl-best-practices/), and the counters the sync
// run reports. Nothing here knows about tokens: OktaApiClient (below) adds them.
import type { DirectoryRequestStats } from '../../directory-provider';
import { describeNetworkError, messages, oktaProblem } from './okta-errors';
import {
  OktaBucket,
  RateLimitBudget,
  readRateLimitHeaders,
  retryAfter429Ms,
  ServerClock,
} from './rate-limit-budget';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface OktaLogger {
  debug?(message: string, context?: Record<string, unknown>): void;
  warn?(message: string, context?: Record<string, unknown>): void;
}

export interface HttpDeps {
  fetch: FetchLike;
  /** Local clock, epoch ms. */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  logger: OktaLogger;
  random: () => number;
}

export interface HttpOptions {
  requestTimeoutMs: number;
  maxRetries: number;
  /** First backoff step; doubles per retry up to `maxBackoffMs` (full jitter in [step/2, step]). */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** 429 waits allowed for one request before giving up (each waits for the window's reset). */
  maxRateLimitWaits: number;
  /** Upper bound of the random delay added to a 429 wait. */
  jitterMs: number;
}

export const HTTP_DEFAULTS: Omit<HttpOptions, 'requestTimeoutMs' | 'maxRetries'> = {
  baseBackoffMs: 200,
  maxBackoffMs: 10_000,
  maxRateLimitWaits: 20,
  jitterMs: 250,
};

export interface RequestSpec {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** A complete answer (status other than 429 / 5xx, or the last one after the retries ran out). */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  url: string;
}

/** What to call the request in messages: method and path, never the query's secrets (there are none, but no token either). */
export function endpointLabel(method: string, url: string): string {
  const u = new URL(url);
  return `${method} ${u.pathname}`;
}

export class OktaHttpClient {
  readonly counters: DirectoryRequestStats = { apiCalls: 0, rateLimited: 0, retries: 0 };

  constructor(
    private readonly options: HttpOptions,
    private readonly deps: HttpDeps,
    readonly budget: RateLimitBudget,
    readonly clock: ServerClock,
  ) {}

  /** One attempt: budget slot, fetch with timeout (body included), learn Date and rate-limit headers. */
  private async attempt(spec: RequestSpec, bucket: OktaBucket): Promise<HttpAnswer> {
    await this.budget.acquire(bucket);
    let observed = null;
    try {
      this.counters.apiCalls++;
      const response = await this.deps.fetch(spec.url, {
        method: spec.method,
        headers: spec.headers,
        body: spec.body,
        redirect: 'manual', // never follow a redirect with the token attached
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      const text = await response.text();
      this.clock.observeDate(response.headers.get('date'), this.deps.now());
      observed = readRateLimitHeaders(response.headers);
      return { status: response.status, headers: response.headers, text, url: spec.url };
    } finally {
      this.budget.release(bucket, observed);
    }
  }

  private backoffMs(retry: number): number {
    const step = Math.min(this.options.maxBackoffMs, this.options.baseBackoffMs * 2 ** (retry - 1));
    return step / 2 + (step / 2) * this.deps.random();
  }

  /**
   * Sends `build()` (called again for each attempt, so assertions and DPoP proofs are fresh) until
   * an answer that is neither 429 nor 5xx. `onServerError` may adjust what the next attempt asks
   * for (a smaller `limit` after a 500 on /users). Throws DirectoryFetchError when the retries
   * or the 429 waits run out, or the org cannot be reached.
   */
  async send(
    build: () => Promise<RequestSpec>,
    bucket: OktaBucket,
    hooks: { onServerError?: (status: number) => void } = {},
  ): Promise<HttpAnswer> {
    let failures = 0;
    let rateLimitWaits = 0;
    for (;;) {
      const spec = await build();
      const endpoint = endpointLabel(spec.method, spec.url);
      let answer: HttpAnswer;
      try {
        answer = await this.attempt(spec, bucket);
      } catch (error) {
        const timedOut = (error as Error)?.name === 'TimeoutError' || (error as Error)?.name === 'AbortError';
        if (++failures > this.options.maxRetries) {
          throw timedOut
            ? oktaProblem(messages.timedOut(endpoint, this.options.requestTimeoutMs), 'unreachable', { endpoint, cause: error })
            : oktaProblem(messages.unreachable(new URL(spec.url).origin, describeNetworkError(error)), 'unreachable', { endpoint, cause: error });
        }
        await this.retryAfter(this.backoffMs(failures), endpoint, timedOut ? 'timeout' : describeNetworkError(error));
        continue;
      }
      if (answer.status === 429) {
        // 429 E0000047: wait until X-Rate-Limit-Reset on Okta's clock, plus jitter, then retry.
        this.counters.rateLimited++;
        if (++rateLimitWaits > this.options.maxRateLimitWaits) {
          throw oktaProblem(messages.rateLimited(endpoint, this.options.maxRateLimitWaits), 'rate_limited', { endpoint, status: 429 });
        }
        const wait = retryAfter429Ms(
          readRateLimitHeaders(answer.headers),
          this.clock.serverNow(),
          this.options.jitterMs * this.deps.random(),
          this.backoffMs(rateLimitWaits),
        );
        await this.retryAfter(wait, endpoint, '429');
        continue;
      }
      if (answer.status >= 500) {
        if (++failures > this.options.maxRetries) {
          throw oktaProblem(messages.serverErrors(endpoint, answer.status, failures), 'api_error', { endpoint, status: answer.status });
        }
        hooks.onServerError?.(answer.status);
        await this.retryAfter(this.backoffMs(failures), endpoint, `HTTP ${answer.status}`);
        continue;
      }
      return answer;
    }
  }

  async retryAfter(ms: number, endpoint: string, reason: string): Promise<void> {
    this.counters.retries++;
    this.deps.logger.debug?.('okta request retry', { endpoint, reason, waitMs: Math.round(ms) });
    if (ms > 0) await this.deps.sleep(ms);
  }

  get maxRetries(): number {
    return this.options.maxRetries;
  }
}
