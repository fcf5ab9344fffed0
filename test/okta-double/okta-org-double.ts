// A test double of an Okta org: the org authorization server's token endpoint (client_credentials
// with private_key_jwt, optional DPoP) and the read side of the Users and Groups management APIs,
// with Okta's pagination, filters, rate limits, errors and injectable faults. Plain node:http, bound
// to 127.0.0.1 on an ephemeral port.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import {
  authenticateClient,
  checkScopesGranted,
  RegisteredClient,
} from './client-assertion';
import {
  Directory,
  GroupPatch,
  GroupRecord,
  NewGroup,
  NewUser,
  SeedOptions,
  SeedSummary,
  UserPatch,
  UserRecord,
} from './directory';
import { DpopProofError, verifyDpopProof } from './dpop';
import { EARLY_FAULTS, FaultInjector, FaultSpec } from './faults';
import { FilterAttributes, parseFilter, Predicate } from './filter';
import {
  DoubleHttpError,
  forbidden,
  internalError,
  invalidSearchCriteria,
  invalidToken,
  notFound,
  oauthError,
  rateLimited,
  unsupportedEndpoint,
} from './okta-errors';
import { SerializeOptions, toOktaGroup, toOktaUser } from './okta-objects';
import { linkHeaders, pageAfter, PageLimits, parseLimit } from './pagination';
import { RateLimiter, RateLimits, rateLimitHeaders, WORKFORCE_LIMITS } from './rate-limits';
import { resolveRoute, ResolvedRoute } from './routes';
import { recordId } from './sorted';
import { DoubleStats, StatsRecorder } from './stats';
import { AccessToken, ReplayCache, TokenStore } from './token-store';

export interface OktaDoubleOptions {
  /** Lifetime of issued access tokens. Okta: "fixed at one hour". Default 3600. */
  tokenTtlSeconds?: number;
  /** Per-minute limits per bucket; defaults: Workforce Identity column (rate-limits.ts). */
  rateLimits?: Partial<RateLimits>;
  /** Compresses time for rate-limit windows: 60 makes a "minute" last one second. Default 1. */
  timeScale?: number;
  /** Shifts the double's clock (Date header, X-Rate-Limit-Reset, JWT time checks) from the local one. */
  clockSkewMs?: number;
  /** Delay before each request is processed. Default 0. */
  latencyMs?: number;
  /** GET /api/v1/users: default and maximum `limit` (Okta: 200). */
  usersPageMax?: number;
  /** GET /api/v1/groups: default and maximum `limit` (older Okta docs: 10,000; newer: 200). Default 10000. */
  groupsPageMax?: number;
  /** GET /api/v1/groups/{id}/users: default and maximum `limit` (Okta: 1000, "for historical reasons"). */
  groupMembersPageMax?: number;
  /** Okta's concurrent-request limit (75 for most orgs); over it a request gets 429. Default: none. */
  maxConcurrent?: number;
}

export interface ClientRegistration {
  clientId: string;
  /** The public key Okta holds for the app; its `kid` must appear in the assertion header. */
  publicJwk: JWK;
  /** Okta API scopes granted to the app. */
  scopes: string[];
  /** The app setting "Require Demonstrating Proof of Possession (DPoP) header in token requests". */
  requireDpop?: boolean;
}

/** A handler's answer: the JSON body plus, for listings, what pagination needs. */
interface HandlerResult {
  status?: number;
  body: unknown;
  headers?: Record<string, string | string[]>;
  /** Present for paginated listings. */
  page?: { items: unknown[]; nextAfter: string | null; limit: number };
}

interface RequestContext {
  req: IncomingMessage;
  url: URL;
  route: ResolvedRoute;
  serialize: SerializeOptions;
}

const JSON_TYPE = 'application/json';

export class OktaOrgDouble {
  /** Where the double listens. */
  readonly listenUrl: string;
  /** The org URL clients use: the listen URL, unless the double sits behind a proxy (usePublicUrl). */
  private orgUrl: string;

  private readonly directory: Directory;
  private readonly clients = new Map<string, RegisteredClient>();
  private readonly tokens = new TokenStore();
  private readonly usedJtis = new ReplayCache();
  private readonly limiter: RateLimiter;
  private readonly faults = new FaultInjector();
  private readonly recorder = new StatsRecorder();
  private readonly pendingTimers = new Set<NodeJS.Timeout>();
  private dpopNonce = randomBytes(24).toString('base64url');
  private latencyMs: number;
  private stopped = false;
  private requestSeq = 0;

