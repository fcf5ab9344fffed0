// Access tokens for the Okta management API: OAuth 2.0 client credentials at the org authorization
// server, the client authenticated with a `private_key_jwt` assertion (RFC 7523 §2.2, §3; Okta:
// developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/), optionally DPoP-bound
// (RFC 9449; developer.okta.com/docs/guides/dpop/main/).
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import type { CryptoKey, KeyObject } from 'jose';
import { createDpopProof, DpopKey, processDpopKey } from './dpop-proof';
import { messages, oktaProblem, REQUIRED_SCOPES } from './okta-errors';
import { OktaHttpClient, RequestSpec } from './okta-http.client';
import type { DpopMode, SigningKeyInfo } from './okta-settings';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Okta allows up to one hour; a short life limits what a leaked assertion is worth. */
export const ASSERTION_LIFETIME_S = 300;
/** Refresh this long before `expires_in` runs out (Okta: "fixed at one hour"). */
export const TOKEN_REFRESH_MARGIN_S = 120;

/** A token request refused after our clock estimate moved this much is retried once. */
const CLOCK_SKEW_RETRY_MS = 30_000;

export interface AccessToken {
  value: string;
  /** RFC 9449 §5: `DPoP` when bound to our key, else `Bearer` (RFC 6750). */
  type: 'Bearer' | 'DPoP';
  /** Local clock, epoch ms, after which the cached token is not used any more. */
  refreshAtMs: number;
}

export interface AssertionInput {
  clientId: string;
  tokenUrl: string;
  key: { privateKey: CryptoKey | KeyObject; kid: string; alg: string };
  nowSeconds: number;
  jti?: string;
}

/** RFC 7523 §3: iss = sub = client_id (items 1-2), aud = the token endpoint (item 3), exp (item 4,
 * here iat + 5 min), iat (item 6), a fresh jti (item 7); header `kid` names the registered key. */
export function buildClientAssertion(input: AssertionInput): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: input.key.alg, kid: input.key.kid, typ: 'JWT' })
    .setIssuer(input.clientId)
    .setSubject(input.clientId)
    .setAudience(input.tokenUrl)
    .setIssuedAt(input.nowSeconds)
    .setExpirationTime(input.nowSeconds + ASSERTION_LIFETIME_S)
    .setJti(input.jti ?? randomUUID())
    .sign(input.key.privateKey);
}

interface OAuthErrorBody {
  error?: string;
  error_description?: string;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface TokenClientOptions {
  tokenUrl: string;
  clientId: string;
  key: SigningKeyInfo;
  dpop: DpopMode;
  now: () => number;
  dpopKey?: () => Promise<DpopKey>;
}

export class OktaTokenClient {
  private cached: AccessToken | null = null;
  private inflight: Promise<AccessToken> | null = null;
  private signingKey: Promise<CryptoKey | KeyObject> | null = null;
  /** Learnt in 'auto' mode from Okta's `invalid_dpop_proof` / `use_dpop_nonce`. */
  private dpopRequired: boolean;
  /** RFC 9449 §8: the authorization server's latest nonce. */
  private tokenNonce: string | undefined;
  /** RFC 9449 §9: the resource server's latest nonce (Okta: "isn't currently required"). */
  resourceNonce: string | undefined;
  /** The server-clock offset the last assertion was dated with. */
  private offsetUsed = 0;

  constructor(
    private readonly options: TokenClientOptions,
    private readonly http: OktaHttpClient,
  ) {
    this.dpopRequired = options.dpop === 'always';
  }

