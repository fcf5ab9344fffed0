// A small, hand-written OpenID Provider on node:http (no oidc-provider) that serves a correct code
// flow and then answers the token request with whatever the current `mode` says: a valid ID token,
// or one tampered to attack one ID token check of the service (OpenID Connect Core 1.0 §3.1.3.7,
// "ID Token Validation", items cited per tampering below), or a broken token response.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, UnsecuredJWT, exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, type CryptoKey } from 'jose';

export type HostileSigningAlg = 'RS256' | 'ES256';

export type HostileMode =
  | 'valid'
  | 'tampered-payload'
  | 'wrong-key'
  | 'alg-none'
  | 'hs256-with-public-key'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'multiple-audiences-no-azp'
  | 'multiple-audiences-with-azp'
  | 'wrong-nonce'
  | 'expired'
  | 'not-yet-valid'
  | 'iat-in-future'
  | 'unknown-kid-after-rotation'
  | 'missing-email'
  | 'email-unverified'
  | 'userinfo-sub-mismatch'
  | 'no-id-token'
  | 'token-error';

/**
 * What a correct relying party must do with each mode:
 * - `accept`: sign-in succeeds (for unknown-kid-after-rotation: after exactly one JWKS refetch);
 * - `reject-id-token`: ID token validation fails (signature, alg, iss, aud, azp, nonce, time);
 * - `reject-claims`: the token is valid but the identity must be refused or not trusted (email rules, userinfo sub);
 * - `reject-token-response`: the token endpoint's answer itself is unusable.
 */
export type HostileExpectation = 'accept' | 'reject-id-token' | 'reject-claims' | 'reject-token-response';

export const HOSTILE_MODES: Record<HostileMode, { expect: HostileExpectation; attacks: string }> = {
  valid: { expect: 'accept', attacks: 'nothing: the control case' },
  'tampered-payload': { expect: 'reject-id-token', attacks: 'OIDC Core 3.1.3.7 item 6 (JWS signature)' },
  'wrong-key': { expect: 'reject-id-token', attacks: 'OIDC Core 3.1.3.7 item 6 (signature with the key from jwks_uri)' },
  'alg-none': { expect: 'reject-id-token', attacks: 'OIDC Core 3.1.3.7 items 6-7 (alg none is never acceptable for a signed ID token)' },
  'hs256-with-public-key': { expect: 'reject-id-token', attacks: 'OIDC Core 3.1.3.7 items 7-8 (alg allow-list; MAC keys are only the client_secret)' },
  'wrong-issuer': { expect: 'reject-id-token', attacks: 'OIDC Core 3.1.3.7 item 2 (iss MUST exactly match the Issuer)' },
  'wrong-audience': { expect: 'reject-id-token', attacks: 'OIDC Core 3.1.3.7 item 3 (aud MUST contain the client_id)' },
  'multiple-audiences-no-azp': { expect: 'reject-id-token', attacks: 'OIDC Core 3.1.3.7 items 3-4 (several audiences: azp SHOULD be present; we require it)' },
  'multiple-audiences-with-azp': { expect: 'accept', attacks: 'OIDC Core 3.1.3.7 items 3-5 (control: azp equals client_id)' },
  'wrong-nonce': { expect: 'reject-id-token', attacks: 'OIDC Core 3.1.3.7 item 11 (nonce MUST equal the one sent)' },
  expired: { expect: 'reject-id-token', attacks: 'OIDC Core 3.1.3.7 item 9 (current time MUST be before exp)' },
  'not-yet-valid': { expect: 'reject-id-token', attacks: 'RFC 7519 4.1.5 nbf (JWT processing under OIDC Core 3.1.3.7)' },
  'iat-in-future': { expect: 'reject-id-token', attacks: 'OIDC Core 3.1.3.7 item 10 (iat too far from the current time)' },
  'unknown-kid-after-rotation': { expect: 'accept', attacks: 'OIDC Core 10.1.1 (key rotation: refetch jwks_uri on an unknown kid)' },
  'missing-email': { expect: 'reject-claims', attacks: 'OIDC Core 5.1 (email is optional: a missing email must be a clear refusal)' },
  'email-unverified': { expect: 'reject-claims', attacks: 'OIDC Core 5.1 / 5.7 (email_verified false: never link by email)' },
  'userinfo-sub-mismatch': { expect: 'reject-claims', attacks: 'OIDC Core 5.3.2 (userinfo sub MUST match the ID token sub, else its values MUST NOT be used)' },
  'no-id-token': { expect: 'reject-token-response', attacks: 'OIDC Core 3.1.3.3 (the token response MUST contain an id_token)' },
  'token-error': { expect: 'reject-token-response', attacks: 'OIDC Core 3.1.3.4 / RFC 6749 5.2 (invalid_grant)' },
};

