// The Okta directory for the sync engine (DirectoryProvider): users (the default list, which
// leaves DEPROVISIONED users out, then those explicitly), groups, group members, one user's
// groups, and a connection test, each listing streamed page by page and walked to its last page
// (developer.okta.com/docs/api/#pagination). Settings problems, Okta's refusals and exhausted
// retries all throw DirectoryFetchError with a message the admin can act on; nothing is capped,
// nothing is swallowed.
import {
  ConnectionTestResult,
  DirectoryFetchError,
  DirectoryGroup,
  DirectoryMember,
  DirectoryProvider,
  DirectoryRequestStats,
  DirectoryUser,
  ListOptions,
} from '../../directory-provider';
import { ConcurrencyLimit } from './concurrency-limit';
import { limitOf, OktaApiClient, Page, withLimit } from './okta-api.client';
import { messages, oktaProblem } from './okta-errors';
import { endpointLabel, FetchLike, HTTP_DEFAULTS, HttpOptions, OktaHttpClient, OktaLogger } from './okta-http.client';
import { OktaObjectShapeError, toDirectoryGroup, toDirectoryMember, toDirectoryUser } from './okta-mapping';
import { OktaDirectorySettings, resolveOktaSettings, ResolvedOktaSettings } from './okta-settings';
import { OktaTokenClient } from './okta-token.client';
import { OktaBucket, RateLimitBudget, ServerClock } from './rate-limit-budget';
import type { DpopKey } from './dpop-proof';

export type { OktaDirectorySettings } from './okta-settings';

/** Page sizes: users 200 (Okta's maximum), groups "as large as the org accepts" (Okta caps a
 * larger `limit` at its maximum: 10,000 in older orgs, 200 in most), members 1000 (the maximum). */
export const PAGE_SIZES = { users: 200, groups: 10_000, members: 1000 } as const;

export interface OktaProviderDeps {
  fetch?: FetchLike;
  /** Local clock, epoch ms. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  logger?: OktaLogger;
  random?: () => number;
  /** Backoff and 429 tuning (tests and benchmarks). */
  tuning?: Partial<typeof HTTP_DEFAULTS>;
  /** The DPoP key (default: one ES256 pair per process). */
  dpopKey?: () => Promise<DpopKey>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Builds the provider. Never throws for bad settings: each call then fails (and testConnection
 * reports) with the message that says what to fix. */
export function createOktaDirectoryProvider(settings: OktaDirectorySettings, deps: OktaProviderDeps = {}): DirectoryProvider {
  return new OktaDirectoryProvider(settings, deps);
}

/** Quoted RFC 3339 instant for an Okta filter, e.g. "2024-01-01T00:00:00.000Z" (yyyy-MM-dd'T'HH:mm:ss.SSSZ). */
export function oktaTime(date: Date): string {
  return `"${date.toISOString()}"`;
}

function query(params: Record<string, string | number>): string {
  return Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
}

export class OktaDirectoryProvider implements DirectoryProvider {
  readonly kind = 'Okta';
  readonly supportsIncremental = true;
  private readonly resolved: ResolvedOktaSettings | null;
  private readonly problem: string | null;
  private readonly http: OktaHttpClient | null = null;
  private readonly tokens: OktaTokenClient | null = null;
  private readonly api: OktaApiClient | null = null;
  /** Shared by every listGroupMembers call: the provider as a whole never exceeds it. */
  private readonly memberLimit: ConcurrencyLimit;

