/**
 * passport-openidconnect's Strategy with what it lacks (reference/ecosystem.md §3): PKCE S256,
 * a token request with a timeout and the provider's preferred client authentication, the ID
 * token verified (signature against the JWKS, alg allow-list, claims: id-token-checks.ts) before
 * the library decodes it, userinfo whose `sub` must match, and the provider's `error` answer
 * consuming the state. The library still builds the authorization URL, drives the state store,
 * checks the nonce and calls the verify function.
 *
 * Passport (and authenticateWithStrategy) run each request on `Object.create(strategy)`, so the
 * per-request `_oauth2` set in authenticate() shadows the shared one for that request only.
 */
import { Strategy } from 'passport-openidconnect';
import { SignInError, UpstreamError } from '../common/errors';
import { HttpClientError, httpRequest } from '../common/http-client';
import { verifyIdToken, type IdTokenClaims } from './id-token-checks';
import type { JwksCache } from './jwks-cache';
import { codeChallengeS256 } from './pkce';
import type { ProviderEndpoints } from './ports';
import type { PostgresStateStore } from './postgres-state-store';
import { signInContext } from './sign-in-request';

export interface HardenedStrategyConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  endpoints: ProviderEndpoints;
  jwks: JwksCache;
  stateStore: PostgresStateStore;
  /** `select_account` only where the provider kind supports it (Google). */
  prompt?: string;
  timeoutMs: number;
}

/** The identity the provider vouched for: verified ID token claims, completed from userinfo. */
export interface VerifiedIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  /** `email_verified` as the provider said it; null when it did not say. */
  emailVerified: boolean | null;
  givenName: string | null;
  familyName: string | null;
  preferredUsername: string | null;
  phone: string | null;
}

type OAuthCallback = (err: unknown, accessToken?: string, refreshToken?: string, params?: Record<string, unknown>) => void;
type GetCallback = (err: unknown, body?: string, res?: unknown) => void;

const USER_INFO_CLAIMS = ['email', 'given_name', 'family_name'] as const;

/** IdP `error` values are RFC 6749 §4.1.2.1 ASCII codes; anything else is shown as "invalid". */
function safeErrorCode(value: unknown): string {
  return typeof value === 'string' && /^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,64}$/.test(value) ? value : 'invalid';
}