export interface HostileClaims {
  sub: string;
  email?: string;
  email_verified?: boolean;
  given_name?: string;
  family_name?: string;
  preferred_username?: string;
  phone_number?: string;
  [claim: string]: unknown;
}

export interface AuthorizeParams {
  client_id: string;
  redirect_uri: string;
  response_type: string;
  scope: string;
  state?: string;
  nonce?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  [param: string]: string | undefined;
}

export interface TokenRequestRecord {
  clientAuthMethod: 'client_secret_basic' | 'client_secret_post' | 'none';
  params: Record<string, string>;
}

export interface HostileStartOptions {
  clientId: string;
  clientSecret: string;
  alg?: HostileSigningAlg;
  claims?: Partial<HostileClaims>;
  mode?: HostileMode;
  /** ID token lifetime in seconds for valid tokens. Default 300. */
  idTokenTtl?: number;
}

interface SigningKey {
  kid: string;
  alg: HostileSigningAlg;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

interface IssuedCode {
  params: AuthorizeParams;
  used: boolean;
}

/** Everything a tampering function may use to build its token. */
interface MintContext {
  issuer: string;
  clientId: string;
  nonce: string | undefined;
  claims: HostileClaims;
  key: SigningKey;
  now: number;
  ttl: number;
  /** Publishes a new signing key (the old one leaves the JWKS) and returns it. */
  rotate(): Promise<SigningKey>;
  /** A key pair with the same kid and alg as `key` but not in the JWKS. */
  impostorKey(): Promise<SigningKey>;
}

const DEFAULT_CLAIMS: HostileClaims = {
  sub: 'hostile-user-1',
  email: 'Hostile.User@example.test',
  email_verified: true,
  given_name: 'Hostile',
  family_name: 'User',
  preferred_username: 'hostile.user',
};
const NAME_CLAIMS = ['given_name', 'family_name', 'name'];
const FAR = 300; // seconds: well beyond the 60 s clock tolerance a relying party may allow

// ---------------------------------------------------------------------------------------------
// ID token mints: one small function per mode.

function baseClaims(ctx: MintContext, overrides: JWTPayload = {}): JWTPayload {
  return {
    ...ctx.claims,
    iss: ctx.issuer,
    aud: ctx.clientId,
    iat: ctx.now,
    exp: ctx.now + ctx.ttl,
    ...(ctx.nonce === undefined ? {} : { nonce: ctx.nonce }),
    ...overrides,
  };
}

function sign(payload: JWTPayload, key: SigningKey): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
}

/** Control case: every check passes. */
function mintValid(ctx: MintContext): Promise<string> {
  return sign(baseClaims(ctx), ctx.key);
}