  /** The cached token while it is fresh, else one new token (concurrent callers share the request). */
  async getToken(): Promise<AccessToken> {
    if (this.cached && this.options.now() < this.cached.refreshAtMs) return this.cached;
    this.inflight ??= this.requestToken().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /** The API refused this token (401): forget it so the next getToken() asks for a new one. */
  invalidate(token: AccessToken): void {
    if (this.cached?.value === token.value) this.cached = null;
  }

  get usesDpop(): boolean {
    return this.dpopRequired;
  }

  /** Headers for an API call: `Authorization: Bearer|DPoP <token>` and, for DPoP, a proof with `ath`. */
  async authorizationHeaders(token: AccessToken, method: string, url: string): Promise<Record<string, string>> {
    if (token.type !== 'DPoP') return { Authorization: `Bearer ${token.value}` };
    const key = await this.dpopKey();
    const proof = await createDpopProof(key, {
      htm: method,
      url,
      nowSeconds: this.serverNowSeconds(),
      accessToken: token.value,
      nonce: this.resourceNonce,
    });
    return { Authorization: `DPoP ${token.value}`, DPoP: proof };
  }

  private dpopKey(): Promise<DpopKey> {
    return (this.options.dpopKey ?? processDpopKey)();
  }

  private serverNowSeconds(): number {
    return Math.floor(this.http.clock.serverNow() / 1000);
  }

  private loadSigningKey(): Promise<CryptoKey | KeyObject> {
    this.signingKey ??= importJWK(this.options.key.jwk, this.options.key.alg).then(
      (k) => k as CryptoKey | KeyObject,
      (error) => {
        this.signingKey = null;
        throw oktaProblem(messages.keyUnreadable(this.options.key.kid), 'invalid_settings', { cause: error });
      },
    );
    return this.signingKey;
  }

  private async buildRequest(): Promise<RequestSpec> {
    const { tokenUrl, clientId, key } = this.options;
    this.offsetUsed = this.http.clock.offset;
    const nowSeconds = this.serverNowSeconds();
    const assertion = await buildClientAssertion({
      clientId,
      tokenUrl,
      key: { privateKey: await this.loadSigningKey(), kid: key.kid, alg: key.alg },
      nowSeconds,
    });
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: REQUIRED_SCOPES.join(' '),
      client_assertion_type: JWT_BEARER_ASSERTION,
      client_assertion: assertion,
    });
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    };
    if (this.dpopRequired) {
      headers.DPoP = await createDpopProof(await this.dpopKey(), { htm: 'POST', url: tokenUrl, nowSeconds, nonce: this.tokenNonce });
    }
    return { method: 'POST', url: tokenUrl, headers, body: form.toString() };
  }

  /**
   * The token request and Okta's answers to it, in the order they can happen:
   * 400 invalid_dpop_proof (the app requires DPoP: switch it on in 'auto'), 400 use_dpop_nonce
   * (RFC 9449 §8: retry with the `DPoP-Nonce` value), 401 invalid_client (perhaps our clock:
   * retry once with Okta's clock learnt from `Date`), 400 invalid_scope, then the token.
   */
  private async requestToken(): Promise<AccessToken> {
    const { tokenUrl, dpop } = this.options;
    let nonceRetries = 0;
    let dpopSwitched = false;
    let clockRetried = false;
    for (;;) {
      const answer = await this.http.send(() => this.buildRequest(), 'token');
      const body = parseJson(answer.text) as (OAuthErrorBody & Record<string, unknown>) | undefined;
      const nonce = answer.headers.get('dpop-nonce');
      if (nonce) this.tokenNonce = nonce;
      // Okta checks the assertion's and the proof's times on its clock; ours may be off.
      const clockMoved = Math.abs(this.http.clock.offset - this.offsetUsed) > CLOCK_SKEW_RETRY_MS;

      if (answer.status === 200) return this.acceptToken(body, tokenUrl);
      const error = body?.error;
      const description = body?.error_description;
      if (error === 'use_dpop_nonce' && nonce && nonceRetries < 2) {
        nonceRetries++;
        if (dpop === 'never') throw oktaProblem(messages.dpopRequiredButDisabled(), 'dpop_required', { endpoint: 'POST /oauth2/v1/token', status: answer.status });
        this.dpopRequired = true;
        await this.http.retryAfter(0, 'POST /oauth2/v1/token', 'use_dpop_nonce');
        continue;
      }
      if (error === 'invalid_dpop_proof') {
        if (dpop === 'never') throw oktaProblem(messages.dpopRequiredButDisabled(), 'dpop_required', { endpoint: 'POST /oauth2/v1/token', status: answer.status });
        if (!this.dpopRequired && !dpopSwitched) {
          dpopSwitched = true;
          this.dpopRequired = true;
          await this.http.retryAfter(0, 'POST /oauth2/v1/token', 'app requires DPoP');
          continue;
        }
        if (clockMoved && !clockRetried) {
          clockRetried = true;
          await this.http.retryAfter(0, 'POST /oauth2/v1/token', 'clock skew');
          continue;
        }
        throw oktaProblem(messages.dpopRejected(description), 'dpop_required', { endpoint: 'POST /oauth2/v1/token', status: answer.status });
      }
      if (error === 'invalid_client') {
        if (clockMoved && !clockRetried) {
          clockRetried = true;
          await this.http.retryAfter(0, 'POST /oauth2/v1/token', 'clock skew');
          continue;
        }
        throw oktaProblem(messages.invalidClient(this.options.key.kid), 'invalid_client', { endpoint: 'POST /oauth2/v1/token', status: answer.status });
      }
      if (error === 'invalid_scope') {
        throw oktaProblem(messages.invalidScope(description), 'invalid_scope', { endpoint: 'POST /oauth2/v1/token', status: answer.status });
      }
      if (error) {
        throw oktaProblem(messages.tokenRefused(answer.status, error, description), 'token_error', { endpoint: 'POST /oauth2/v1/token', status: answer.status });
      }
      if (answer.status === 404 || answer.status === 405 || (answer.status >= 300 && answer.status < 400)) {
        throw oktaProblem(messages.tokenEndpointMissing(tokenUrl, answer.status), 'token_error', { endpoint: 'POST /oauth2/v1/token', status: answer.status });
      }
      throw oktaProblem(messages.tokenMalformed(tokenUrl), 'token_error', { endpoint: 'POST /oauth2/v1/token', status: answer.status });
    }
  }

  /** RFC 6749 §5.1: access_token, token_type, expires_in. */
  private acceptToken(body: Record<string, unknown> | undefined, tokenUrl: string): AccessToken {
    const value = body?.access_token;
    const type = String(body?.token_type ?? '').toLowerCase();
    if (typeof value !== 'string' || !value || (type !== 'bearer' && type !== 'dpop')) {
      throw oktaProblem(messages.tokenMalformed(tokenUrl), 'token_error', { endpoint: 'POST /oauth2/v1/token', status: 200 });
    }
    const expiresIn = typeof body?.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    const margin = Math.min(TOKEN_REFRESH_MARGIN_S, expiresIn / 10);
    const token: AccessToken = {
      value,
      type: type === 'dpop' ? 'DPoP' : 'Bearer',
      refreshAtMs: this.options.now() + (expiresIn - margin) * 1000,
    };
    this.cached = token;
    return token;
  }
}
