// DPoP proofs (RFC 9449) as Okta expects them at its token endpoint and on management API calls
// made with a DPoP-bound token (developer.okta.com/docs/guides/dpop/main/, .../oktaresourceserver/).
import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWK, KeyObject } from 'jose';

/** RFC 9449 §4.2: the proof's algorithm; ES256 is small, fast and in Okta's supported list. */
export const DPOP_ALG = 'ES256';

export interface DpopKey {
  privateKey: CryptoKey | KeyObject;
  /** The public half, embedded as the proof header's `jwk` (RFC 9449 §4.2). */
  publicJwk: JWK;
}

export interface DpopProofInput {
  /** RFC 9449 §4.2 `htm`: the HTTP method of the request. */
  htm: string;
  /** The request URL; `htu` is it without query and fragment (RFC 9449 §4.2). */
  url: string;
  /** Epoch seconds for `iat`, on the server's clock when known. */
  nowSeconds: number;
  /** RFC 9449 §4.2 `ath`: present when the request carries an access token. */
  accessToken?: string;
  /** RFC 9449 §8 / §9: the latest nonce the server provided. */
  nonce?: string;
}

let processKey: Promise<DpopKey> | null = null;

/** One key pair per process (RFC 9449 §2: the client's key; tokens are bound to it via `cnf.jkt`). */
export function processDpopKey(): Promise<DpopKey> {
  processKey ??= createDpopKey();
  return processKey;
}

export async function createDpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(DPOP_ALG, { extractable: false });
  const { kty, crv, x, y } = await exportJWK(publicKey);
  return { privateKey, publicJwk: { kty, crv, x, y } };
}

/** RFC 9449 §4.2: `htu` is the target URI without query and fragment. */
export function htuOf(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/** RFC 9449 §4.2 `ath`: base64url of the SHA-256 of the ASCII access token. */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/** Signs one proof: header `typ: dpop+jwt`, `alg`, `jwk`; claims `jti` (fresh), `htm`, `htu`, `iat`,
 * and `ath` / `nonce` when given (RFC 9449 §4.2). */
export async function createDpopProof(key: DpopKey, input: DpopProofInput): Promise<string> {
  const claims: Record<string, string> = { htm: input.htm.toUpperCase(), htu: htuOf(input.url) };
  if (input.accessToken !== undefined) claims.ath = accessTokenHash(input.accessToken);
  if (input.nonce !== undefined) claims.nonce = input.nonce;
  return new SignJWT(claims)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: DPOP_ALG, jwk: key.publicJwk })
    .setJti(randomUUID())
    .setIssuedAt(input.nowSeconds)
    .sign(key.privateKey);
}