  private constructor(
    private readonly server: Server,
    port: number,
    private readonly options: Required<Omit<OktaDoubleOptions, 'rateLimits' | 'maxConcurrent'>> &
      Pick<OktaDoubleOptions, 'maxConcurrent'>,
    rateLimits: RateLimits,
  ) {
    this.listenUrl = `http://127.0.0.1:${port}`;
    this.orgUrl = this.listenUrl;
    this.directory = new Directory(() => this.now());
    this.limiter = new RateLimiter(rateLimits, options.timeScale);
    this.latencyMs = options.latencyMs;
  }

  /** The org URL, e.g. http://127.0.0.1:41234 */
  get url(): string {
    return this.orgUrl;
  }

  get tokenUrl(): string {
    return `${this.orgUrl}/oauth2/v1/token`;
  }

  /**
   * Behind a proxy that gives sign-in and the API one origin (a real org's shape): Link headers,
   * the token audience and DPoP `htu` then use this URL.
   */
  usePublicUrl(url: string): void {
    this.orgUrl = url.replace(/\/+$/, '');
  }

  static async start(options: OktaDoubleOptions = {}): Promise<OktaOrgDouble> {
    const server = createServer({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const double = new OktaOrgDouble(
      server,
      port,
      {
        tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
        timeScale: options.timeScale ?? 1,
        clockSkewMs: options.clockSkewMs ?? 0,
        latencyMs: options.latencyMs ?? 0,
        usersPageMax: options.usersPageMax ?? 200,
        groupsPageMax: options.groupsPageMax ?? 10_000,
        groupMembersPageMax: options.groupMembersPageMax ?? 1000,
        maxConcurrent: options.maxConcurrent,
      },
      { ...WORKFORCE_LIMITS, ...options.rateLimits },
    );
    server.on('request', (req, res) => void double.handle(req, res));
    return double;
  }

  /** Closes the server, cutting requests left hanging by 'timeout' faults. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.pendingTimers) clearTimeout(t);
    this.pendingTimers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** The double's clock: local time shifted by `clockSkewMs`. */
  now(): number {
    return Date.now() + this.options.clockSkewMs;
  }

  // ---- data API ----------------------------------------------------------------------------

  addUser(user: NewUser): UserRecord {
    return this.directory.addUser(user);
  }

  updateUser(id: string, patch: UserPatch): UserRecord {
    return this.directory.updateUser(id, patch);
  }

  deactivateUser(id: string): UserRecord {
    return this.directory.deactivateUser(id);
  }

  deleteUser(id: string): void {
    this.directory.deleteUser(id);
  }

  addGroup(group: NewGroup): GroupRecord {
    return this.directory.addGroup(group);
  }

  updateGroup(id: string, patch: GroupPatch): GroupRecord {
    return this.directory.updateGroup(id, patch);
  }

  deleteGroup(id: string): void {
    this.directory.deleteGroup(id);
  }

  addMember(groupId: string, userId: string): boolean {
    return this.directory.addMember(groupId, userId);
  }

  removeMember(groupId: string, userId: string): boolean {
    return this.directory.removeMember(groupId, userId);
  }

  /** Replaces the directory with deterministic bulk data. */
  seed(options: SeedOptions): SeedSummary {
    return this.directory.seed(options);
  }

  /** Read-only views of the data, sorted by id (what a complete sync must end up with). */
  get users(): readonly UserRecord[] {
    return this.directory.users;
  }

  get groups(): readonly GroupRecord[] {
    return this.directory.groups;
  }

  getUser(id: string): UserRecord | null {
    return this.directory.getUser(id);
  }

  getGroup(id: string): GroupRecord | null {
    return this.directory.getGroup(id);
  }

  groupIdsOfUser(userId: string): readonly string[] {
    return this.directory.groupIdsOfUser(userId);
  }

  // ---- clients, tokens, DPoP ---------------------------------------------------------------

  registerClient(registration: ClientRegistration): void {
    this.clients.set(registration.clientId, {
      clientId: registration.clientId,
      publicJwk: registration.publicJwk,
      scopes: new Set(registration.scopes),
      requireDpop: registration.requireDpop ?? false,
    });
  }

  /** Every access token issued so far stops working (the next API call gets 401 E0000011). */
  expireAllTokens(): void {
    this.tokens.expireAll();
  }

  /** The nonce a proof carries goes stale: the next token request gets `use_dpop_nonce`. */
  rotateDpopNonce(): string {
    this.dpopNonce = randomBytes(24).toString('base64url');
    return this.dpopNonce;
  }

  // ---- behaviour knobs ---------------------------------------------------------------------

  injectFault(spec: FaultSpec): void {
    this.faults.inject(spec);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  setRateLimits(limits: Partial<RateLimits>): void {
    this.limiter.setLimits(limits);
  }

  /** Starts fresh rate-limit windows (every bucket back to its full limit). */
  resetRateLimits(): void {
    this.limiter.reset();
  }

  stats(): DoubleStats {
    return this.recorder.snapshot();
  }

  resetStats(): void {
    this.recorder.reset();
  }

  // ---- request pipeline --------------------------------------------------------------------

  /** One request: count it, wait the latency, rate-limit it, maybe fail it, else route it. */
  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const route = resolveRoute(method, url.pathname);
    this.recorder.begin(route.bucket, route.name);
    res.on('close', () => this.recorder.end());

    if (this.latencyMs > 0) await this.delay(this.latencyMs);
    if (this.stopped) return;

    const decision = this.limiter.take(route.bucket, this.now());
    const headers: Record<string, string | string[]> = {
      ...rateLimitHeaders(decision),
      'X-Okta-Request-Id': `double-${++this.requestSeq}`,
    };
    const pathAndQuery = url.pathname + url.search;
    try {
      if (!decision.allowed) throw rateLimited();
      if (this.options.maxConcurrent !== undefined && this.recorder.inFlight > this.options.maxConcurrent) {
        throw rateLimited();
      }
      const early = this.faults.take(method, pathAndQuery, (k) => EARLY_FAULTS.has(k));
      if (early) {
        this.recorder.fault();
        if (early.kind === 'timeout') return; // never answered; stop() cuts the connection
        if (early.kind === 'drop-connection') {
          req.socket.destroy();
          return;
        }
        throw internalError(early.status ?? 500);
      }

      const ctx: RequestContext = {
        req,
        url,
        route,
        serialize: { baseUrl: this.url, omitCredentials: omitsCredentials(req) },
      };
      const result = await this.dispatch(ctx);
      let body = JSON.stringify(result.body);
      let status = result.status ?? 200;
      Object.assign(headers, result.headers);

      const late = this.faults.take(
        method,
        pathAndQuery,
        (k) => k === 'malformed-json' || (k === 'truncate-page' && result.page !== undefined),
      );
      if (late) this.recorder.fault();
      if (result.page) {
        let { items, nextAfter } = result.page;
        if (late?.kind === 'truncate-page') {
          // A page cut short that looks like the end: fewer items, no next link.
          items = items.slice(0, Math.floor(items.length / 2));
          nextAfter = null;
          body = JSON.stringify(items);
        }
        headers.Link = linkHeaders(this.url, url.pathname, url.searchParams, result.page.limit, nextAfter);
      }
      if (late?.kind === 'malformed-json') {
        status = 200;
        body = body.slice(0, Math.max(1, Math.floor(body.length / 2)));
      }
      this.send(res, status, body, headers);
    } catch (e) {
      const error = e instanceof DoubleHttpError ? e : internalError(500);
      if (!(e instanceof DoubleHttpError)) headers['X-Double-Error'] = String((e as Error)?.message ?? e).slice(0, 200);
      this.send(res, error.status, JSON.stringify(error.body), { ...headers, ...error.headers });
    }
  }

  private send(res: ServerResponse, status: number, body: string, headers: Record<string, string | string[]>): void {
    if (res.destroyed || res.writableEnded) return;
    this.recorder.status(status);
    res.statusCode = status;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.setHeader('Date', new Date(this.now()).toUTCString());
    res.setHeader('Content-Type', JSON_TYPE);
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pendingTimers.delete(timer);
        resolve();
      }, ms);
      this.pendingTimers.add(timer);
    });
  }

  private async dispatch(ctx: RequestContext): Promise<HandlerResult> {
    const { route } = ctx;
    switch (route.name) {
      case 'token':
        return this.tokenEndpoint(ctx);
      case 'discovery':
        return { body: this.discoveryDocument() };
      case 'unknown':
        throw unsupportedEndpoint(route.wrongMethod ? 405 : 404);
      default:
        await this.authorize(ctx);
        return this.managementApi(ctx);
    }
  }

  private managementApi(ctx: RequestContext): HandlerResult {
    switch (ctx.route.name) {
      case 'listUsers':
        return this.listUsers(ctx);
      case 'getUser':
        return this.getUserRoute(ctx);
      case 'listUserGroups':
        return this.listUserGroups(ctx);
      case 'listGroups':
        return this.listGroups(ctx);
      case 'getGroup':
        return this.getGroupRoute(ctx);
      case 'listGroupUsers':
        return this.listGroupUsers(ctx);
      default:
        throw unsupportedEndpoint(404);
    }
  }

  // ---- token endpoint ----------------------------------------------------------------------

  /** POST /oauth2/v1/token: client_credentials + private_key_jwt (+ DPoP when the app requires it). */
  private async tokenEndpoint(ctx: RequestContext): Promise<HandlerResult> {
    const form = new URLSearchParams(await readBody(ctx.req));
    checkGrantType(form);
    const client = await authenticateClient(form, {
      clients: this.clients,
      tokenUrl: this.tokenUrl,
      nowSeconds: Math.floor(this.now() / 1000),
      usedJtis: this.usedJtis,
    });
    const scopes = checkScopesGranted(form.get('scope'), client);
    // The official SDK always sends a DPoP header; for an app without the DPoP requirement Okta
    // ignores it and issues a Bearer token, which is what the SDK then uses.
    const jkt = client.requireDpop ? await this.checkTokenRequestDpop(ctx.req) : null;
    const ttl = this.options.tokenTtlSeconds;
    const accessToken = this.tokens.issue({ clientId: client.clientId, scopes: new Set(scopes), jkt }, ttl);
    return {
      body: { token_type: jkt ? 'DPoP' : 'Bearer', expires_in: ttl, access_token: accessToken, scope: scopes.join(' ') },
      headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
    };
  }

  /** Okta's DPoP flow at /token: a proof is required; a valid proof without the current nonce gets
   * 400 use_dpop_nonce and a `DPoP-Nonce` header (RFC 9449 §8); then the token is bound to the
   * proof key's thumbprint. */
  private async checkTokenRequestDpop(req: IncomingMessage): Promise<string> {
    const proof = singleHeader(req, 'dpop');
    if (!proof) throw oauthError(400, 'invalid_dpop_proof', 'The DPoP proof JWT header is missing.');
    let verified;
    try {
      verified = await verifyDpopProof(
        proof,
        { htm: 'POST', htu: this.tokenUrl, nowSeconds: Math.floor(this.now() / 1000) },
        this.usedJtis,
      );
    } catch (e) {
      if (e instanceof DpopProofError) throw oauthError(400, 'invalid_dpop_proof', e.message);
      throw e;
    }
    if (verified.claims.nonce !== this.dpopNonce) {
      throw oauthError(400, 'use_dpop_nonce', 'Authorization server requires nonce in DPoP proof.', {
        'DPoP-Nonce': this.dpopNonce,
      });
    }
    return verified.jkt;
  }

  private discoveryDocument(): Record<string, unknown> {
    return {
      issuer: this.url,
      token_endpoint: this.tokenUrl,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'],
      dpop_signing_alg_values_supported: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'],
      scopes_supported: ['okta.users.read', 'okta.users.manage', 'okta.groups.read', 'okta.groups.manage'],
    };
  }

  // ---- management API auth -----------------------------------------------------------------

  /** Bearer or DPoP access token with one of the route's scopes; else 401 E0000011 / 403 E0000006. */
  private async authorize(ctx: RequestContext): Promise<AccessToken> {
    const { scheme, value } = parseAuthorization(ctx.req);
    const token = value ? this.tokens.lookup(value) : null;
    if (!token) throw invalidToken();
    if (token.jkt) await this.checkResourceDpop(ctx, scheme, value!, token.jkt);
    else if (scheme !== 'bearer') throw invalidToken('A Bearer token must be sent with the Bearer scheme.');
    if (!ctx.route.scopes.some((s) => token.scopes.has(s))) {
      throw forbidden(`The access token provided does not contain the required scopes.`);
    }
    return token;
  }

  /** RFC 9449 §7: a DPoP-bound token travels as `Authorization: DPoP <token>` with a proof for this
   * request (htm, htu without query, fresh jti, `ath` of the token) signed by the bound key. Okta
   * does not currently require a nonce on resource requests. */
  private async checkResourceDpop(ctx: RequestContext, scheme: string, token: string, jkt: string): Promise<void> {
    const fail = (description: string) =>
      invalidToken(description, { 'WWW-Authenticate': `DPoP error="invalid_dpop_proof", error_description="${description}"` });
    if (scheme !== 'dpop') throw fail('A DPoP-bound access token must be sent with the DPoP scheme.');
    const proof = singleHeader(ctx.req, 'dpop');
    if (!proof) throw fail('The DPoP proof JWT header is missing.');
    try {
      const verified = await verifyDpopProof(
        proof,
        {
          htm: ctx.req.method ?? 'GET',
          htu: `${this.url}${ctx.url.pathname}`,
          nowSeconds: Math.floor(this.now() / 1000),
          accessToken: token,
        },
        this.usedJtis,
      );
      if (verified.jkt !== jkt) throw new DpopProofError('The DPoP proof JWT key does not match the access token binding (cnf.jkt).');
    } catch (e) {
      if (e instanceof DpopProofError) throw fail(e.message);
      throw e;
    }
  }

  // ---- users -------------------------------------------------------------------------------

  /** GET /api/v1/users. Without filter/search the list leaves out DEPROVISIONED users ("the default
   * user list excludes DEPROVISIONED users"); a filter sees every status. */
  private listUsers(ctx: RequestContext): HandlerResult {
    const q = ctx.url.searchParams;
    rejectUnsupportedQuery(q);
    const filter = q.get('filter');
    const accept: Predicate<UserRecord> = filter
      ? parseFilter(filter, USER_FILTER_ATTRIBUTES)
      : (u) => u.status !== 'DEPROVISIONED';
    const limits: PageLimits = { defaultLimit: this.options.usersPageMax, maxLimit: this.options.usersPageMax };
    return this.listPage(this.directory.users, q, limits, accept, (u) => toOktaUser(u, ctx.serialize));
  }

  /** GET /api/v1/users/{idOrLogin}: any status, by id or login. */
  private getUserRoute(ctx: RequestContext): HandlerResult {
    const id = ctx.route.params.id!;
    const user = this.directory.getUserByIdOrLogin(id);
    if (!user) throw notFound(id, 'User');
    return { body: toOktaUser(user, ctx.serialize) };
  }

  /** GET /api/v1/users/{id}/groups: every group of the user in one answer (not paginated). */
  private listUserGroups(ctx: RequestContext): HandlerResult {
    const id = ctx.route.params.id!;
    const user = this.directory.getUserByIdOrLogin(id);
    if (!user) throw notFound(id, 'User');
    const groups = this.directory.groupIdsOfUser(user.id).map((gid) => this.directory.getGroup(gid)!);
    return { body: groups.map((g) => toOktaGroup(g, ctx.serialize, false)) };
  }

  // ---- groups ------------------------------------------------------------------------------

  /** GET /api/v1/groups with `filter` on type / lastUpdated / lastMembershipUpdated / id and
   * `expand=stats`. */
  private listGroups(ctx: RequestContext): HandlerResult {
    const q = ctx.url.searchParams;
    rejectUnsupportedQuery(q);
    const filter = q.get('filter');
    const accept: Predicate<GroupRecord> = filter ? parseFilter(filter, GROUP_FILTER_ATTRIBUTES) : () => true;
    const expandStats = (q.get('expand') ?? '').split(',').includes('stats');
    const limits: PageLimits = { defaultLimit: this.options.groupsPageMax, maxLimit: this.options.groupsPageMax };
    return this.listPage(this.directory.groups, q, limits, accept, (g) => toOktaGroup(g, ctx.serialize, expandStats));
  }

  private getGroupRoute(ctx: RequestContext): HandlerResult {
    const group = this.directory.getGroup(ctx.route.params.id!);
    if (!group) throw notFound(ctx.route.params.id!, 'UserGroup');
    return { body: toOktaGroup(group, ctx.serialize, (ctx.url.searchParams.get('expand') ?? '').includes('stats')) };
  }

  /** GET /api/v1/groups/{id}/users: members of any status, by user id, default/max limit 1000. */
  private listGroupUsers(ctx: RequestContext): HandlerResult {
    const group = this.directory.getGroup(ctx.route.params.id!);
    if (!group) throw notFound(ctx.route.params.id!, 'UserGroup');
    const limits: PageLimits = {
      defaultLimit: this.options.groupMembersPageMax,
      maxLimit: this.options.groupMembersPageMax,
    };
    return this.listPage(group.members, ctx.url.searchParams, limits, () => true, (userId) =>
      toOktaUser(this.directory.getUser(userId)!, ctx.serialize),
    );
  }

  /** The shared listing step: cursor + limit -> one page, serialised, with what the Link header needs. */
  private listPage<T>(
    sorted: readonly T[],
    q: URLSearchParams,
    limits: PageLimits,
    accept: Predicate<T>,
    serialize: (item: T) => unknown,
  ): HandlerResult {
    const limit = parseLimit(q.get('limit'), limits);
    const idOf = (item: T): string => (typeof item === 'string' ? item : recordId(item as { id: string }));
    const page = pageAfter(sorted, idOf, q.get('after'), limit, accept);
    const items = page.items.map(serialize);
    return { body: items, page: { items, nextAfter: page.nextAfter, limit } };
  }
}

