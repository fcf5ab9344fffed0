import { createPrivateKey, createPublicKey, JsonWebKey, sign, verify } from 'node:crypto';
import { importJWK, JWK } from 'jose';

/**
 * Checks on secret values at save time. Messages say what to paste instead and never echo any
 * part of the value (a parse error's text can quote the input, so none is passed on).
 */

const EC_CURVES: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

const FROM_OKTA = "paste the private key in JSON format from Okta's \"Add key\" dialog";

/**
 * Okta's private_key_jwt client authentication signs with this key (RFC 7523 §2.2, Okta "Build a
 * JWT for client authentication"): a private RSA or EC JWK (RFC 7517/7518) whose `kid` Okta uses to
 * find the registered public half. Returns the problem, or null.
 */
export async function checkOktaPrivateJwk(value: string): Promise<string | null> {
  const text = value.trim();
  if (text.startsWith('-----BEGIN')) return `okta_private_jwk is a PEM key: ${FROM_OKTA} (it starts with {"kty":...), not the PEM format`;
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    return `okta_private_jwk is not valid JSON: ${FROM_OKTA}`;
  }
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return `okta_private_jwk must be one JSON object (a JWK): ${FROM_OKTA}`;
  const key = jwk as Record<string, unknown>;
  if (Array.isArray(key.keys)) return `okta_private_jwk is a key set ({"keys": [...]}): paste the one private key object from Okta's "Add key" dialog`;
  if (key.kty !== 'RSA' && key.kty !== 'EC') return `okta_private_jwk must be an RSA or EC key (kty "RSA" or "EC", got ${typeof key.kty === 'string' ? `"${key.kty}"` : 'none'}): ${FROM_OKTA}`;
  if (key.kty === 'EC' && !(typeof key.crv === 'string' && key.crv in EC_CURVES)) {
    return 'okta_private_jwk is an EC key on an unsupported curve: use P-256, P-384 or P-521 (Okta generates RSA keys by default)';
  }
  if (key.d === undefined) return `okta_private_jwk is a public key (it has no "d"): ${FROM_OKTA}, not the public key`;
  if (typeof key.kid !== 'string' || key.kid.trim() === '') {
    return `okta_private_jwk has no "kid": Okta needs the key ID to find the public key; ${FROM_OKTA}, which includes "kid"`;
  }
  const alg = key.kty === 'RSA' ? 'RS256' : EC_CURVES[key.crv as string];
  const damaged = `okta_private_jwk cannot be read as a ${key.kty} private key (a parameter is missing or damaged): copy the whole key again from Okta's "Add key" dialog`;
  try {
    await importJWK(key as JWK, alg);
  } catch {
    return damaged;
  }
  return privateMatchesPublic(key) ? null : damaged;
}

/** Importing does not prove the private and public parameters belong together: a signature does. */
function privateMatchesPublic(jwk: Record<string, unknown>): boolean {
  try {
    const data = Buffer.from('defguard-identity key check');
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicPart } = jwk;
    const signature = sign('sha256', data, createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' }));
    return verify('sha256', data, createPublicKey({ key: publicPart as JsonWebKey, format: 'jwk' }), signature);
  } catch {
    return false;
  }
}

/**
 * Google's service-account JWT bearer grant (RFC 7523) is signed with the account's RSA key: the
 * `private_key` value of the JSON key file, a PKCS#8 PEM. Returns the problem, or null.
 */
export function checkGoogleServiceAccountKey(value: string): string | null {
  const text = value.trim();
  if (text.startsWith('{')) {
    return 'google_service_account_key must be the "private_key" value of the service account JSON key file (-----BEGIN PRIVATE KEY----- ...), not the whole file';
  }
  try {
    const key = createPrivateKey({ key: text, format: 'pem' });
    if (key.asymmetricKeyType !== 'rsa') return 'google_service_account_key must be an RSA private key: use the "private_key" of the service account JSON key file';
  } catch {
    return 'google_service_account_key is not a PEM private key: paste the "private_key" value of the service account JSON key file (-----BEGIN PRIVATE KEY----- ...)';
  }
  return null;
}