  constructor(settings: OktaDirectorySettings, deps: OktaProviderDeps = {}) {
    const resolved = resolveOktaSettings(settings);
    if ('problem' in resolved) {
      this.resolved = null;
      this.problem = resolved.problem;
      this.memberLimit = new ConcurrencyLimit(1);
      return;
    }
    this.resolved = resolved;
    this.problem = null;
    const now = deps.now ?? Date.now;
    const sleep = deps.sleep ?? defaultSleep;
    const clock = new ServerClock(now);
    const budget = new RateLimitBudget(resolved.budgetShare, clock, sleep);
    const httpOptions: HttpOptions = {
      ...HTTP_DEFAULTS,
      ...deps.tuning,
      requestTimeoutMs: resolved.requestTimeoutMs,
      maxRetries: resolved.maxRetries,
    };
    this.http = new OktaHttpClient(
      httpOptions,
      { fetch: deps.fetch ?? ((input, init) => fetch(input, init)), now, sleep, logger: deps.logger ?? {}, random: deps.random ?? Math.random },
      budget,
      clock,
    );
    this.tokens = new OktaTokenClient(
      { tokenUrl: resolved.tokenUrl, clientId: resolved.clientId, key: resolved.key, dpop: resolved.dpop, now, dpopKey: deps.dpopKey },
      this.http,
    );
    this.api = new OktaApiClient(this.http, this.tokens);
    this.memberLimit = new ConcurrencyLimit(resolved.memberConcurrency);
  }

  /** Every user: the default list (all statuses but DEPROVISIONED), then
   * `filter=status eq "DEPROVISIONED"` (Okta: "the default user list excludes DEPROVISIONED
   * users"), so a deactivated user arrives as inactive instead of missing. Incremental:
   * `filter=lastUpdated gt "<since - margin>"`, which sees every status. */
  async *listUsers(options: ListOptions = {}): AsyncIterable<DirectoryUser[]> {
    const s = this.ready();
    const map = (raw: unknown) => toDirectoryUser(raw, s.activeStatuses);
    if (options.updatedSince) {
      const filter = `lastUpdated gt ${oktaTime(this.lookBack(options.updatedSince))}`;
      yield* this.walk(`${s.orgUrl}/api/v1/users?${query({ filter, limit: PAGE_SIZES.users })}`, 'users', map, true);
      return;
    }
    yield* this.walk(`${s.orgUrl}/api/v1/users?${query({ limit: PAGE_SIZES.users })}`, 'users', map, true);
    const deprovisioned = 'status eq "DEPROVISIONED"';
    yield* this.walk(`${s.orgUrl}/api/v1/users?${query({ filter: deprovisioned, limit: PAGE_SIZES.users })}`, 'users', map, true);
  }

  /** Every group (limit 10000: Okta caps it at the org's maximum; next links are followed).
   * Incremental: `filter=lastUpdated gt "..." or lastMembershipUpdated gt "..."`. */
  async *listGroups(options: ListOptions & { membershipUpdatedSince?: Date } = {}): AsyncIterable<DirectoryGroup[]> {
    const s = this.ready();
    const params: Record<string, string | number> = {};
    const since = options.updatedSince ?? options.membershipUpdatedSince;
    if (since) {
      const membershipSince = options.membershipUpdatedSince ?? since;
      params.filter = `lastUpdated gt ${oktaTime(this.lookBack(since))} or lastMembershipUpdated gt ${oktaTime(this.lookBack(membershipSince))}`;
    }
    params.limit = PAGE_SIZES.groups;
    yield* this.walk(`${s.orgUrl}/api/v1/groups?${query(params)}`, 'groups', toDirectoryGroup, false);
  }

  /** GET /api/v1/groups/{id}/users, 1000 per page, every page; at most `memberConcurrency`
   * requests of this kind in flight across the provider. */
  async *listGroupMembers(group: DirectoryGroup): AsyncIterable<DirectoryMember[]> {
    const s = this.ready();
    const url = `${s.orgUrl}/api/v1/groups/${encodeURIComponent(group.id)}/users?${query({ limit: PAGE_SIZES.members })}`;
    yield* this.walk(url, 'members', toDirectoryMember, false, this.memberLimit);
  }

