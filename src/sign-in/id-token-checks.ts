/**
 * ID Token validation, OpenID Connect Core 1.0 §3.1.3.7 ("ID Token Validation"), one small
 * function per rule, each citing its item and naming the claim as the spec does. `verifyIdToken`
 * runs them in the spec's order; a failure throws SignInError with the rule's code.
 *
 * passport-openidconnect decodes the ID token without checking its signature or `alg`
 * (strategy.js: "checks 6 and 7 are out of scope"), so this module is the authority: it runs on
 * the raw token string before the strategy sees it.
 */
import { compactVerify, decodeProtectedHeader, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { SignInError } from '../common/errors';
import type { JwksCache } from './jwks-cache';

/**
 * Asymmetric JWS algorithms only (RFC 7518 §3.1, RFC 8037). Never `none` (§3.1.3.7 item 7 expects
 * the alg the client registered, RS256 by default) and never HS*: a MAC keyed with anything the
 * provider publishes is forgeable by anyone (the classic public-key-as-HMAC-secret confusion).
 */
export const ALLOWED_ID_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** Seconds of clock difference tolerated between this service and the provider. */
export const CLOCK_TOLERANCE_SECONDS = 60;

export interface IdTokenExpectations {
  /** The configured issuer (the provider's base URL, equal to the discovery `issuer`). */
  issuer: string;
  clientId: string;
  /** The nonce sent in the authorization request (kept in the sign-in state). */
  nonce: string;
  /** Current time in seconds since the epoch (injectable for tests). */
  now?: number;
  clockToleranceSeconds?: number;
}

export interface IdTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  nonce?: string;
  azp?: string;
  email?: string;
  email_verified?: boolean | string;
  given_name?: string;
  family_name?: string;
  name?: string;
  preferred_username?: string;
  phone_number?: string;
}

const fail = (code: string, message: string, cause?: unknown): never => {
  throw new SignInError(code, message, cause === undefined ? undefined : { cause });
};

/** §3.1.3.7 items 6-8 (and RFC 8725 §3.1): the JOSE header's `alg` must be on the asymmetric allow-list. */
export function checkAlgorithmAllowed(alg: unknown): asserts alg is (typeof ALLOWED_ID_TOKEN_ALGORITHMS)[number] {
  if (typeof alg !== 'string' || !(ALLOWED_ID_TOKEN_ALGORITHMS as readonly string[]).includes(alg)) {
    fail('id_token_alg_not_allowed', `ID token "alg" ${JSON.stringify(alg ?? null)} is not allowed; expected one of ${ALLOWED_ID_TOKEN_ALGORITHMS.join(', ')}`);
  }
}

/** §3.1.3.7 item 2: the Issuer Identifier MUST exactly match the value of the `iss` claim. */
export function checkIssuer(iss: unknown, expectedIssuer: string): void {
  if (iss !== expectedIssuer) {
    fail('id_token_wrong_issuer', `ID token "iss" ${JSON.stringify(iss ?? null)} does not exactly match the configured issuer ${JSON.stringify(expectedIssuer)}`);
  }
}

/**
 * §3.1.3.7 item 3: the `aud` claim MUST contain the client_id. Extra audiences are allowed
 * (Zitadel adds its project id); item 4 then applies (checkAuthorizedParty).
 */
export function checkAudience(aud: unknown, clientId: string): void {
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : null;
  if (!audiences || !audiences.every((a) => typeof a === 'string')) {
    fail('id_token_wrong_audience', 'ID token "aud" must be a string or an array of strings');
  }
  if (!audiences!.includes(clientId)) {
    fail('id_token_wrong_audience', `ID token "aud" does not contain the client_id ${JSON.stringify(clientId)}`);
  }
}

/**
 * §3.1.3.7 items 4-5: with several audiences the `azp` claim SHOULD be present (we require it),
 * and when present it MUST be the client_id.
 */
export function checkAuthorizedParty(aud: unknown, azp: unknown, clientId: string): void {
  const several = Array.isArray(aud) && aud.length > 1;
  if (several && azp === undefined) {
    fail('id_token_wrong_audience', 'ID token has several "aud" values but no "azp" saying which client it was issued to');
  }
  if (azp !== undefined && azp !== clientId) {
    fail('id_token_wrong_audience', `ID token "azp" ${JSON.stringify(azp)} is not the client_id ${JSON.stringify(clientId)}`);
  }
}

function numericDate(value: unknown, claim: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail('id_token_malformed', `ID token "${claim}" must be a NumericDate`);
  return value as number;
}

