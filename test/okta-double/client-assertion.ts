// Client authentication at the org authorization server's token endpoint: `private_key_jwt`
// (RFC 7523 §3 and OIDC Core §9), the only method Okta allows for client_credentials with Okta API
// scopes (developer.okta.com/docs/guides/implement-oauth-for-okta-serviceapp/). Each rule is one
// function; `authenticateClient` lists them in the order they run.
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, importJWK, jwtVerify } from 'jose';
import type { JWK, JWTPayload, ProtectedHeaderParameters } from 'jose';
import { DoubleHttpError, oauthError } from './okta-errors';
import { ReplayCache } from './token-store';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Okta accepts RS256/384/512 and ES256/384/512 for client assertions. */
export const ASSERTION_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'];
/** "The JWT's exp must be no more than one hour in the future" (Okta, create-sign-jwt). */
const MAX_ASSERTION_LIFETIME_S = 3600;

export interface RegisteredClient {
  clientId: string;
  publicJwk: JWK;
  scopes: ReadonlySet<string>;
  requireDpop: boolean;
}

export interface AssertionContext {
  clients: ReadonlyMap<string, RegisteredClient>;
  tokenUrl: string;
  /** The double's clock, in epoch seconds. */
  nowSeconds: number;
  usedJtis: ReplayCache;
}

const invalidClient = (description: string) => oauthError(401, 'invalid_client', description);

/** Runs every client-authentication check; returns the authenticated client. */
export async function authenticateClient(form: URLSearchParams, ctx: AssertionContext): Promise<RegisteredClient> {
  checkAssertionType(form);
  const assertion = requireAssertion(form);
  const { header, claims } = decodeAssertion(assertion);
  const client = findClient(form.get('client_id') ?? claims.sub ?? claims.iss, ctx.clients);
  checkAlgorithmAllowed(header);
  checkKeyId(header, client);
  await checkSignature(assertion, header, client, ctx.nowSeconds);
  checkIssuerEqualsSubject(claims);
  checkSubjectIsClient(claims, client);
  checkAudience(claims, ctx.tokenUrl);
  checkExpiration(claims, ctx.nowSeconds);
  checkJtiUnused(claims, ctx.usedJtis);
  return client;
}

/** RFC 7523 §2.2: client_assertion_type must be the JWT bearer URN. */
export function checkAssertionType(form: URLSearchParams): void {
  if (form.get('client_assertion_type') !== JWT_BEARER) {
    throw invalidClient(`The client_assertion_type must be '${JWT_BEARER}'.`);
  }
}

export function requireAssertion(form: URLSearchParams): string {
  const assertion = form.get('client_assertion');
  if (!assertion) throw invalidClient('Client authentication failed. Either the client or the client credentials are invalid.');
  return assertion;
}

export function decodeAssertion(assertion: string): { header: ProtectedHeaderParameters; claims: JWTPayload } {
  try {
    return { header: decodeProtectedHeader(assertion), claims: decodeJwt(assertion) };
  } catch {
    throw invalidClient('The client_assertion token is not a valid JWT.');
  }
}

export function findClient(clientId: string | undefined, clients: ReadonlyMap<string, RegisteredClient>): RegisteredClient {
  const client = clientId ? clients.get(clientId) : undefined;
  if (!client) throw invalidClient('Client authentication failed. Either the client or the client credentials are invalid.');
  return client;
}

export function checkAlgorithmAllowed(header: ProtectedHeaderParameters): void {
  if (!header.alg || !ASSERTION_ALGORITHMS.includes(header.alg)) {
    throw invalidClient(`The client_assertion 'alg' must be one of ${ASSERTION_ALGORITHMS.join(', ')}.`);
  }
}

/** Okta picks the verification key by the header's `kid`. */
export function checkKeyId(header: ProtectedHeaderParameters, client: RegisteredClient): void {
  if (client.publicJwk.kid !== undefined && header.kid !== client.publicJwk.kid) {
    throw invalidClient(`The client_assertion 'kid' does not match a key registered for the client: ${header.kid ?? '(none)'}.`);
  }
}

