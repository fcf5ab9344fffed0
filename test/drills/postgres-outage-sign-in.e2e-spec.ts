import request from 'supertest';
import { oktaProvider } from '../identity-provider/fixtures';
import type { TestDatabase } from '../support/database';
import { grpc, grpcClient, type GrpcTestClient } from '../support/grpc-client';
import { HostileOidcProvider } from '../support/oidc/hostile-oidc-provider';
import { startControllablePostgres, type ControllablePostgres } from '../support/postgres-process';
import { committedFeed, databaseOn, startSpawnedService, waitFor, watchChanges, type SpawnedService } from './drill-support';

const CLIENT_ID = 'drill-outage';
const CLIENT_SECRET = 'drill-outage-secret-0123456789';
const DEFGUARD_URL = 'http://127.0.0.1:8000';
const RESULT_URL = 'http://127.0.0.1:8000/auth/result';

/**
 * Drill: PostgreSQL goes away in the middle of a sign-in. The service (a real `node dist/main.js`
 * process) answers UNAVAILABLE / 503 quickly, stays up, comes back by itself when PostgreSQL
 * does, and leaves no half-written rows.
 */
describe('drill: PostgreSQL stops during a sign-in', () => {
  let postgres: ControllablePostgres;
  let db: TestDatabase;
  let idp: HostileOidcProvider;
  let sut: SpawnedService;
  let auth: GrpcTestClient;
  let users: GrpcTestClient;

  beforeAll(async () => {
    // start() on a running server would spawn a second postmaster that fails and leaves the
    // wrapper unable to stop the first: only start what was stopped.
    const server = await startControllablePostgres();
    let down = false;
    postgres = {
      ...server,
      stop: async () => {
        down = true;
        await server.stop();
      },
      start: async () => {
        if (!down) return;
        await server.start();
        down = false;
      },
    };
    db = databaseOn(postgres);
    idp = await HostileOidcProvider.start({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    sut = await startSpawnedService(postgres.url, { DEFGUARD_URL, AUTH_RESULT_URL: RESULT_URL });
    auth = grpcClient('AuthService', sut.grpcAddress, sut.coreToken);
    users = grpcClient('UserService', sut.grpcAddress, sut.coreToken);
    const res = await request(sut.httpUrl)
      .post('/api/v1/openid/provider')
      .set('Authorization', sut.adminAuth)
      .send(oktaProvider(idp.issuer, { kind: 'Custom', name: 'Drill', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, create_account: true }));
    expect([200, 201]).toContain(res.status);
  }, 60_000);

  afterEach(async () => {
    idp.beforeTokenResponse = undefined;
    await postgres.start();
  });

  afterAll(async () => {
    auth?.close();
    users?.close();
    const exit = await sut?.stop();
    expect(exit).toBe(0);
    await idp?.stop();
    await postgres?.destroy();
  }, 30_000);

  /** GetAuthInfo for a new identity `sub`, then the provider's redirect back (code + state). */
  async function startSignIn(sub: string) {
    idp.setClaims({ sub, email: `${sub}@example.test`, email_verified: true, preferred_username: sub, given_name: 'Drill', family_name: sub });
    const info = await auth.call('GetAuthInfo', { flow: 'LOGIN' });
    const authorize = await fetch(info.url, { redirect: 'manual' });
    const back = new URL(authorize.headers.get('location')!);
    return { code: back.searchParams.get('code')!, state: back.searchParams.get('state')!, query: back.search };
  }

  const stillRunning = () => expect(sut.process.child.exitCode === null && sut.process.child.signalCode === null).toBe(true);

  const backToHealthy = () => waitFor('/health to answer 200 after PostgreSQL came back', async () => (await fetch(`${sut.httpUrl}/health`)).status === 200, 15_000, 100);

  /** Every user row has its user.created event, and no event names a user that was never committed. */
  async function expectNoHalfWrittenUsers() {
    const orphans = await db.query(`SELECT u.username FROM users u WHERE NOT EXISTS (SELECT 1 FROM change_events e WHERE e.type = 'user.created' AND e.entity_id = u.id::text)`);
    expect(orphans).toEqual([]);
    const ghosts = await db.query(
      `SELECT e.sequence FROM change_events e WHERE e.type = 'user.created' AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id::text = e.entity_id)
         AND NOT EXISTS (SELECT 1 FROM change_events d WHERE d.type = 'user.deleted' AND d.entity_id = e.entity_id)`,
    );
    expect(ghosts).toEqual([]);
  }

  it('between GetAuthInfo and HandleCallback: UNAVAILABLE / 503 at once, then the same callback completes once PostgreSQL is back', async () => {
    const signIn = await startSignIn('outage-between');
    const tokenRequests = idp.tokenRequestCount;
    await postgres.stop();

    const started = Date.now();
    await expect(auth.call('HandleCallback', { flow: 'LOGIN', code: signIn.code, state: signIn.state })).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
      details: expect.stringMatching(/database is unavailable/i),
    });
    await expect(auth.call('GetAuthInfo', { flow: 'LOGIN' })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    const callback = await request(sut.httpUrl).get(`/auth/callback${signIn.query}`).set('Accept', 'application/json');
    expect({ status: callback.status, code: callback.body.code }).toEqual({ status: 503, code: 'database_unavailable' });
    const login = await request(sut.httpUrl).get('/auth/login').set('Accept', 'application/json');
    expect(login.status).toBe(503);
    await request(sut.httpUrl).get('/api/v1/user').set('Authorization', sut.adminAuth).expect(503);
    expect(Date.now() - started).toBeLessThan(10_000);
    // The state was never consumed, so the provider's code was never spent.
    expect(idp.tokenRequestCount).toBe(tokenRequests);
    stillRunning();

    await postgres.start();
    await backToHealthy();
    const done = await auth.call('HandleCallback', { flow: 'LOGIN', code: signIn.code, state: signIn.state });
    expect(done).toMatchObject({ created: true, user: { username: 'outage-between', subject: 'outage-between' } });
    await expectNoHalfWrittenUsers();
    stillRunning();
  }, 30_000);

  it('during HandleCallback (state consumed, code being exchanged): UNAVAILABLE, no account, a fresh sign-in then works', async () => {
    const signIn = await startSignIn('outage-during');
    idp.beforeTokenResponse = async () => {
      idp.beforeTokenResponse = undefined;
      await postgres.stop();
    };
    await expect(auth.call('HandleCallback', { flow: 'LOGIN', code: signIn.code, state: signIn.state })).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
      details: expect.stringMatching(/database is unavailable/i),
    });
    stillRunning();

    await postgres.start();
    await backToHealthy();
    expect(await db.query(`SELECT id FROM users WHERE subject = 'outage-during'`)).toEqual([]);
    await expectNoHalfWrittenUsers();
    // The state was consumed before the exchange (single use first) and the provider spent its
    // code: a replay is refused clearly, and the user simply starts again.
    await expect(auth.call('HandleCallback', { flow: 'LOGIN', code: signIn.code, state: signIn.state })).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      details: expect.stringMatching(/already used/),
    });
    const again = await startSignIn('outage-during');
    await expect(auth.call('HandleCallback', { flow: 'LOGIN', code: again.code, state: again.state })).resolves.toMatchObject({ created: true });
    await expectNoHalfWrittenUsers();
  }, 30_000);

  it('CreateUser while PostgreSQL is down: UNAVAILABLE, nothing written; the user service recovers by itself', async () => {
    await postgres.stop();
    await expect(users.call('CreateUser', { username: 'outage.local', email: 'outage.local@example.test' })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    await expect(users.call('GetUser', { username: 'outage-between' })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    stillRunning();
    await postgres.start();
    await backToHealthy();
    await expect(users.call('GetUser', { username: 'outage.local' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(users.call('CreateUser', { username: 'outage.local', email: 'outage.local@example.test' })).resolves.toMatchObject({ user: { username: 'outage.local' } });
    await expectNoHalfWrittenUsers();
  }, 30_000);

  it('MFA interrupted mid-callback: UNAVAILABLE, the challenge is never COMPLETED, and the same challenge can be passed after recovery', async () => {
    const user = (await users.call('GetUser', { username: 'outage-between' })).user;
    const mfa = grpcClient('MfaService', sut.grpcAddress, sut.coreToken);
    try {
      const started = await mfa.call('StartMfa', { user_id: user.id });
      idp.setClaims({ sub: 'outage-between', email: 'outage-between@example.test', email_verified: true });
      const info = await auth.call('GetAuthInfo', { flow: 'MFA', mfa_token: started.mfa_token });
      const back = new URL((await fetch(info.url, { redirect: 'manual' })).headers.get('location')!);
      idp.beforeTokenResponse = async () => {
        idp.beforeTokenResponse = undefined;
        await postgres.stop();
      };
      await expect(auth.call('HandleCallback', { flow: 'MFA', code: back.searchParams.get('code'), state: back.searchParams.get('state') })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
      await expect(mfa.call('GetMfaStatus', { mfa_token: started.mfa_token })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
      await postgres.start();
      await backToHealthy();
      // Recording FAILED needed the database too: the challenge is still PENDING, never COMPLETED.
      await expect(mfa.call('GetMfaStatus', { mfa_token: started.mfa_token })).resolves.toMatchObject({ status: 'PENDING' });
      const retry = await auth.call('GetAuthInfo', { flow: 'MFA', mfa_token: started.mfa_token });
      const retryBack = new URL((await fetch(retry.url, { redirect: 'manual' })).headers.get('location')!);
      await expect(auth.call('HandleCallback', { flow: 'MFA', code: retryBack.searchParams.get('code'), state: retryBack.searchParams.get('state') })).resolves.toMatchObject({ mfa_status: 'COMPLETED' });
    } finally {
      mfa.close();
    }
  }, 30_000);

  it('a WatchChanges consumer across the outage ends with UNAVAILABLE, and resuming from its last sequence misses nothing', async () => {
    const [{ s: from }] = await db.query<{ s: string }>('SELECT max(sequence)::text AS s FROM change_events');
    const first = watchChanges(users, from);
    await users.call('CreateUser', { username: 'feed.before', email: 'feed.before@example.test' });
    await first.until(1);
    await postgres.stop();
    await expect(first.ended).resolves.toMatchObject({ code: grpc.status.UNAVAILABLE });
    await postgres.start();
    await backToHealthy();
    await users.call('CreateUser', { username: 'feed.after', email: 'feed.after@example.test' });
    const committed = await committedFeed(db, from);
    const resumed = watchChanges(users, first.events[first.events.length - 1].sequence);
    await resumed.until(committed.length - first.events.length);
    expect([...first.events, ...resumed.events].map((e) => e.sequence)).toEqual(committed.map((e) => e.sequence));
    resumed.cancel();
    await resumed.ended;
  }, 30_000);

  it('never crash-looped: one process, no unhandled error in its log', () => {
    stillRunning();
    expect(sut.process.output()).not.toMatch(/unhandled|uncaught|Start-up failed/i);
  });
});