/** §3.1.3.7 item 9: the current time MUST be before the time in the `exp` claim (with the clock tolerance). */
export function checkNotExpired(exp: unknown, now: number, tolerance: number): void {
  if (now - tolerance >= numericDate(exp, 'exp')) {
    fail('id_token_expired', `ID token expired ("exp" is ${Math.round(now - (exp as number))} s in the past, tolerance ${tolerance} s)`);
  }
}

/** §3.1.3.7 item 10: `iat` must be present and not in the future beyond the clock tolerance. */
export function checkIssuedAt(iat: unknown, now: number, tolerance: number): void {
  if (numericDate(iat, 'iat') > now + tolerance) {
    fail('id_token_not_yet_valid', `ID token "iat" is ${Math.round((iat as number) - now)} s in the future (tolerance ${tolerance} s)`);
  }
}

/** RFC 7519 §4.1.5 (JWT processing, OIDC Core §2): the token MUST NOT be accepted before `nbf`. */
export function checkNotBefore(nbf: unknown, now: number, tolerance: number): void {
  if (nbf === undefined) return;
  if (numericDate(nbf, 'nbf') > now + tolerance) {
    fail('id_token_not_yet_valid', `ID token "nbf" is ${Math.round((nbf as number) - now)} s in the future (tolerance ${tolerance} s)`);
  }
}

/** §3.1.3.7 item 11: the `nonce` claim MUST equal the nonce sent in the Authentication Request. */
export function checkNonce(nonce: unknown, expectedNonce: string): void {
  if (typeof nonce !== 'string' || nonce !== expectedNonce) {
    fail('nonce_mismatch', 'ID token "nonce" does not match the nonce sent in the authentication request');
  }
}

/** §2: `sub` is REQUIRED, a locally unique identifier of at most 255 ASCII characters. */
export function checkSubject(sub: unknown): void {
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 255) {
    fail('id_token_malformed', 'ID token "sub" must be a non-empty string of at most 255 characters');
  }
}

/** The claim checks of §3.1.3.7, in the spec's order, on a payload whose signature was verified. */
export function checkIdTokenClaims(payload: JWTPayload, expected: IdTokenExpectations): IdTokenClaims {
  const now = expected.now ?? Math.floor(Date.now() / 1000);
  const tolerance = Math.min(expected.clockToleranceSeconds ?? CLOCK_TOLERANCE_SECONDS, CLOCK_TOLERANCE_SECONDS);
  checkIssuer(payload.iss, expected.issuer);
  checkAudience(payload.aud, expected.clientId);
  checkAuthorizedParty(payload.aud, payload.azp, expected.clientId);
  checkNotExpired(payload.exp, now, tolerance);
  checkIssuedAt(payload.iat, now, tolerance);
  checkNotBefore(payload.nbf, now, tolerance);
  checkNonce(payload.nonce, expected.nonce);
  checkSubject(payload.sub);
  return payload as IdTokenClaims;
}

function decodeHeader(idToken: string): ProtectedHeaderParameters {
  if (typeof idToken !== 'string' || idToken.split('.').length !== 3) {
    fail('id_token_malformed', 'ID token is not a compact JWS (three base64url parts)');
  }
  try {
    return decodeProtectedHeader(idToken);
  } catch (error) {
    return fail('id_token_malformed', 'ID token header is not valid base64url JSON', error);
  }
}

function decodePayload(bytes: Uint8Array): JWTPayload {
  try {
    const payload = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    if (payload && typeof payload === 'object' && !Array.isArray(payload)) return payload as JWTPayload;
  } catch (error) {
    return fail('id_token_malformed', 'ID token payload is not JSON', error);
  }
  return fail('id_token_malformed', 'ID token payload is not a JSON object');
}

/**
 * §3.1.3.7 items 6-8 then 2-11: `alg` on the allow-list, the JWS signature verified with the key
 * from the provider's jwks_uri (refetched once on an unknown `kid`), then the claims.
 */
export async function verifyIdToken(idToken: string, jwks: JwksCache, expected: IdTokenExpectations): Promise<IdTokenClaims> {
  const header = decodeHeader(idToken);
  checkAlgorithmAllowed(header.alg);
  const key = await jwks.getKey(header);
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(idToken, key, { algorithms: [header.alg] }));
  } catch (error) {
    return fail('id_token_bad_signature', 'ID token signature does not verify with the provider\'s published key (jwks_uri)', error);
  }
  return checkIdTokenClaims(decodePayload(payload), expected);
}
