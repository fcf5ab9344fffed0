import { createHash } from 'node:crypto';
import request from 'supertest';
import { startTestApp, TEST_CORE_TOKEN, type TestApp } from '../support/app';
import { grpc, grpcClient, type GrpcTestClient } from '../support/grpc-client';
import { oktaProvider } from '../identity-provider/fixtures';
import { browserLogin, browserLoginError, startOidcProvider, type OidcProviderPeer } from '../support/oidc/oidc-provider-peer';

const CLIENT_ID = 'defguard-signin';
const CLIENT_SECRET = 'defguard-signin-secret-0123456789';
const DEFGUARD_URL = 'http://127.0.0.1:8000';
const PUBLIC_URL = 'http://127.0.0.1:8080';
const RESULT_URL = 'http://127.0.0.1:8000/auth/result';

describe('Sign in with a real OpenID Provider (oidc-provider), all three flows, gRPC and HTTP', () => {
  let op: OidcProviderPeer;
  let sut: TestApp;
  let auth: GrpcTestClient;
  let mfa: GrpcTestClient;

  beforeAll(async () => {
    op = await startOidcProvider({
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${DEFGUARD_URL}/auth/callback`, `${PUBLIC_URL}/openid/callback`, `${PUBLIC_URL}/openid/mfa/callback`] }],
      accounts: {
        alice: { email: 'Alice@Example.test', email_verified: true, given_name: 'Alice', family_name: 'Liddell', preferred_username: 'alice' },
        bob: { email: 'bob@example.test', email_verified: true, given_name: 'Bob', family_name: 'Builder', preferred_username: 'bob' },
        carol: { email: 'carol@example.test', email_verified: true, given_name: 'Carol', family_name: 'C', preferred_username: 'carol' },
        eve: { email: 'eve@example.test', email_verified: false, given_name: 'Eve', family_name: 'E', preferred_username: 'eve' },
      },
    });
    sut = await startTestApp({ env: { DEFGUARD_URL, DEFGUARD_PUBLIC_URL: PUBLIC_URL, AUTH_RESULT_URL: RESULT_URL } });
    auth = grpcClient('AuthService', sut.grpcAddress, TEST_CORE_TOKEN);
    mfa = grpcClient('MfaService', sut.grpcAddress, TEST_CORE_TOKEN);
  });

  afterAll(async () => {
    auth?.close();
    mfa?.close();
    await sut?.stop();
    await op?.stop();
  });

  const configureProvider = (overrides: Record<string, unknown> = {}) =>
    request(sut.httpUrl)
      .post('/api/v1/openid/provider')
      .set('Authorization', sut.adminAuth)
      .send(oktaProvider(op.issuer, { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, display_name: 'Okta test', create_account: true, ...overrides }));

  /** GetAuthInfo -> the user signs in at the OP -> the callback's query. */
  async function signInAt(flow: string, login: string, mfaToken = '') {
    const info = await auth.call('GetAuthInfo', { flow, mfa_token: mfaToken });
    const back = await browserLogin(info.url, { login });
    return { info, code: back.searchParams.get('code')!, state: back.searchParams.get('state')!, back };
  }

  it('refuses GetAuthInfo without a provider with FAILED_PRECONDITION', async () => {
    await expect(auth.call('GetAuthInfo', { flow: 'LOGIN' })).rejects.toMatchObject({ code: grpc.status.FAILED_PRECONDITION, details: expect.stringContaining('No OpenID Connect provider') });
  });

  it('requires the core token', async () => {
    const anonymous = grpcClient('AuthService', sut.grpcAddress, null);
    await expect(anonymous.call('GetAuthInfo', { flow: 'LOGIN' })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    anonymous.close();
  });

  describe('with the provider configured', () => {
    beforeAll(async () => {
      const res = await configureProvider();
      expect([200, 201]).toContain(res.status);
    });

    it('rejects an unspecified flow with INVALID_ARGUMENT', async () => {
      await expect(auth.call('GetAuthInfo', { flow: 'AUTH_FLOW_UNSPECIFIED' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    });

    it('builds an authorization URL with code flow, state, nonce, PKCE S256 and the LOGIN redirect', async () => {
      const info = await auth.call('GetAuthInfo', { flow: 'LOGIN' });
      const url = new URL(info.url);
      expect(url.origin).toBe(op.issuer);
      expect(url.searchParams.get('response_type')).toBe('code');
      expect(url.searchParams.get('scope')).toBe('openid email profile');
      expect(url.searchParams.get('redirect_uri')).toBe(`${DEFGUARD_URL}/auth/callback`);
      expect(url.searchParams.get('state')).toBe(info.state);
      expect(url.searchParams.get('nonce')).toBeTruthy();
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(url.searchParams.get('prompt')).toBeNull();
      expect(info.button_display_name).toBe('Okta test');
      expect(Date.parse(info.expires_at) - Date.now()).toBeGreaterThan(9 * 60_000);
      const rows = await sut.db.query('SELECT state_hash, code_verifier FROM sign_in_states');
      expect(JSON.stringify(rows)).not.toContain(info.state);
    });

    it('LOGIN over gRPC creates the account on first sign-in, then finds it by (issuer, sub)', async () => {
      const first = await signInAt('LOGIN', 'alice');
      const created = await auth.call('HandleCallback', { flow: 'LOGIN', code: first.code, state: first.state });
      expect(created).toMatchObject({ created: true, linked: false, flow: 'LOGIN', enrollment_token: '', mfa_status: 'MFA_STATUS_UNSPECIFIED' });
      expect(created.user).toMatchObject({ username: 'alice', email: 'Alice@Example.test', first_name: 'Alice', last_name: 'Liddell', subject: 'alice', source: 'OIDC', is_active: true });
      const again = await signInAt('LOGIN', 'alice');
      const found = await auth.call('HandleCallback', { flow: 'LOGIN', code: again.code, state: again.state });
      expect(found).toMatchObject({ created: false, linked: false });
      expect(found.user.id).toBe(created.user.id);
    });

    it('rejects a callback whose state was already used', async () => {
      const s = await signInAt('LOGIN', 'alice');
      await auth.call('HandleCallback', { flow: 'LOGIN', code: s.code, state: s.state });
      await expect(auth.call('HandleCallback', { flow: 'LOGIN', code: s.code, state: s.state })).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: expect.stringContaining('already used') });
    });

    it('lets only one of two concurrent callbacks with the same state win', async () => {
      const s = await signInAt('LOGIN', 'alice');
      const results = await Promise.allSettled([1, 2].map(() => auth.call('HandleCallback', { flow: 'LOGIN', code: s.code, state: s.state })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    it('rejects an unknown state and a state of another flow', async () => {
      await expect(auth.call('HandleCallback', { flow: 'LOGIN', code: 'x', state: 'never-issued' })).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: expect.stringContaining('unknown') });
      const s = await signInAt('ENROLLMENT', 'alice');
      await expect(auth.call('HandleCallback', { flow: 'LOGIN', code: s.code, state: s.state })).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: expect.stringContaining('ENROLLMENT flow') });
    });

    it('rejects an expired state', async () => {
      const s = await signInAt('LOGIN', 'alice');
      await sut.db.query(`UPDATE sign_in_states SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`);
      await expect(auth.call('HandleCallback', { flow: 'LOGIN', code: s.code, state: s.state })).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: expect.stringContaining('expired') });
    });

    it('consumes the state and refuses when the provider answers error=access_denied', async () => {
      const info = await auth.call('GetAuthInfo', { flow: 'LOGIN' });
      const back = await browserLoginError(info.url);
      expect(back.searchParams.get('error')).toBe('access_denied');
      const call = { flow: 'LOGIN', state: back.searchParams.get('state'), error: 'access_denied', error_description: back.searchParams.get('error_description') ?? undefined };
      await expect(auth.call('HandleCallback', call)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: expect.stringContaining('denied') });
      const rows = await sut.db.query(`SELECT used_at IS NOT NULL AS used FROM sign_in_states WHERE state_hash = $1`, [createHash('sha256').update(info.state).digest('hex')]);
      expect(rows).toEqual([{ used: true }]);
    });

    it('links an existing account by case-insensitive email, and refuses an unverified email', async () => {
      const users = grpcClient('UserService', sut.grpcAddress, TEST_CORE_TOKEN);
      const local = await users.call('CreateUser', { username: 'bob.local', email: 'BOB@example.test', first_name: 'Bob', last_name: 'L' });
      const s = await signInAt('LOGIN', 'bob');
      const linked = await auth.call('HandleCallback', { flow: 'LOGIN', code: s.code, state: s.state });
      expect(linked).toMatchObject({ created: false, linked: true });
      expect(linked.user).toMatchObject({ id: local.user.id, subject: 'bob' });
      await users.call('CreateUser', { username: 'eve.local', email: 'eve@example.test' });
      const e = await signInAt('LOGIN', 'eve');
      await expect(auth.call('HandleCallback', { flow: 'LOGIN', code: e.code, state: e.state })).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: expect.stringContaining('not verified') });
      users.close();
    });

    it('ENROLLMENT revokes unused tokens and mints a new one, stored hashed', async () => {
      const first = await signInAt('ENROLLMENT', 'carol');
      const r1 = await auth.call('HandleCallback', { flow: 'ENROLLMENT', code: first.code, state: first.state });
      expect(r1).toMatchObject({ flow: 'ENROLLMENT', enrollment_url: PUBLIC_URL, created: true });
      expect(r1.enrollment_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const second = await signInAt('ENROLLMENT', 'carol');
      const r2 = await auth.call('HandleCallback', { flow: 'ENROLLMENT', code: second.code, state: second.state });
      expect(r2.enrollment_token).not.toBe(r1.enrollment_token);
      const rows = await sut.db.query<{ token_hash: string; revoked: boolean; hours: number }>(
        `SELECT token_hash, revoked_at IS NOT NULL AS revoked, round(extract(epoch FROM expires_at - created_at) / 3600) AS hours FROM enrollment_tokens WHERE user_id = $1 ORDER BY created_at`,
        [r1.user.id],
      );
      expect(rows.map((r) => r.revoked)).toEqual([true, false]);
      expect(Number(rows[1].hours)).toBe(24);
      expect(JSON.stringify(rows)).not.toContain(r2.enrollment_token);
    });

    it('MFA: StartMfa -> PENDING -> sign-in of the same user -> COMPLETED once', async () => {
      const alice = await grpcClient('UserService', sut.grpcAddress, TEST_CORE_TOKEN).call('GetUser', { username: 'alice' });
      const started = await mfa.call('StartMfa', { user_id: alice.user.id });
      expect(started.url).toBe(`${PUBLIC_URL}/openid/mfa/login?token=${started.mfa_token}`);
      expect(Date.parse(started.expires_at) - Date.now()).toBeLessThanOrEqual(5 * 60_000);
      await expect(mfa.call('GetMfaStatus', { mfa_token: started.mfa_token })).resolves.toMatchObject({ status: 'PENDING', user_id: alice.user.id });
      const s = await signInAt('MFA', 'alice', started.mfa_token);
      expect(new URL(s.info.url).searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/openid/mfa/callback`);
      const result = await auth.call('HandleCallback', { flow: 'MFA', code: s.code, state: s.state });
      expect(result).toMatchObject({ flow: 'MFA', mfa_status: 'COMPLETED', mfa_token: started.mfa_token, created: false, linked: false });
      await expect(mfa.call('GetMfaStatus', { mfa_token: started.mfa_token })).resolves.toMatchObject({ status: 'COMPLETED' });
      await expect(mfa.call('GetMfaStatus', { mfa_token: started.mfa_token })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    });

    it('MFA: a different identity fails the challenge, never creating or linking an account', async () => {
      const alice = await grpcClient('UserService', sut.grpcAddress, TEST_CORE_TOKEN).call('GetUser', { username: 'alice' });
      await op.setAccountClaims('mallory', { email: 'mallory@example.test', email_verified: true, given_name: 'M', family_name: 'M' });
      const started = await mfa.call('StartMfa', { user_id: alice.user.id });
      const s = await signInAt('MFA', 'mallory', started.mfa_token);
      await expect(auth.call('HandleCallback', { flow: 'MFA', code: s.code, state: s.state })).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: expect.stringContaining('not the user who must pass MFA') });
      await expect(mfa.call('GetMfaStatus', { mfa_token: started.mfa_token })).resolves.toMatchObject({ status: 'FAILED' });
      expect(await sut.db.query(`SELECT id FROM users WHERE lower(email) = 'mallory@example.test'`)).toEqual([]);
    });

    it('MFA: GetAuthInfo needs a PENDING challenge; StartMfa needs a known user', async () => {
      await expect(auth.call('GetAuthInfo', { flow: 'MFA', mfa_token: 'nope' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
      await expect(mfa.call('StartMfa', { user_id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
      await expect(mfa.call('StartMfa', { user_id: 'not-a-uuid' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    });

    it('HTTP LOGIN: /auth/login redirects to the provider, /auth/callback to AUTH_RESULT_URL with a one-time result', async () => {
      const start = await request(sut.httpUrl).get('/auth/login').expect(302);
      const back = await browserLogin(start.headers.location, { login: 'alice' });
      const callback = await request(sut.httpUrl).get(`/auth/callback${back.search}`).expect(302);
      const location = new URL(callback.headers.location);
      expect(`${location.origin}${location.pathname}`).toBe(RESULT_URL);
      const handle = location.searchParams.get('result')!;
      const redeemed = await auth.call('RedeemAuthResult', { result: handle });
      expect(redeemed).toMatchObject({ flow: 'LOGIN', user: { username: 'alice' } });
      await expect(auth.call('RedeemAuthResult', { result: handle })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
      expect(JSON.stringify(await sut.db.query('SELECT * FROM auth_results'))).not.toContain(handle);
      // Replaying the callback: a redirect with error=state_reused, or JSON 403 when asked.
      const replay = await request(sut.httpUrl).get(`/auth/callback${back.search}`).expect(302);
      expect(new URL(replay.headers.location).searchParams.get('error')).toBe('state_reused');
      const json = await request(sut.httpUrl).get(`/auth/callback${back.search}`).set('Accept', 'application/json').expect(403);
      expect(json.body).toEqual({ msg: expect.stringContaining('already used'), code: 'state_reused' });
    });

    it('HTTP ENROLLMENT and MFA browser flows', async () => {
      const start = await request(sut.httpUrl).get('/openid/login').expect(302);
      const back = await browserLogin(start.headers.location, { login: 'carol' });
      const done = await request(sut.httpUrl).get(`/openid/callback${back.search}`).expect(302);
      const enrolled = await auth.call('RedeemAuthResult', { result: new URL(done.headers.location).searchParams.get('result') });
      expect(enrolled).toMatchObject({ flow: 'ENROLLMENT', enrollment_url: PUBLIC_URL });
      expect(enrolled.enrollment_token).toHaveLength(43);

      const started = await mfa.call('StartMfa', { user_id: enrolled.user.id });
      const mfaStart = await request(sut.httpUrl).get(new URL(started.url).pathname + new URL(started.url).search).expect(302);
      const mfaBack = await browserLogin(mfaStart.headers.location, { login: 'carol' });
      const mfaDone = await request(sut.httpUrl).get(`/openid/mfa/callback${mfaBack.search}`).expect(302);
      const verified = await auth.call('RedeemAuthResult', { result: new URL(mfaDone.headers.location).searchParams.get('result') });
      expect(verified).toMatchObject({ flow: 'MFA', mfa_status: 'COMPLETED', mfa_token: started.mfa_token });
      await expect(mfa.call('GetMfaStatus', { mfa_token: started.mfa_token })).resolves.toMatchObject({ status: 'COMPLETED' });
    });

    it('HTTP: an unknown MFA token answers JSON 404 when asked', async () => {
      const res = await request(sut.httpUrl).get('/openid/mfa/login?token=nope').set('Accept', 'application/json').expect(404);
      expect(res.body.code).toBe('mfa_challenge_unknown');
    });

    it('refuses account creation when it is off, and a disabled user', async () => {
      expect([200, 201]).toContain((await configureProvider({ create_account: false })).status);
      await op.setAccountClaims('dave', { email: 'dave@example.test', email_verified: true, given_name: 'D', family_name: 'D' });
      const s = await signInAt('LOGIN', 'dave');
      await expect(auth.call('HandleCallback', { flow: 'LOGIN', code: s.code, state: s.state })).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: expect.stringContaining('automatic account creation is disabled') });
      await sut.db.query(`UPDATE users SET is_active = false WHERE username = 'carol'`);
      const c = await signInAt('LOGIN', 'carol');
      await expect(auth.call('HandleCallback', { flow: 'LOGIN', code: c.code, state: c.state })).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED, details: expect.stringContaining('disabled') });
    });
  });
});