  /** GET /api/v1/users/{id}/groups, by the stored Okta id when known, else by login (the email). */
  async getUserGroups(user: { directoryId?: string | null; email: string }): Promise<DirectoryGroup[]> {
    const s = this.ready();
    const key = user.directoryId || user.email;
    const groups: DirectoryGroup[] = [];
    for await (const page of this.walk(`${s.orgUrl}/api/v1/users/${encodeURIComponent(key)}/groups`, 'members', toDirectoryGroup, false)) {
      groups.push(...page);
    }
    return groups;
  }

  /** The token (client, key, scopes, DPoP), then one page of users and one of groups (both scopes
   * and the admin role). The message says what works or what to fix. */
  async testConnection(): Promise<ConnectionTestResult> {
    try {
      const s = this.ready();
      const token = await this.tokens!.getToken();
      await this.api!.getPage(`${s.orgUrl}/api/v1/users?${query({ limit: 1 })}`, 'users');
      await this.api!.getPage(`${s.orgUrl}/api/v1/groups?${query({ limit: 1 })}`, 'groups');
      const dpop = token.type === 'DPoP' ? ' (DPoP-bound)' : '';
      return {
        success: true,
        message: `Connected to Okta at ${s.orgUrl}: an access token${dpop} was issued to client ${s.clientId} and users and groups can be read`,
      };
    } catch (error) {
      if (error instanceof DirectoryFetchError) return { success: false, message: error.message };
      return { success: false, message: 'Unexpected error while testing the Okta connection; see the service log' };
    }
  }

  stats(): DirectoryRequestStats {
    return this.http ? { ...this.http.counters } : { apiCalls: 0, rateLimited: 0, retries: 0 };
  }

  private ready(): ResolvedOktaSettings {
    if (!this.resolved) throw oktaProblem(this.problem!, 'invalid_settings');
    return this.resolved;
  }

  private lookBack(since: Date): Date {
    return new Date(since.getTime() - this.resolved!.incrementalMarginMs);
  }

  /**
   * Walks a listing from `firstUrl` to the page without a next link, yielding mapped pages as they
   * come (never the whole listing in memory: at most the page being handed over and the next one,
   * which is requested before the caller gets the current page so that the caller's work overlaps
   * the request). With `restoreLimit`, a page whose `limit` was halved after a 500 is followed by
   * pages of the normal size again.
   */
  private async *walk<T>(
    firstUrl: string,
    bucket: OktaBucket,
    map: (raw: unknown) => T,
    restoreLimit: boolean,
    limiter?: ConcurrencyLimit,
  ): AsyncGenerator<T[]> {
    const api = this.api!;
    const baseLimit = limitOf(firstUrl);
    const request = (requestUrl: string): { requestUrl: string; promise: Promise<Page> } => {
      const fetchPage = () => api.getPage(requestUrl, bucket, { halveLimitOnServerError: bucket === 'users' });
      const promise = limiter ? limiter.run(fetchPage) : fetchPage();
      promise.catch(() => undefined); // observed when awaited; a caller that stops early never sees it
      return { requestUrl, promise };
    };
    let pending: { requestUrl: string; promise: Promise<Page> } | null = request(firstUrl);
    while (pending !== null) {
      const requestUrl: string = pending.requestUrl;
      const page: Page = await pending.promise;
      const endpoint = endpointLabel('GET', requestUrl);
      if (page.next === requestUrl) throw oktaProblem(messages.pageLoop(endpoint), 'bad_response', { endpoint });
      let next: string | null = page.next;
      if (next && restoreLimit && baseLimit !== null && (limitOf(next) ?? baseLimit) < baseLimit) next = withLimit(next, baseLimit);
      pending = next === null ? null : request(next);
      let items: T[];
      try {
        items = page.items.map(map);
      } catch (error) {
        if (error instanceof OktaObjectShapeError) throw oktaProblem(messages.badObject(endpoint, error.message), 'bad_response', { endpoint });
        throw error;
      }
      if (items.length > 0) yield items;
    }
  }
}
