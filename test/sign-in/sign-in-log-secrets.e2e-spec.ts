// No token or secret in the logs: a full LOGIN + ENROLLMENT + MFA run (browser endpoints and
// gRPC, successes, a replayed callback and a provider error) at LOG_LEVEL=debug, every log line
// captured, then searched for each secret the run handled. The hostile OP (valid mode) is used
// because it records the access and ID tokens it issued, which no client of the service sees.
import request from 'supertest';
import { oktaProvider } from '../identity-provider/fixtures';
import { startTestApp, TEST_CORE_TOKEN, type TestApp } from '../support/app';
import { grpcClient, type GrpcTestClient } from '../support/grpc-client';
import { LogCapture } from '../support/log-capture';
import { HostileOidcProvider } from '../support/oidc/hostile-oidc-provider';

const CLIENT_ID = 'log-check-client';
const CLIENT_SECRET = 'log-check-client-secret-5b1e0c7d9a';
const RESULT_URL = 'http://127.0.0.1:8000/auth/result';

describe('Sign-in logs at LOG_LEVEL=debug carry no token or secret', () => {
  let idp: HostileOidcProvider;
  let sut: TestApp;
  let auth: GrpcTestClient;
  let mfa: GrpcTestClient;
  const logs = new LogCapture();
  /** label -> every value of that kind the run handled. */
  const secrets = new Map<string, Set<string>>();
  const remember = (label: string, value: string | null | undefined) => {
    if (!value) throw new Error(`the run produced no ${label}: the check would be vacuous`);
    if (!secrets.has(label)) secrets.set(label, new Set());
    secrets.get(label)!.add(value);
  };

  /** The provider redirects straight back; remember the code and state of the callback. */
  async function throughProvider(authorizationUrl: string): Promise<URL> {
    const res = await fetch(authorizationUrl, { redirect: 'manual' });
    const back = new URL(res.headers.get('location')!);
    remember('authorization code', back.searchParams.get('code'));
    remember('state', back.searchParams.get('state'));
    return back;
  }

  /** A browser flow: <login path> -> provider -> <callback path> -> redeemed result. */
  async function browserFlow(loginPath: string, callbackPath: string) {
    const start = await request(sut.httpUrl).get(loginPath).expect(302);
    const back = await throughProvider(start.headers.location);
    const done = await request(sut.httpUrl).get(`${callbackPath}${back.search}`).expect(302);
    const handle = new URL(done.headers.location).searchParams.get('result');
    remember('result handle', handle);
    const result = await auth.call('RedeemAuthResult', { result: handle });
    // A replayed callback is refused: the refusal path logs too.
    await request(sut.httpUrl).get(`${callbackPath}${back.search}`).set('Accept', 'application/json').expect(403);
    return result;
  }

  beforeAll(async () => {
    idp = await HostileOidcProvider.start({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      claims: { sub: 'log-check-user', email: 'log.check@example.test', email_verified: true, given_name: 'Log', family_name: 'Check', preferred_username: 'log.check' },
    });
    sut = await startTestApp({ env: { LOG_LEVEL: 'debug', AUTH_RESULT_URL: RESULT_URL }, logs });
    auth = grpcClient('AuthService', sut.grpcAddress, TEST_CORE_TOKEN);
    mfa = grpcClient('MfaService', sut.grpcAddress, TEST_CORE_TOKEN);
    remember('client secret', CLIENT_SECRET);
    const res = await request(sut.httpUrl)
      .post('/api/v1/openid/provider')
      .set('Authorization', sut.adminAuth)
      .send(oktaProvider(idp.issuer, { kind: 'Custom', name: 'Log check', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, create_account: true }));
    expect([200, 201]).toContain(res.status);

    // LOGIN: browser, then gRPC (GetAuthInfo + HandleCallback), then a provider error answer.
    const login = await browserFlow('/auth/login', '/auth/callback');
    expect(login).toMatchObject({ flow: 'LOGIN', created: true });
    const info = await auth.call('GetAuthInfo', { flow: 'LOGIN' });
    const back = await throughProvider(info.url);
    await auth.call('HandleCallback', { flow: 'LOGIN', code: back.searchParams.get('code'), state: back.searchParams.get('state') });
    await expect(auth.call('HandleCallback', { flow: 'LOGIN', code: back.searchParams.get('code'), state: back.searchParams.get('state') })).rejects.toMatchObject({ details: expect.stringContaining('already used') });
    const denied = await auth.call('GetAuthInfo', { flow: 'LOGIN' });
    remember('state', denied.state);
    await request(sut.httpUrl).get(`/auth/callback?error=access_denied&state=${denied.state}`).set('Accept', 'application/json').expect(403);

    // ENROLLMENT: browser and gRPC.
    const enrolled = await browserFlow('/openid/login', '/openid/callback');
    remember('enrollment token', enrolled.enrollment_token);
    const enrollInfo = await auth.call('GetAuthInfo', { flow: 'ENROLLMENT' });
    const enrollBack = await throughProvider(enrollInfo.url);
    const enrolledAgain = await auth.call('HandleCallback', { flow: 'ENROLLMENT', code: enrollBack.searchParams.get('code'), state: enrollBack.searchParams.get('state') });
    remember('enrollment token', enrolledAgain.enrollment_token);

    // MFA: StartMfa -> browser -> GetMfaStatus (COMPLETED, then consumed); and over gRPC.
    const started = await mfa.call('StartMfa', { user_id: login.user.id });
    remember('MFA token', started.mfa_token);
    const url = new URL(started.url);
    const verified = await browserFlow(`${url.pathname}${url.search}`, '/openid/mfa/callback');
    expect(verified).toMatchObject({ flow: 'MFA', mfa_status: 'COMPLETED' });
    await mfa.call('GetMfaStatus', { mfa_token: started.mfa_token });
    await expect(mfa.call('GetMfaStatus', { mfa_token: started.mfa_token })).rejects.toBeDefined();
    const again = await mfa.call('StartMfa', { user_id: login.user.id });
    remember('MFA token', again.mfa_token);
    const mfaInfo = await auth.call('GetAuthInfo', { flow: 'MFA', mfa_token: again.mfa_token });
    const mfaBack = await throughProvider(mfaInfo.url);
    await expect(auth.call('HandleCallback', { flow: 'MFA', code: mfaBack.searchParams.get('code'), state: mfaBack.searchParams.get('state') })).resolves.toMatchObject({ mfa_status: 'COMPLETED' });

    for (const issued of idp.tokenResponses) {
      remember('access token', issued.access_token);
      remember('ID token', issued.id_token);
      // A log line with only part of the token would leak it too: its signature is the part that matters.
      remember('ID token signature', issued.id_token!.split('.')[2]);
    }
  });

  afterAll(async () => {
    auth?.close();
    mfa?.close();
    await sut?.stop();
    await idp?.stop();
  });

  it('logged the run at debug level (so the search below has something to search)', () => {
    expect(sut.config.logLevel).toBe('debug');
    expect(logs.lines.length).toBeGreaterThan(20);
    for (const path of ['/auth/callback?code=', '/openid/callback?code=', '/openid/mfa/login?token=', '/openid/mfa/callback?code=']) expect(logs.text).toContain(path);
    expect(logs.text).toContain('"code":"state_reused"');
  });

  it('handled every kind of secret at least once', () => {
    expect([...secrets.keys()].sort()).toEqual(
      ['ID token', 'ID token signature', 'MFA token', 'access token', 'authorization code', 'client secret', 'enrollment token', 'result handle', 'state'].sort(),
    );
    expect(secrets.get('access token')!.size).toBe(6);
  });

  it('never writes any of them to a log line', () => {
    const leaks = [...secrets].flatMap(([label, values]) =>
      [...values].flatMap((value) => logs.lines.filter((line) => line.includes(value) || line.includes(encodeURIComponent(value))).map((line) => `${label}: ${line.slice(0, 300)}`)),
    );
    expect(leaks).toEqual([]);
  });
});