/** RFC 7523 §3 item 9: the JWT must be digitally signed with the client's key. `exp`/`nbf` are
 * checked by jwtVerify against the double's clock (RFC 7523 §3 item 4). */
export async function checkSignature(
  assertion: string,
  header: ProtectedHeaderParameters,
  client: RegisteredClient,
  nowSeconds: number,
): Promise<void> {
  try {
    const key = await importJWK(client.publicJwk, header.alg);
    await jwtVerify(assertion, key, { algorithms: [header.alg!], currentDate: new Date(nowSeconds * 1000) });
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) throw invalidClient('The client_assertion token is expired.');
    if (e instanceof joseErrors.JWTClaimValidationFailed) throw invalidClient(`The client_assertion token is invalid: ${e.message}.`);
    throw invalidClient('The client_assertion signature is invalid.');
  }
}

/** RFC 7523 §3 items 1-2: `iss` and `sub` are both the client_id. */
export function checkIssuerEqualsSubject(claims: JWTPayload): void {
  if (!claims.iss || claims.iss !== claims.sub) {
    throw invalidClient("The client_assertion token must have 'iss' and 'sub' claims with the same value.");
  }
}

export function checkSubjectIsClient(claims: JWTPayload, client: RegisteredClient): void {
  if (claims.sub !== client.clientId) {
    throw invalidClient("The 'sub' claim of the client_assertion token must be the client_id.");
  }
}

/** RFC 7523 §3 item 3; Okta wants the full token endpoint URL. */
export function checkAudience(claims: JWTPayload, tokenUrl: string): void {
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(tokenUrl)) {
    throw invalidClient('The audience claim for client_assertion must be the endpoint invoked for the request.');
  }
}

/** RFC 7523 §3 item 4 (exp required) and Okta's one-hour cap, measured from now and from `iat`. The
 * "too far into the future" text is Okta's own (okta/okta-sdk-python#382). */
export function checkExpiration(claims: JWTPayload, nowSeconds: number): void {
  if (typeof claims.exp !== 'number') throw invalidClient("The client_assertion token must contain an 'exp' claim.");
  const tooFarFromNow = claims.exp > nowSeconds + MAX_ASSERTION_LIFETIME_S;
  const tooFarFromIat = typeof claims.iat === 'number' && claims.exp - claims.iat > MAX_ASSERTION_LIFETIME_S;
  if (tooFarFromNow || tooFarFromIat) {
    throw invalidClient('The client_assertion token has an expiration too far into the future.');
  }
}

/** RFC 7523 §3 item 7: a `jti` may be used only once (Okta: optional claim, replay protection). */
export function checkJtiUnused(claims: JWTPayload, usedJtis: ReplayCache): void {
  if (claims.jti === undefined) return;
  if (!usedJtis.use(`assertion:${claims.iss}:${claims.jti}`, Date.now() + (MAX_ASSERTION_LIFETIME_S + 300) * 1000)) {
    throw invalidClient('The client_assertion token has already been used (jti).');
  }
}

/** Scopes: every requested scope must be granted to the app, and one is required for the org AS. */
export function checkScopesGranted(requested: string | null, client: RegisteredClient): string[] {
  const scopes = (requested ?? '').split(' ').filter(Boolean);
  if (scopes.length === 0) {
    throw oauthError(
      400,
      'invalid_scope',
      "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
    );
  }
  const refused = scopes.filter((s) => !client.scopes.has(s));
  if (refused.length) throw oauthError(400, 'invalid_scope', `The following scopes are not allowed: ${refused.join(', ')}`);
  return scopes;
}

export function isDoubleHttpError(e: unknown): e is DoubleHttpError {
  return e instanceof DoubleHttpError;
}
