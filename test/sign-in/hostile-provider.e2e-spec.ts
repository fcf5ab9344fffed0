import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { oktaProvider } from '../identity-provider/fixtures';
import { HostileOidcProvider, type HostileMode } from '../support/oidc/hostile-oidc-provider';

const CLIENT_ID = 'hostile-client';
const CLIENT_SECRET = 'hostile-client-secret-0123456789';

/** Each tampered answer and the refusal code it must get (the README, "Sign in"). */
const REFUSALS: [HostileMode, string][] = [
  ['tampered-payload', 'id_token_bad_signature'],
  ['wrong-key', 'id_token_bad_signature'],
  ['alg-none', 'id_token_alg_not_allowed'],
  ['hs256-with-public-key', 'id_token_alg_not_allowed'],
  ['wrong-issuer', 'id_token_wrong_issuer'],
  ['wrong-audience', 'id_token_wrong_audience'],
  ['multiple-audiences-no-azp', 'id_token_wrong_audience'],
  ['wrong-nonce', 'nonce_mismatch'],
  ['expired', 'id_token_expired'],
  ['not-yet-valid', 'id_token_not_yet_valid'],
  ['iat-in-future', 'id_token_not_yet_valid'],
  ['userinfo-sub-mismatch', 'userinfo_sub_mismatch'],
  ['no-id-token', 'id_token_missing'],
  ['token-error', 'token_exchange_failed'],
];

describe('Sign-in against a hostile OpenID Provider: every ID token check refuses its tampering', () => {
  let idp: HostileOidcProvider;
  let sut: TestApp;

  beforeAll(async () => {
    idp = await HostileOidcProvider.start({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    sut = await startTestApp();
    const res = await request(sut.httpUrl)
      .post('/api/v1/openid/provider')
      .set('Authorization', sut.adminAuth)
      .send(oktaProvider(idp.issuer, { kind: 'Custom', name: 'Hostile', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, create_account: true }));
    expect([200, 201]).toContain(res.status);
  });

  afterAll(async () => {
    await sut?.stop();
    await idp?.stop();
  });

  /** /auth/login -> the provider (redirects straight back) -> /auth/callback asking for JSON. */
  async function signIn(): Promise<request.Response> {
    const start = await request(sut.httpUrl).get('/auth/login').expect(302);
    const authorize = await fetch(start.headers.location, { redirect: 'manual' });
    const back = new URL(authorize.headers.get('location')!);
    return request(sut.httpUrl).get(`/auth/callback${back.search}`).set('Accept', 'application/json');
  }

  it('accepts the control case, sends PKCE S256 and the code_verifier', async () => {
    idp.setMode('valid');
    const res = await signIn();
    expect(res.status).toBe(302);
    expect(idp.lastAuthorizeParams).toMatchObject({ code_challenge_method: 'S256', response_type: 'code' });
    expect(idp.lastTokenRequest?.params.code_verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(idp.lastTokenRequest?.clientAuthMethod).toBe('client_secret_basic');
  });

  it.each(REFUSALS)('refuses mode %s with %s', async (mode, code) => {
    idp.setMode(mode);
    const res = await signIn();
    expect(res.body).toMatchObject({ code });
    expect(res.status).toBe(403);
  });

  it('accepts several audiences when azp is the client_id', async () => {
    idp.setMode('multiple-audiences-with-azp');
    expect((await signIn()).status).toBe(302);
  });

  it('accepts a new kid after key rotation with exactly one JWKS refetch', async () => {
    idp.setMode('valid');
    expect((await signIn()).status).toBe(302);
    const before = idp.jwksFetchCount;
    idp.setMode('unknown-kid-after-rotation');
    expect((await signIn()).status).toBe(302);
    expect(idp.jwksFetchCount).toBe(before + 1);
  });

  it('refuses a new identity without an email, and one whose email is unverified', async () => {
    idp.setMode('missing-email');
    idp.setClaims({ sub: 'no-email-user' });
    expect((await signIn()).body).toMatchObject({ code: 'email_missing' });
    idp.setMode('email-unverified');
    idp.setClaims({ sub: 'unverified-user', email: 'unverified@example.test' });
    expect((await signIn()).body).toMatchObject({ code: 'email_unverified' });
    expect(await sut.db.query(`SELECT id FROM users WHERE subject IN ('no-email-user', 'unverified-user')`)).toEqual([]);
  });
});
