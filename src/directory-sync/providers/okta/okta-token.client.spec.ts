import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import { accessTokenHash, createDpopKey, createDpopProof, htuOf } from './dpop-proof';
import { checkOrgUrl, checkPrivateJwk } from './okta-settings';
import { ASSERTION_LIFETIME_S, buildClientAssertion } from './okta-token.client';

const TOKEN_URL = 'https://acme.okta.com/oauth2/v1/token';

describe('buildClientAssertion (RFC 7523 §3, Okta private_key_jwt)', () => {
  it('signs iss = sub = client id, aud = token URL, exp 5 min after iat, a jti, and kid in the header', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwt = await buildClientAssertion({ clientId: '0oa1', tokenUrl: TOKEN_URL, key: { privateKey, kid: 'k1', alg: 'RS256' }, nowSeconds: 1_700_000_000 });
    const { payload, protectedHeader } = await jwtVerify(jwt, publicKey, { currentDate: new Date(1_700_000_000_000) });
    expect(protectedHeader).toEqual({ alg: 'RS256', kid: 'k1', typ: 'JWT' });
    expect(payload).toEqual({ iss: '0oa1', sub: '0oa1', aud: TOKEN_URL, iat: 1_700_000_000, exp: 1_700_000_000 + 300, jti: expect.any(String) });
    expect(ASSERTION_LIFETIME_S).toBeLessThanOrEqual(300);
  });

  it('uses a fresh jti each time', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const input = { clientId: 'c', tokenUrl: TOKEN_URL, key: { privateKey, kid: 'k', alg: 'ES256' }, nowSeconds: 1 };
    const [a, b] = await Promise.all([buildClientAssertion(input), buildClientAssertion(input)]);
    expect(decodeJwt(a).jti).not.toBe(decodeJwt(b).jti);
  });
});

describe('checkPrivateJwk (the algorithm follows the key)', () => {
  async function jwk(alg: 'RS256' | 'ES256' | 'ES384' | 'ES512', extra: Record<string, unknown> = { kid: 'k' }) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    return { ...(await exportJWK(privateKey)), ...extra };
  }

  it.each([
    ['RS256', 'RS256'],
    ['ES256', 'ES256'],
    ['ES384', 'ES384'],
    ['ES512', 'ES512'],
  ] as const)('picks %s for a key generated for %s, and the key imports', async (gen, alg) => {
    const result = checkPrivateJwk(await jwk(gen, { kid: 'k', alg: 'whatever', use: 'sig' }));
    expect(result).toMatchObject({ key: { kid: 'k', alg } });
    if ('key' in result) await expect(importJWK(result.key.jwk, result.key.alg)).resolves.toBeDefined();
  });

  it('accepts the JSON string and a one-key set', async () => {
    const key = await jwk('RS256');
    expect(checkPrivateJwk(JSON.stringify(key))).toMatchObject({ key: { kid: 'k' } });
    expect(checkPrivateJwk({ keys: [key] })).toMatchObject({ key: { kid: 'k' } });
  });

  it('refuses a key without kid, a public key, PEM, an empty value and an unsupported type', async () => {
    const { kid: _k, ...noKid } = await jwk('RS256');
    void _k;
    const { d: _d, ...publicOnly } = await jwk('ES256');
    void _d;
    expect(checkPrivateJwk(noKid)).toEqual({ problem: expect.stringContaining('has no "kid"') });
    expect(checkPrivateJwk(publicOnly)).toEqual({ problem: expect.stringContaining('(kid k) is a public key') });
    expect(checkPrivateJwk('-----BEGIN PRIVATE KEY-----')).toEqual({ problem: expect.stringContaining('not a JSON key') });
    expect(checkPrivateJwk('')).toEqual({ problem: expect.stringContaining('is empty') });
    expect(checkPrivateJwk({ kty: 'oct', k: 'abc', kid: 'x' })).toEqual({ problem: expect.stringContaining('kty oct') });
  });
});

describe('checkOrgUrl', () => {
  it.each([
    ['https://acme.okta.com/', { orgUrl: 'https://acme.okta.com' }],
    ['https://acme-admin.okta.com', { problem: expect.stringContaining('use the org URL without "-admin" (https://acme.okta.com)') }],
    ['https://acme.okta.com/oauth2/default', { problem: expect.stringContaining('points to an authorization server') }],
    ['https://acme.okta.com/oauth2', { problem: expect.stringContaining('points to an authorization server') }],
    ['https://acme.okta.com/app/x', { problem: expect.stringContaining('must not have a path') }],
    ['http://acme.okta.com', { problem: expect.stringContaining('must use https') }],
    ['http://127.0.0.1:8080', { problem: expect.stringContaining('must use https') }],
    ['acme.okta.com', { problem: expect.stringContaining('is not a valid URL') }],
  ])('%s', (raw, expected) => {
    expect(checkOrgUrl(raw)).toEqual(expected);
  });

  it('allows http on loopback only when told to', () => {
    expect(checkOrgUrl('http://127.0.0.1:8080', true)).toEqual({ orgUrl: 'http://127.0.0.1:8080' });
    expect(checkOrgUrl('http://example.com', true)).toEqual({ problem: expect.stringContaining('must use https') });
  });
});

describe('createDpopProof (RFC 9449 §4.2)', () => {
  it('has typ dpop+jwt, ES256, the public jwk, and htm / htu without query / iat / jti', async () => {
    const key = await createDpopKey();
    const proof = await createDpopProof(key, { htm: 'post', url: `${TOKEN_URL}?x=1#frag`, nowSeconds: 1_700_000_000 });
    const header = decodeProtectedHeader(proof);
    expect(header).toEqual({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk });
    expect(Object.keys(header.jwk!).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    const { payload } = await jwtVerify(proof, await importJWK(key.publicJwk, 'ES256'), { currentDate: new Date(1_700_000_000_000) });
    expect(payload).toEqual({ htm: 'POST', htu: TOKEN_URL, iat: 1_700_000_000, jti: expect.any(String) });
  });

  it('carries ath = base64url(SHA-256(token)) and the nonce when given', async () => {
    const key = await createDpopKey();
    const proof = await createDpopProof(key, { htm: 'GET', url: 'https://acme.okta.com/api/v1/users?limit=200', nowSeconds: 1, accessToken: 'tok.en', nonce: 'n-1' });
    const claims = decodeJwt(proof);
    expect(claims.ath).toBe(createHash('sha256').update('tok.en').digest('base64url'));
    expect(claims.ath).toBe(accessTokenHash('tok.en'));
    expect(claims.nonce).toBe('n-1');
    expect(claims.htu).toBe('https://acme.okta.com/api/v1/users');
  });

  it('uses a fresh jti per proof and the same key thumbprint', async () => {
    const key = await createDpopKey();
    const a = await createDpopProof(key, { htm: 'GET', url: TOKEN_URL, nowSeconds: 1 });
    const b = await createDpopProof(key, { htm: 'GET', url: TOKEN_URL, nowSeconds: 1 });
    expect(decodeJwt(a).jti).not.toBe(decodeJwt(b).jti);
    const thumb = (p: string) => calculateJwkThumbprint(decodeProtectedHeader(p).jwk!);
    expect(await thumb(a)).toBe(await thumb(b));
    expect(htuOf('https://acme.okta.com/a/b?c#d')).toBe('https://acme.okta.com/a/b');
  });
});
