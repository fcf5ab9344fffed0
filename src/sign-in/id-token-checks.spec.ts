import { SignJWT, UnsecuredJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { SignInError } from '../common/errors';
import {
  checkAlgorithmAllowed,
  checkAudience,
  checkAuthorizedParty,
  checkIdTokenClaims,
  checkIssuedAt,
  checkIssuer,
  checkNonce,
  checkNotBefore,
  checkNotExpired,
  checkSubject,
  verifyIdToken,
} from './id-token-checks';
import { JwksCache } from './jwks-cache';
import { codeChallengeS256, createCodeVerifier, isValidCodeVerifier } from './pkce';

const ISSUER = 'https://idp.example.test';
const CLIENT = 'client-1';
const NONCE = 'nonce-abc';
const NOW = 1_800_000_000;

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SignInError);
    expect((error as SignInError).code).toBe(code);
    return;
  }
  throw new Error(`expected SignInError ${code}`);
}

async function expectRejects(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code, name: 'SignInError' });
}

const claims = (overrides: JWTPayload = {}): JWTPayload => ({
  iss: ISSUER,
  aud: CLIENT,
  sub: 'user-1',
  iat: NOW,
  exp: NOW + 300,
  nonce: NONCE,
  ...overrides,
});

describe('ID token claim checks (OIDC Core 1.0 §3.1.3.7)', () => {
  it.each(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])('accepts alg %s', (alg) => {
    expect(() => checkAlgorithmAllowed(alg)).not.toThrow();
  });
  it.each(['none', 'NONE', 'HS256', 'HS384', 'HS512', '', undefined, 42, 'RSA-OAEP'])('rejects alg %p', (alg) => {
    expectCode(() => checkAlgorithmAllowed(alg), 'id_token_alg_not_allowed');
  });

  it('rejects an iss that differs from the configured issuer', () => expectCode(() => checkIssuer(`${ISSUER}/evil`, ISSUER), 'id_token_wrong_issuer'));
  it('rejects an iss that differs only by a trailing slash', () => expectCode(() => checkIssuer(`${ISSUER}/`, ISSUER), 'id_token_wrong_issuer'));
  it('rejects a missing iss', () => expectCode(() => checkIssuer(undefined, ISSUER), 'id_token_wrong_issuer'));
  it('accepts the exact issuer', () => expect(() => checkIssuer(ISSUER, ISSUER)).not.toThrow());

  it('rejects an aud for another client', () => expectCode(() => checkAudience('other', CLIENT), 'id_token_wrong_audience'));
  it('rejects an aud array without the client_id', () => expectCode(() => checkAudience(['a', 'b'], CLIENT), 'id_token_wrong_audience'));
  it('rejects a missing aud', () => expectCode(() => checkAudience(undefined, CLIENT), 'id_token_wrong_audience'));
  it('rejects an aud array with a non-string', () => expectCode(() => checkAudience([CLIENT, 5], CLIENT), 'id_token_wrong_audience'));
  it('accepts extra audiences next to the client_id (Zitadel)', () => expect(() => checkAudience([CLIENT, 'project'], CLIENT)).not.toThrow());

  it('rejects several audiences without azp', () => expectCode(() => checkAuthorizedParty([CLIENT, 'x'], undefined, CLIENT), 'id_token_wrong_audience'));
  it('rejects an azp that is not the client_id', () => expectCode(() => checkAuthorizedParty(CLIENT, 'x', CLIENT), 'id_token_wrong_audience'));
  it('accepts several audiences with azp = client_id', () => expect(() => checkAuthorizedParty([CLIENT, 'x'], CLIENT, CLIENT)).not.toThrow());

  it('rejects a token expired beyond the tolerance', () => expectCode(() => checkNotExpired(NOW - 61, NOW, 60), 'id_token_expired'));
  it('rejects a token whose exp is exactly now minus the tolerance', () => expectCode(() => checkNotExpired(NOW - 60, NOW, 60), 'id_token_expired'));
  it('accepts a token expired within the tolerance', () => expect(() => checkNotExpired(NOW - 30, NOW, 60)).not.toThrow());
  it('rejects a non-numeric exp', () => expectCode(() => checkNotExpired('soon', NOW, 60), 'id_token_malformed'));
  it('rejects an iat in the future beyond the tolerance', () => expectCode(() => checkIssuedAt(NOW + 61, NOW, 60), 'id_token_not_yet_valid'));
  it('rejects a missing iat', () => expectCode(() => checkIssuedAt(undefined, NOW, 60), 'id_token_malformed'));
  it('accepts an iat slightly in the future', () => expect(() => checkIssuedAt(NOW + 59, NOW, 60)).not.toThrow());
  it('rejects an nbf in the future beyond the tolerance', () => expectCode(() => checkNotBefore(NOW + 300, NOW, 60), 'id_token_not_yet_valid'));
  it('accepts a missing nbf', () => expect(() => checkNotBefore(undefined, NOW, 60)).not.toThrow());

  it('rejects a different nonce', () => expectCode(() => checkNonce('other', NONCE), 'nonce_mismatch'));
  it('rejects a missing nonce', () => expectCode(() => checkNonce(undefined, NONCE), 'nonce_mismatch'));
  it('rejects an empty or over-long sub', () => {
    expectCode(() => checkSubject(''), 'id_token_malformed');
    expectCode(() => checkSubject('x'.repeat(256)), 'id_token_malformed');
    expectCode(() => checkSubject(undefined), 'id_token_malformed');
  });

  it('caps the clock tolerance at 60 s even when asked for more', () => {
    expectCode(() => checkIdTokenClaims(claims({ exp: NOW - 120, iat: NOW - 400 }), { issuer: ISSUER, clientId: CLIENT, nonce: NONCE, now: NOW, clockToleranceSeconds: 3600 }), 'id_token_expired');
  });
  it('passes a valid payload and returns it', () => {
    expect(checkIdTokenClaims(claims(), { issuer: ISSUER, clientId: CLIENT, nonce: NONCE, now: NOW }).sub).toBe('user-1');
  });
});