function stringClaim(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** OIDC Core §5.1: `email_verified` is a boolean; some providers send "true"/"false". */
function booleanClaim(value: unknown): boolean | null {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return null;
}

/** OIDC Core §5.3.2: the userinfo `sub` MUST match the ID token's, else its values MUST NOT be used. */
export function checkUserinfoSubject(userinfoSub: unknown, idTokenSub: string): void {
  if (userinfoSub !== idTokenSub) {
    throw new SignInError('userinfo_sub_mismatch', 'The userinfo response\'s "sub" does not match the ID token\'s "sub"');
  }
}

/** Names and email from the ID token, each missing one taken from userinfo (already sub-checked). */
export function toVerifiedIdentity(claims: IdTokenClaims, userinfo: Record<string, unknown> | undefined): VerifiedIdentity {
  const pick = (name: string) => stringClaim((claims as Record<string, unknown>)[name]) ?? stringClaim(userinfo?.[name]);
  const emailFromToken = stringClaim(claims.email);
  return {
    issuer: claims.iss,
    subject: claims.sub,
    email: pick('email'),
    emailVerified: emailFromToken ? booleanClaim(claims.email_verified) : booleanClaim(userinfo?.email_verified ?? claims.email_verified),
    givenName: pick('given_name'),
    familyName: pick('family_name'),
    preferredUsername: pick('preferred_username'),
    phone: pick('phone_number'),
  };
}

export class HardenedOidcStrategy extends Strategy {
  constructor(private readonly config: HardenedStrategyConfig) {
    super(
      {
        issuer: config.issuer,
        authorizationURL: config.endpoints.authorization_endpoint,
        tokenURL: config.endpoints.token_endpoint,
        userInfoURL: config.endpoints.userinfo_endpoint ?? '',
        clientID: config.clientId,
        clientSecret: config.clientSecret,
        scope: ['email', 'profile'],
        nonce: true as unknown as string,
        prompt: config.prompt,
        passReqToCallback: true,
        store: {
          store: config.stateStore.store.bind(config.stateStore),
          verify: (req: unknown, handle: unknown, cb: (err: Error | null, ctx?: unknown) => void) => {
            config.stateStore.consume(req, handle, config.issuer).then((row) => cb(null, { nonce: row.nonce }), (error: Error) => cb(error));
          },
        },
        // Userinfo only when the ID token lacks a name or the email, and the provider has one.
        skipUserProfile: ((_req: unknown, claims: Record<string, unknown>, done: (err: unknown, skip: boolean) => void) =>
          done(null, !config.endpoints.userinfo_endpoint || USER_INFO_CLAIMS.every((name) => stringClaim(claims[name])))) as never,
      } as never,
      // Ten parameters: with passReqToCallback the library then passes
      // (req, iss, uiProfile, idProfile, context, idToken, accessToken, refreshToken, params, cb).
      ((req: unknown, _iss: string, uiProfile: { _json?: Record<string, unknown> } | undefined, _idProfile: unknown, _context: unknown, _idToken: string, _accessToken: string, _refreshToken: string, _params: unknown, verified: (err: unknown, user?: unknown) => void) => {
        try {
          const claims = signInContext(req).claims;
          if (!claims) throw new Error('ID token was not verified');
          const userinfo = uiProfile?._json;
          if (userinfo) checkUserinfoSubject(userinfo.sub, claims.sub);
          verified(null, toVerifiedIdentity(claims, userinfo));
        } catch (error) {
          verified(error);
        }
      }) as never,
    );
  }

  /** RFC 7636 §4.3: the challenge of the verifier the state store will keep. */
  override authorizationParams(options: { signInCodeVerifier?: string }): object {
    if (!options.signInCodeVerifier) throw new Error('PKCE verifier missing');
    return { code_challenge: codeChallengeS256(options.signInCodeVerifier), code_challenge_method: 'S256' };
  }

  override authenticate(req: any, options?: any): void {
    const self = this as unknown as { _oauth2: object; error(err: unknown): void };
    const shared = self._oauth2;
    self._oauth2 = Object.create(shared, {
      getOAuthAccessToken: { value: (code: string, params: Record<string, string>, cb: OAuthCallback) => this.exchangeCode(req, code, params, cb) },
      get: { value: (url: string, accessToken: string, cb: GetCallback) => this.fetchUserinfo(url, accessToken, cb) },
    });
    if (req.query?.error !== undefined) {
      this.refuseProviderError(req);
      return;
    }
    super.authenticate(req, options);
  }

  /** RFC 6749 §4.1.2.1: the provider answered with an error; the state is consumed either way. */
  private refuseProviderError(req: any): void {
    const self = this as unknown as { error(err: unknown): void };
    const error = safeErrorCode(req.query.error);
    const refusal =
      error === 'access_denied'
        ? new SignInError('idp_access_denied', 'The identity provider denied the sign-in (error=access_denied)')
        : new SignInError('idp_error', `The identity provider answered the authorization request with error=${error}`);
    this.config.stateStore.consume(req, req.query.state, this.config.issuer).then(
      () => self.error(refusal),
      () => self.error(refusal),
    );
  }

  /** OIDC Core §3.1.3.1-3.1.3.3 + RFC 7636 §4.5, then §3.1.3.7 on the ID token. */
  private exchangeCode(req: unknown, code: string, params: Record<string, string>, cb: OAuthCallback): void {
    this.requestTokens(req, code, params).then(
      ({ accessToken, refreshToken, body }) => cb(null, accessToken, refreshToken, body),
      (error) => cb(error),
    );
  }

  private async requestTokens(req: unknown, code: string, params: Record<string, string>) {
    const context = signInContext(req);
    const state = context.state;
    if (!state) throw new Error('token request before the state was consumed');
    const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: params.redirect_uri ?? state.redirectUri, code_verifier: state.codeVerifier });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    const methods = this.config.endpoints.token_endpoint_auth_methods_supported;
    // OIDC Discovery §3: absent means client_secret_basic. RFC 6749 §2.3.1: form-encode, then base64.
    if (!methods || methods.includes('client_secret_basic')) {
      const basic = `${encodeURIComponent(this.config.clientId)}:${encodeURIComponent(this.config.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
    } else {
      form.set('client_id', this.config.clientId);
      form.set('client_secret', this.config.clientSecret);
    }
    let response;
    try {
      response = await httpRequest(this.config.endpoints.token_endpoint, { method: 'POST', headers, body: form, timeoutMs: this.config.timeoutMs });
    } catch (error) {
      throw new UpstreamError('The identity provider\'s token endpoint could not be reached', 'idp_unavailable', { cause: error, endpoint: this.config.endpoints.token_endpoint });
    }
    let body: Record<string, unknown> | undefined;
    try {
      const parsed = JSON.parse(response.text) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    if (response.status !== 200 || !body) {
      const providerError = safeErrorCode(body?.error);
      throw new SignInError('token_exchange_failed', `The identity provider refused the authorization code at its token endpoint (HTTP ${response.status}, error=${providerError})`);
    }
    if (typeof body.id_token !== 'string') throw new SignInError('id_token_missing', 'The token response has no "id_token" (OIDC Core 3.1.3.3)');
    if (typeof body.access_token !== 'string') throw new SignInError('token_exchange_failed', 'The token response has no "access_token"');
    context.claims = await verifyIdToken(body.id_token, this.config.jwks, { issuer: this.config.issuer, clientId: this.config.clientId, nonce: state.nonce });
    return { accessToken: body.access_token, refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined, body };
  }

  /** OIDC Core §5.3: GET userinfo with the access token; the body must be a JSON object. */
  private fetchUserinfo(url: string, accessToken: string, cb: GetCallback): void {
    httpRequest(url, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' }, timeoutMs: this.config.timeoutMs }).then(
      (response) => {
        let json: unknown;
        try {
          json = JSON.parse(response.text);
        } catch {
          json = undefined;
        }
        if (response.status !== 200 || !json || typeof json !== 'object' || Array.isArray(json)) {
          cb(new SignInError('userinfo_failed', `The identity provider's userinfo endpoint answered HTTP ${response.status} without a JSON object`));
          return;
        }
        cb(null, response.text, response);
      },
      (error) => cb(error instanceof HttpClientError ? new UpstreamError('The identity provider\'s userinfo endpoint could not be reached', 'idp_unavailable', { cause: error }) : error),
    );
  }
}