// ---- small helpers ---------------------------------------------------------------------------

/** Filterable user attributes (Okta: status, lastUpdated, id, profile.login/email/firstName/lastName). */
const USER_FILTER_ATTRIBUTES: FilterAttributes<UserRecord> = {
  status: { kind: 'string', get: (u) => u.status },
  lastUpdated: { kind: 'date', get: (u) => u.lastUpdated },
  created: { kind: 'date', get: (u) => u.created },
  id: { kind: 'string', get: (u) => u.id },
  'profile.login': { kind: 'string', get: (u) => u.profile.login, caseInsensitive: true },
  'profile.email': { kind: 'string', get: (u) => u.profile.email, caseInsensitive: true },
  'profile.firstName': { kind: 'string', get: (u) => u.profile.firstName },
  'profile.lastName': { kind: 'string', get: (u) => u.profile.lastName },
};

/** Filterable group attributes (Okta: id, type, lastUpdated, lastMembershipUpdated). */
const GROUP_FILTER_ATTRIBUTES: FilterAttributes<GroupRecord> = {
  id: { kind: 'string', get: (g) => g.id },
  type: { kind: 'string', get: (g) => g.type },
  lastUpdated: { kind: 'date', get: (g) => g.lastUpdated },
  lastMembershipUpdated: { kind: 'date', get: (g) => g.lastMembershipUpdated },
};