describe('verifyIdToken (signature against the JWKS, then the claims)', () => {
  let jwks: { keys: JWK[] };
  let privateKey: CryptoKey;
  let publicKey: CryptoKey;
  let fetches: number;
  let sut: JwksCache;
  const expected = () => ({ issuer: ISSUER, clientId: CLIENT, nonce: NONCE });
  const now = () => Math.floor(Date.now() / 1000);
  const sign = (payload: JWTPayload, key: CryptoKey = privateKey, header: Record<string, unknown> = { alg: 'RS256', kid: 'k1' }) =>
    new SignJWT(payload).setProtectedHeader(header as never).sign(key);

  beforeEach(async () => {
    ({ privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true }));
    jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] };
    fetches = 0;
    sut = new JwksCache(async () => {
      fetches += 1;
      return jwks;
    });
  });

  it('accepts a correctly signed token', async () => {
    const token = await sign(claims({ iat: now(), exp: now() + 300 }));
    await expect(verifyIdToken(token, sut, expected())).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('rejects a token whose payload was changed after signing', async () => {
    const [h, , s] = (await sign(claims({ iat: now(), exp: now() + 300 }))).split('.');
    const forged = Buffer.from(JSON.stringify(claims({ sub: 'admin', iat: now(), exp: now() + 300 }))).toString('base64url');
    await expectRejects(verifyIdToken(`${h}.${forged}.${s}`, sut, expected()), 'id_token_bad_signature');
  });

  it('rejects a token signed with a key that is not in the JWKS under the published kid', async () => {
    const impostor = await generateKeyPair('RS256');
    await expectRejects(verifyIdToken(await sign(claims({ iat: now(), exp: now() + 300 }), impostor.privateKey), sut, expected()), 'id_token_bad_signature');
  });

  it('rejects alg none', async () => {
    await expectRejects(verifyIdToken(new UnsecuredJWT(claims({ iat: now(), exp: now() + 300 })).encode(), sut, expected()), 'id_token_alg_not_allowed');
    expect(fetches).toBe(0);
  });

  it('rejects HS256 signed with the provider\'s public key', async () => {
    const secret = new TextEncoder().encode(await exportSPKI(publicKey));
    const token = await new SignJWT(claims({ iat: now(), exp: now() + 300 })).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(secret);
    await expectRejects(verifyIdToken(token, sut, expected()), 'id_token_alg_not_allowed');
  });

  it('rejects a header alg that differs from the key\'s alg', async () => {
    const pss = await generateKeyPair('PS256');
    const token = await sign(claims({ iat: now(), exp: now() + 300 }), pss.privateKey, { alg: 'PS256', kid: 'k1' });
    await expectRejects(verifyIdToken(token, sut, expected()), 'id_token_unknown_key');
  });

  it('rejects garbage', async () => {
    await expectRejects(verifyIdToken('not-a-jwt', sut, expected()), 'id_token_malformed');
    await expectRejects(verifyIdToken('a.b.c', sut, expected()), 'id_token_malformed');
  });

  it('checks the claims after the signature (wrong issuer, audience, nonce, expired)', async () => {
    await expectRejects(verifyIdToken(await sign(claims({ iss: 'https://evil', iat: now(), exp: now() + 300 })), sut, expected()), 'id_token_wrong_issuer');
    await expectRejects(verifyIdToken(await sign(claims({ aud: 'x', iat: now(), exp: now() + 300 })), sut, expected()), 'id_token_wrong_audience');
    await expectRejects(verifyIdToken(await sign(claims({ nonce: 'x', iat: now(), exp: now() + 300 })), sut, expected()), 'nonce_mismatch');
    await expectRejects(verifyIdToken(await sign(claims({ iat: now() - 900, exp: now() - 300 })), sut, expected()), 'id_token_expired');
  });

  it('refetches the JWKS once for an unknown kid after a rotation, then succeeds', async () => {
    await verifyIdToken(await sign(claims({ iat: now(), exp: now() + 300 })), sut, expected());
    expect(fetches).toBe(1);
    const next = await generateKeyPair('ES256', { extractable: true });
    jwks = { keys: [{ ...(await exportJWK(next.publicKey)), kid: 'k2', alg: 'ES256' }] };
    const token = await sign(claims({ iat: now(), exp: now() + 300 }), next.privateKey, { alg: 'ES256', kid: 'k2' });
    await expect(verifyIdToken(token, sut, expected())).resolves.toMatchObject({ sub: 'user-1' });
    expect(fetches).toBe(2);
    await verifyIdToken(token, sut, expected());
    expect(fetches).toBe(2);
  });

  it('rate-limits unknown-kid refetches', async () => {
    await verifyIdToken(await sign(claims({ iat: now(), exp: now() + 300 })), sut, expected());
    const other = await generateKeyPair('RS256');
    await expectRejects(verifyIdToken(await sign(claims({ iat: now(), exp: now() + 300 }), other.privateKey, { alg: 'RS256', kid: 'random-1' }), sut, expected()), 'id_token_unknown_key');
    await expectRejects(verifyIdToken(await sign(claims({ iat: now(), exp: now() + 300 }), other.privateKey, { alg: 'RS256', kid: 'random-2' }), sut, expected()), 'id_token_unknown_key');
    expect(fetches).toBe(2);
  });

  it('refetches a set older than its max age', async () => {
    let clock = 0;
    sut = new JwksCache(async () => {
      fetches += 1;
      return jwks;
    }, { maxAgeMs: 1000, now: () => clock });
    const token = await sign(claims({ iat: now(), exp: now() + 300 }));
    await verifyIdToken(token, sut, expected());
    clock = 999;
    await verifyIdToken(token, sut, expected());
    expect(fetches).toBe(1);
    clock = 1000;
    await verifyIdToken(token, sut, expected());
    expect(fetches).toBe(2);
  });

  it('shares one fetch between concurrent callers', async () => {
    const token = await sign(claims({ iat: now(), exp: now() + 300 }));
    await Promise.all([1, 2, 3, 4].map(() => verifyIdToken(token, sut, expected())));
    expect(fetches).toBe(1);
  });
});

describe('PKCE (RFC 7636)', () => {
  it('makes 43-character verifiers from the unreserved set, different each time', () => {
    const a = createCodeVerifier();
    expect(isValidCodeVerifier(a)).toBe(true);
    expect(a).toHaveLength(43);
    expect(createCodeVerifier()).not.toBe(a);
  });
  it('computes the S256 challenge of RFC 7636 appendix B', () => {
    expect(codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });
  it('rejects verifiers that are too short or use other characters', () => {
    expect(isValidCodeVerifier('short')).toBe(false);
    expect(isValidCodeVerifier(`${'a'.repeat(42)}!`)).toBe(false);
  });
});