/** What a run of the strategy ended with. */
export type StrategyOutcome =
  | { kind: 'redirect'; url: string }
  | { kind: 'success'; identity: VerifiedIdentity }
  | { kind: 'fail'; message: string | undefined };

/** passport-openidconnect wraps our errors (InternalOAuthError.oauthError): unwrap them. */
function unwrap(error: unknown): unknown {
  const inner = (error as { oauthError?: unknown })?.oauthError;
  if (inner instanceof Error) return inner;
  if (error instanceof Error && error.name === 'TokenError') {
    return new SignInError('token_exchange_failed', 'The identity provider refused the authorization code at its token endpoint', { cause: error });
  }
  return error;
}

/**
 * Runs a Passport strategy once, the way passport's own middleware does (a fresh
 * `Object.create(strategy)` with success/fail/redirect/error/pass), and resolves with what it
 * decided. Used by both transports: the browser guard (HTTP) and HandleCallback (gRPC).
 */
export function authenticateWithStrategy(strategy: Strategy, req: unknown, options: Record<string, unknown>): Promise<StrategyOutcome> {
  return new Promise((resolve, reject) => {
    const run = Object.create(strategy) as Record<string, Function> & { authenticate(req: unknown, options: unknown): void };
    run.success = (user: VerifiedIdentity) => resolve({ kind: 'success', identity: user });
    run.fail = (challenge: { message?: string } | string | undefined) => resolve({ kind: 'fail', message: typeof challenge === 'string' ? challenge : challenge?.message });
    run.redirect = (url: string) => resolve({ kind: 'redirect', url });
    run.pass = () => reject(new Error('strategy passed'));
    run.error = (error: unknown) => reject(unwrap(error));
    try {
      run.authenticate(req, options);
    } catch (error) {
      reject(unwrap(error));
    }
  });
}