/** `search` (an eventually consistent index) and `q` (unpaginated) are not sync tools and the
 * double does not implement them; asking for them is a loud 400 rather than a silent full list. */
function rejectUnsupportedQuery(q: URLSearchParams): void {
  for (const p of ['search', 'q']) {
    if (q.has(p)) throw invalidSearchCriteria(`The Okta double does not implement the '${p}' parameter; use 'filter'.`);
  }
}

/** RFC 6749 §4.4.2: the only grant the org AS offers a service app here is client_credentials. */
function checkGrantType(form: URLSearchParams): void {
  if (form.get('grant_type') !== 'client_credentials') {
    throw oauthError(
      400,
      'unsupported_grant_type',
      'The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].',
    );
  }
}

function parseAuthorization(req: IncomingMessage): { scheme: string; value: string | null } {
  const header = req.headers.authorization ?? '';
  const space = header.indexOf(' ');
  if (space < 0) return { scheme: '', value: null };
  return { scheme: header.slice(0, space).toLowerCase(), value: header.slice(space + 1).trim() || null };
}

/** RFC 9449 §4.3 item 1: exactly one DPoP header. */
function singleHeader(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  if (Array.isArray(value)) return value.length === 1 ? value[0] : null;
  return value ?? null;
}

function omitsCredentials(req: IncomingMessage): boolean {
  return /okta-response=[^;]*omitCredentials/.test(req.headers['content-type'] ?? '');
}

async function readBody(req: IncomingMessage, maxBytes = 1 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw oauthError(400, 'invalid_request', 'The request body is too large.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