/** 3.1.3.7 item 6: signed correctly, then the payload is swapped (sub and email of someone else). */
async function mintTamperedPayload(ctx: MintContext): Promise<string> {
  const [header, , signature] = (await sign(baseClaims(ctx), ctx.key)).split('.');
  const forged = baseClaims(ctx, { sub: 'victim-admin', email: 'admin@example.test', email_verified: true });
  return `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
}

/** 3.1.3.7 item 6: a good-looking token signed with a key that is not in the JWKS, under the published kid. */
async function mintWithWrongKey(ctx: MintContext): Promise<string> {
  return sign(baseClaims(ctx), await ctx.impostorKey());
}

/** 3.1.3.7 items 6-7: `alg: none`, no signature at all. */
async function mintAlgNone(ctx: MintContext): Promise<string> {
  return new UnsecuredJWT(baseClaims(ctx)).encode();
}

/**
 * 3.1.3.7 items 7-8: HS256 "signed" with the provider's public key (its SPKI PEM bytes) as the MAC
 * secret: the classic key-confusion attack on verifiers that pick the algorithm from the header.
 */
async function mintHs256WithPublicKey(ctx: MintContext): Promise<string> {
  const secret = new TextEncoder().encode(await exportSPKI(ctx.key.publicKey));
  return new SignJWT(baseClaims(ctx)).setProtectedHeader({ alg: 'HS256', kid: ctx.key.kid, typ: 'JWT' }).sign(secret);
}

/** 3.1.3.7 item 2: iss is another issuer (the service's configured issuer must match exactly). */
function mintWrongIssuer(ctx: MintContext): Promise<string> {
  return sign(baseClaims(ctx, { iss: `${ctx.issuer}/evil` }), ctx.key);
}

/** 3.1.3.7 item 3: aud is another client. */
function mintWrongAudience(ctx: MintContext): Promise<string> {
  return sign(baseClaims(ctx, { aud: 'another-client' }), ctx.key);
}

/** 3.1.3.7 items 3-4: aud lists us and another client, and there is no azp to say who it was for. */
function mintMultipleAudiencesNoAzp(ctx: MintContext): Promise<string> {
  return sign(baseClaims(ctx, { aud: [ctx.clientId, 'another-client'] }), ctx.key);
}

/** 3.1.3.7 items 3-5 (control): several audiences, azp is our client_id: must be accepted. */
function mintMultipleAudiencesWithAzp(ctx: MintContext): Promise<string> {
  return sign(baseClaims(ctx, { aud: [ctx.clientId, 'another-client'], azp: ctx.clientId }), ctx.key);
}

/** 3.1.3.7 item 11: nonce differs from the one the service sent (replayed token). */
function mintWrongNonce(ctx: MintContext): Promise<string> {
  return sign(baseClaims(ctx, { nonce: randomBytes(16).toString('base64url') }), ctx.key);
}

/** 3.1.3.7 item 9: exp is in the past, beyond any clock tolerance. */
function mintExpired(ctx: MintContext): Promise<string> {
  return sign(baseClaims(ctx, { iat: ctx.now - 3 * FAR, exp: ctx.now - FAR }), ctx.key);
}

/** RFC 7519 4.1.5: nbf is in the future, beyond the 60 s tolerance. */
function mintNotYetValid(ctx: MintContext): Promise<string> {
  return sign(baseClaims(ctx, { nbf: ctx.now + FAR }), ctx.key);
}

/** 3.1.3.7 item 10: iat is in the future, beyond the 60 s tolerance (exp still ahead of it). */
function mintIatInFuture(ctx: MintContext): Promise<string> {
  return sign(baseClaims(ctx, { iat: ctx.now + FAR, exp: ctx.now + FAR + ctx.ttl }), ctx.key);
}

/** Core 10.1.1: the provider rotates right now and signs with a kid the service has never fetched. */
async function mintAfterRotation(ctx: MintContext): Promise<string> {
  return sign(baseClaims(ctx), await ctx.rotate());
}

/** Core 5.1: no email claim at all (neither in the ID token nor in userinfo). */
function mintMissingEmail(ctx: MintContext): Promise<string> {
  const { email: _email, email_verified: _verified, ...rest } = baseClaims(ctx);
  return sign(rest, ctx.key);
}

/** Core 5.1: the email is explicitly unverified: never a reason to link to an existing user. */
function mintEmailUnverified(ctx: MintContext): Promise<string> {
  return sign(baseClaims(ctx, { email_verified: false }), ctx.key);
}

/** Core 5.3.2 (with names left out so the service goes to userinfo, whose sub will differ). */
function mintWithoutNames(ctx: MintContext): Promise<string> {
  const payload = baseClaims(ctx);
  for (const claim of NAME_CLAIMS) delete payload[claim];
  return sign(payload, ctx.key);
}

const MINTS: Partial<Record<HostileMode, (ctx: MintContext) => Promise<string>>> = {
  valid: mintValid,
  'tampered-payload': mintTamperedPayload,
  'wrong-key': mintWithWrongKey,
  'alg-none': mintAlgNone,
  'hs256-with-public-key': mintHs256WithPublicKey,
  'wrong-issuer': mintWrongIssuer,
  'wrong-audience': mintWrongAudience,
  'multiple-audiences-no-azp': mintMultipleAudiencesNoAzp,
  'multiple-audiences-with-azp': mintMultipleAudiencesWithAzp,
  'wrong-nonce': mintWrongNonce,
  expired: mintExpired,
  'not-yet-valid': mintNotYetValid,
  'iat-in-future': mintIatInFuture,
  'unknown-kid-after-rotation': mintAfterRotation,
  'missing-email': mintMissingEmail,
  'email-unverified': mintEmailUnverified,
  'userinfo-sub-mismatch': mintWithoutNames,
};

async function newSigningKey(alg: HostileSigningAlg, kid = `hostile-${randomUUID()}`): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicKey, publicJwk };
}

// ---------------------------------------------------------------------------------------------

export class HostileOidcProvider {
  readonly issuer: string;
  readonly clientId: string;
  mode: HostileMode;
  /** Parameters of the most recent /authorize request (even a refused one). */
  lastAuthorizeParams: AuthorizeParams | undefined;
  lastTokenRequest: TokenRequestRecord | undefined;
  /** Every successful token response (access and ID tokens), e.g. to check none of them is logged. */
  readonly tokenResponses: { access_token: string; id_token?: string }[] = [];
  /** How many times /jwks was served. */
  jwksFetchCount = 0;
  discoveryFetchCount = 0;
  tokenRequestCount = 0;
  userinfoRequestCount = 0;
  /**
   * When set, each token request waits for it before answering: a test can act while the
   * relying party is in the middle of a callback (state consumed, code not yet exchanged).
   */
  beforeTokenResponse: (() => Promise<void>) | undefined;

  private claims: HostileClaims;
  private key: SigningKey;
  private impostor: SigningKey | undefined;
  private readonly codes = new Map<string, IssuedCode>();
  private readonly accessTokens = new Map<string, { claims: HostileClaims; mode: HostileMode }>();

  private constructor(
    private readonly server: Server,
    private readonly options: Required<Pick<HostileStartOptions, 'clientId' | 'clientSecret' | 'alg' | 'idTokenTtl'>>,
    key: SigningKey,
    claims: HostileClaims,
    mode: HostileMode,
  ) {
    const { port } = server.address() as AddressInfo;
    this.issuer = `http://127.0.0.1:${port}`;
    this.clientId = options.clientId;
    this.key = key;
    this.claims = claims;
    this.mode = mode;
  }

  static async start(options: HostileStartOptions): Promise<HostileOidcProvider> {
    const alg = options.alg ?? 'RS256';
    const key = await newSigningKey(alg);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const sut = new HostileOidcProvider(
      server,
      { clientId: options.clientId, clientSecret: options.clientSecret, alg, idTokenTtl: options.idTokenTtl ?? 300 },
      key,
      { ...DEFAULT_CLAIMS, ...options.claims },
      options.mode ?? 'valid',
    );
    server.on('request', (req, res) => {
      sut.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: 'server_error', error_description: String(err) });
        else res.destroy();
      });
    });
    return sut;
  }

  get currentKid(): string {
    return this.key.kid;
  }

  get jwks(): { keys: JWK[] } {
    return { keys: [this.key.publicJwk] };
  }

  setMode(mode: HostileMode): void {
    this.mode = mode;
  }

  /** Merge into the account's claims (set a claim to undefined to drop it). */
  setClaims(partial: Partial<HostileClaims>): void {
    this.claims = { ...this.claims, ...partial };
    for (const [name, value] of Object.entries(partial)) if (value === undefined) delete this.claims[name];
  }

  /** New signing key and kid; the old key leaves the JWKS. Returns the new kid. */
  async rotateKey(): Promise<string> {
    this.key = await newSigningKey(this.options.alg);
    this.impostor = undefined;
    return this.key.kid;
  }

  /** Mint an ID token for `mode` directly (no HTTP), e.g. for unit tests of the verifier. */
  mintIdToken(mode: HostileMode, nonce: string | undefined): Promise<string> {
    const mint = MINTS[mode];
    if (!mint) throw new Error(`mode ${mode} has no ID token`);
    return mint(this.mintContext(nonce));
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }

  private mintContext(nonce: string | undefined): MintContext {
    return {
      issuer: this.issuer,
      clientId: this.clientId,
      nonce,
      claims: { ...this.claims },
      key: this.key,
      now: Math.floor(Date.now() / 1000),
      ttl: this.options.idTokenTtl,
      rotate: async () => {
        await this.rotateKey();
        return this.key;
      },
      impostorKey: async () => {
        this.impostor ??= await newSigningKey(this.key.alg, this.key.kid);
        return this.impostor;
      },
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.issuer);
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /.well-known/openid-configuration':
        this.discoveryFetchCount += 1;
        return sendJson(res, 200, this.discovery());
      case 'GET /jwks':
        this.jwksFetchCount += 1;
        return sendJson(res, 200, this.jwks, { 'content-type': 'application/jwk-set+json' });
      case 'GET /authorize':
        return this.authorize(url, res);
      case 'POST /token':
        return this.token(req, res);
      case 'GET /userinfo':
      case 'POST /userinfo':
        return this.userinfo(req, res);
      default:
        return sendJson(res, 404, { error: 'not_found' });
    }
  }

  private discovery(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      authorization_endpoint: `${this.issuer}/authorize`,
      token_endpoint: `${this.issuer}/token`,
      jwks_uri: `${this.issuer}/jwks`,
      userinfo_endpoint: `${this.issuer}/userinfo`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code'],
      subject_types_supported: ['public'],
      scopes_supported: ['openid', 'email', 'profile'],
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: [this.options.alg],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      authorization_response_iss_parameter_supported: true,
    };
  }

  /** No login page: records the request and redirects straight back with a code (or an error). */
  private authorize(url: URL, res: ServerResponse): void {
    const params = Object.fromEntries(url.searchParams) as AuthorizeParams;
    this.lastAuthorizeParams = params;
    if (params.client_id !== this.clientId || !params.redirect_uri) {
      return sendJson(res, 400, { error: 'invalid_request', error_description: 'unknown client_id or no redirect_uri' });
    }
    const back = new URL(params.redirect_uri);
    const refuse = (error: string, description: string) => {
      back.searchParams.set('error', error);
      back.searchParams.set('error_description', description);
    };
    if (params.response_type !== 'code') refuse('unsupported_response_type', 'only response_type=code');
    else if (!params.scope?.split(' ').includes('openid')) refuse('invalid_scope', 'scope must contain openid');
    else if (!params.code_challenge || params.code_challenge_method !== 'S256') {
      refuse('invalid_request', 'PKCE with code_challenge_method=S256 is required');
    } else {
      const code = randomBytes(24).toString('base64url');
      this.codes.set(code, { params, used: false });
      back.searchParams.set('code', code);
    }
    if (params.state !== undefined) back.searchParams.set('state', params.state);
    back.searchParams.set('iss', this.issuer);
    res.writeHead(302, { location: back.toString(), 'cache-control': 'no-store' });
    res.end();
  }

  private async token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.tokenRequestCount += 1;
    if (this.beforeTokenResponse) await this.beforeTokenResponse();
    const params = Object.fromEntries(new URLSearchParams(await readBody(req)));
    const auth = this.authenticateClient(req.headers.authorization, params);
    this.lastTokenRequest = { clientAuthMethod: auth.method, params };
    if (!auth.ok) return sendJson(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="hostile"' });
    if (this.mode === 'token-error') {
      return sendJson(res, 400, { error: 'invalid_grant', error_description: 'hostile mode token-error' });
    }
    if (params.grant_type !== 'authorization_code') return sendJson(res, 400, { error: 'unsupported_grant_type' });
    const issued = params.code ? this.codes.get(params.code) : undefined;
    if (!issued || issued.used) return sendJson(res, 400, { error: 'invalid_grant', error_description: 'unknown or used code' });
    issued.used = true;
    if (params.redirect_uri !== issued.params.redirect_uri) {
      return sendJson(res, 400, { error: 'invalid_grant', error_description: 'redirect_uri mismatch' });
    }
    if (!pkceMatches(params.code_verifier, issued.params.code_challenge)) {
      return sendJson(res, 400, { error: 'invalid_grant', error_description: 'code_verifier does not match code_challenge' });
    }

    const accessToken = randomBytes(24).toString('base64url');
    this.accessTokens.set(accessToken, { claims: { ...this.claims }, mode: this.mode });
    const body: Record<string, unknown> = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: 600,
      scope: issued.params.scope,
    };
    if (this.mode !== 'no-id-token') body.id_token = await this.mintIdToken(this.mode, issued.params.nonce);
    this.tokenResponses.push({ access_token: accessToken, id_token: body.id_token as string | undefined });
    return sendJson(res, 200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
  }

  private authenticateClient(
    authorization: string | undefined,
    params: Record<string, string>,
  ): { ok: boolean; method: TokenRequestRecord['clientAuthMethod'] } {
    if (authorization?.startsWith('Basic ')) {
      const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      // RFC 6749 2.3.1: both parts are form-urlencoded before base64.
      const id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      const secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
      return { ok: colon > 0 && id === this.clientId && safeEqual(secret, this.options.clientSecret), method: 'client_secret_basic' };
    }
    if (params.client_secret !== undefined) {
      return {
        ok: params.client_id === this.clientId && safeEqual(params.client_secret, this.options.clientSecret),
        method: 'client_secret_post',
      };
    }
    return { ok: false, method: 'none' };
  }

  private userinfo(req: IncomingMessage, res: ServerResponse): void {
    this.userinfoRequestCount += 1;
    const token = req.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
    const grant = token ? this.accessTokens.get(token) : undefined;
    if (!grant) return sendJson(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    const claims: Record<string, unknown> = { ...grant.claims };
    if (grant.mode === 'missing-email') {
      delete claims.email;
      delete claims.email_verified;
    }
    if (grant.mode === 'email-unverified') claims.email_verified = false;
    if (grant.mode === 'userinfo-sub-mismatch') claims.sub = `${grant.claims.sub}-someone-else`;
    return sendJson(res, 200, claims);
  }
}

function pkceMatches(verifier: string | undefined, challenge: string | undefined): boolean {
  if (!verifier || !challenge || !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false;
  return safeEqual(createHash('sha256').update(verifier).digest('base64url'), challenge);
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
