// DPoP proofs (RFC 9449) as Okta checks them, at the token endpoint (developer.okta.com/docs/guides/dpop/)
// and on Okta management API calls made with a DPoP-bound token (guides/dpop/main/oktaresourceserver).
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, EmbeddedJWK, jwtVerify } from 'jose';
import type { JWK, JWTPayload, ProtectedHeaderParameters } from 'jose';
import { ReplayCache } from './token-store';

/** Okta's `dpop_signing_alg_values_supported`. */
export const DPOP_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'];
/** How far `iat` may be from the server's clock. */
export const DPOP_IAT_WINDOW_S = 60;

export interface ProofExpectation {
  /** RFC 9449 §4.3 item 8: the request's method. */
  htm: string;
  /** RFC 9449 §4.3 item 9: the request's URL without query and fragment. */
  htu: string;
  nowSeconds: number;
  /** RFC 9449 §4.3 item 12: the access token the proof must hash into `ath` (resource requests). */
  accessToken?: string;
}

export interface VerifiedProof {
  jkt: string;
  claims: JWTPayload;
}

/** A failed DPoP check; the caller maps it to the endpoint's error shape. */
export class DpopProofError extends Error {}

/** RFC 9449 §4.3: every check on one proof, in order. Returns the key's thumbprint. */
export async function verifyDpopProof(proof: string, expect: ProofExpectation, usedJtis: ReplayCache): Promise<VerifiedProof> {
  const header = decodeProofHeader(proof);
  checkProofType(header);
  checkProofAlgorithm(header);
  checkProofKeyIsPublic(header);
  const claims = await checkProofSignature(proof);
  checkHtm(claims, expect.htm);
  checkHtu(claims, expect.htu);
  checkIat(claims, expect.nowSeconds);
  if (expect.accessToken !== undefined) checkAth(claims, expect.accessToken);
  checkProofJtiUnused(claims, usedJtis);
  return { jkt: await calculateJwkThumbprint(header.jwk as JWK, 'sha256'), claims };
}

export function decodeProofHeader(proof: string): ProtectedHeaderParameters {
  try {
    decodeJwt(proof);
    return decodeProtectedHeader(proof);
  } catch {
    throw new DpopProofError('The DPoP proof JWT is malformed.');
  }
}

/** §4.3 item 4: `typ` is `dpop+jwt`. */
export function checkProofType(header: ProtectedHeaderParameters): void {
  if (header.typ !== 'dpop+jwt') throw new DpopProofError("The DPoP proof JWT header 'typ' must be 'dpop+jwt'.");
}

/** §4.3 item 5: an asymmetric algorithm the server supports. */
export function checkProofAlgorithm(header: ProtectedHeaderParameters): void {
  if (!header.alg || !DPOP_ALGORITHMS.includes(header.alg)) {
    throw new DpopProofError(`The DPoP proof JWT 'alg' must be one of ${DPOP_ALGORITHMS.join(', ')}.`);
  }
}

/** §4.3 item 7: `jwk` is a public key (no private parts). */
export function checkProofKeyIsPublic(header: ProtectedHeaderParameters): void {
  const jwk = header.jwk as JWK | undefined;
  if (!jwk || typeof jwk !== 'object') throw new DpopProofError("The DPoP proof JWT header is missing 'jwk'.");
  if ('d' in jwk || 'p' in jwk || 'k' in jwk) throw new DpopProofError("The DPoP proof JWT 'jwk' must be a public key.");
}

/** §4.3 item 6: the signature verifies with the header's `jwk`. */
export async function checkProofSignature(proof: string): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: DPOP_ALGORITHMS });
    return payload;
  } catch {
    throw new DpopProofError('The DPoP proof JWT signature is invalid.');
  }
}

export function checkHtm(claims: JWTPayload, method: string): void {
  if (claims.htm !== method) throw new DpopProofError(`The DPoP proof JWT 'htm' claim must be '${method}'.`);
}

/** §4.3 item 9: compared without query and fragment, after RFC 3986 normalisation (§4.3 note). */
export function checkHtu(claims: JWTPayload, expected: string): void {
  let ok = false;
  if (typeof claims.htu === 'string') {
    try {
      const u = new URL(claims.htu);
      ok = u.search === '' && u.hash === '' && `${u.origin}${u.pathname}` === expected;
    } catch {
      ok = false;
    }
  }
  if (!ok) throw new DpopProofError(`The DPoP proof JWT 'htu' claim must be '${expected}'.`);
}

/** §4.3 item 11: `iat` within an acceptable window of the server's clock. */
export function checkIat(claims: JWTPayload, nowSeconds: number): void {
  if (typeof claims.iat !== 'number' || Math.abs(claims.iat - nowSeconds) > DPOP_IAT_WINDOW_S) {
    throw new DpopProofError("The DPoP proof JWT 'iat' claim is missing or outside the accepted window.");
  }
}

/** §4.3 item 12 / §7: `ath` is base64url(SHA-256(access token)). */
export function checkAth(claims: JWTPayload, accessToken: string): void {
  if (claims.ath !== accessTokenHash(accessToken)) throw new DpopProofError("The DPoP proof JWT 'ath' claim is invalid.");
}

/** §11.1: a proof's `jti` is accepted once. */
export function checkProofJtiUnused(claims: JWTPayload, usedJtis: ReplayCache): void {
  if (typeof claims.jti !== 'string' || !claims.jti) throw new DpopProofError("The DPoP proof JWT is missing the 'jti' claim.");
  if (!usedJtis.use(`dpop:${claims.jti}`, Date.now() + 2 * DPOP_IAT_WINDOW_S * 1000)) {
    throw new DpopProofError("The DPoP proof JWT 'jti' has already been used.");
  }
}

export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}
