import request from 'supertest';
import { oktaProvider } from '../identity-provider/fixtures';
import { startTestApp, TEST_CORE_TOKEN, type TestApp } from '../support/app';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { grpcClient, type GrpcTestClient } from '../support/grpc-client';
import { browserLogin, startOidcProvider, type OidcProviderPeer } from '../support/oidc/oidc-provider-peer';
import { committedFeed, watchChanges } from './drill-support';

const CLIENT_ID = 'drill-two-instances';
const CLIENT_SECRET = 'drill-two-instances-secret-0123456789';
const DEFGUARD_URL = 'http://127.0.0.1:8000';
const PUBLIC_URL = 'http://127.0.0.1:8080';

/**
 * Drill: two replicas of the service on one database. Any replica finishes a sign-in another
 * started (state lives in PostgreSQL, no cookie), and followers of WatchChanges on either replica
 * see the one committed sequence, whichever replica made the change.
 */
describe('drill: two service instances on one database', () => {
  let db: TestDatabase;
  let op: OidcProviderPeer;
  let a: TestApp;
  let b: TestApp;
  const clients: GrpcTestClient[] = [];
  const client = (app: TestApp, service: 'AuthService' | 'UserService') => {
    const c = grpcClient(service, app.grpcAddress, TEST_CORE_TOKEN);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    op = await startOidcProvider({
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${DEFGUARD_URL}/auth/callback`, `${PUBLIC_URL}/openid/callback`] }],
      accounts: {
        dana: { email: 'dana@example.test', email_verified: true, given_name: 'Dana', family_name: 'Scully', preferred_username: 'dana' },
        fox: { email: 'fox@example.test', email_verified: true, given_name: 'Fox', family_name: 'Mulder', preferred_username: 'fox' },
      },
    });
    const env = { DEFGUARD_URL, DEFGUARD_PUBLIC_URL: PUBLIC_URL };
    // Same database, same secrets would be needed to read each other's encrypted columns: share them.
    a = await startTestApp({ db, env });
    b = await startTestApp({ db, env: { ...env, SECRET_KEY: a.config.secretKey.toString('base64') } });
    const res = await request(a.httpUrl)
      .post('/api/v1/openid/provider')
      .set('Authorization', a.adminAuth)
      .send(oktaProvider(op.issuer, { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, create_account: true }));
    expect([200, 201]).toContain(res.status);
  }, 60_000);

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await a?.stop();
    await b?.stop();
    await op?.stop();
    await db?.drop();
  });

  it('finishes on B a LOGIN started on A, and on A an ENROLLMENT started on B', async () => {
    const info = await client(a, 'AuthService').call('GetAuthInfo', { flow: 'LOGIN' });
    const back = await browserLogin(info.url, { login: 'dana' });
    const login = await client(b, 'AuthService').call('HandleCallback', { flow: 'LOGIN', code: back.searchParams.get('code'), state: back.searchParams.get('state') });
    expect(login).toMatchObject({ created: true, user: { username: 'dana', subject: 'dana' } });

    const enroll = await client(b, 'AuthService').call('GetAuthInfo', { flow: 'ENROLLMENT' });
    const enrollBack = await browserLogin(enroll.url, { login: 'fox' });
    const enrolled = await client(a, 'AuthService').call('HandleCallback', { flow: 'ENROLLMENT', code: enrollBack.searchParams.get('code'), state: enrollBack.searchParams.get('state') });
    expect(enrolled).toMatchObject({ created: true, user: { username: 'fox' } });
    expect(enrolled.enrollment_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  }, 30_000);

  it('refuses on A the replay of a state that B already consumed', async () => {
    const info = await client(b, 'AuthService').call('GetAuthInfo', { flow: 'LOGIN' });
    const back = await browserLogin(info.url, { login: 'dana' });
    const call = { flow: 'LOGIN', code: back.searchParams.get('code'), state: back.searchParams.get('state') };
    const results = await Promise.allSettled([client(a, 'AuthService').call('HandleCallback', call), client(b, 'AuthService').call('HandleCallback', call)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { details: expect.stringMatching(/already used/) } });
  }, 30_000);

  it('shows consumers on A and on B the same sequence for changes made through both', async () => {
    const [{ s: from }] = await db.query<{ s: string }>('SELECT COALESCE(max(sequence), 0)::text AS s FROM change_events');
    const onA = watchChanges(client(a, 'UserService'), from);
    const onB = watchChanges(client(b, 'UserService'), from);
    const usersA = client(a, 'UserService');
    const usersB = client(b, 'UserService');

    // Interleaved and concurrent writers on both replicas.
    const group = (await usersA.call('CreateGroup', { name: 'drill-both', is_admin: false })).group;
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? usersA : usersB).call('CreateUser', { username: `both.${i}`, email: `both.${i}@example.test`, first_name: 'B', last_name: String(i) })),
    );
    await Promise.all(created.map(({ user }, i) => (i % 2 ? usersB : usersA).call('AddUserToGroup', { user_id: user.id, group_id: group.id })));
    await Promise.all(created.map(({ user }, i) => (i % 2 ? usersA : usersB).call('UpdateUser', { id: user.id, last_name: `changed ${i}` })));
    await usersB.call('RemoveUserFromGroup', { user_id: created[0].user.id, group_id: group.id });
    await usersA.call('DeleteUser', { id: created[1].user.id });

    const committed = await committedFeed(db, from);
    // group + 10 users + 10 joins + 10 updates + 1 leave + the delete (and whatever it cascades).
    expect(committed.length).toBeGreaterThanOrEqual(33);
    const seenA = await onA.until(committed.length);
    const seenB = await onB.until(committed.length);
    const key = (e: { sequence: string; type: string; entity_id: string }) => `${e.sequence} ${e.type} ${e.entity_id}`;
    expect(seenA.map(key)).toEqual(committed.map(key));
    expect(seenB.map(key)).toEqual(committed.map(key));
    onA.cancel();
    onB.cancel();
  }, 30_000);
});
