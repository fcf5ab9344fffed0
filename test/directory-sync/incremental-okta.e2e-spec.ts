// Incremental sync end to end against an Okta org (sign-in OP + the Okta org double on one
// origin), configured over REST the way an admin does it.
import request from 'supertest';
import { oktaKeyPair, oktaProvider } from '../identity-provider/fixtures';
import { startTestApp, TestApp } from '../support/app';
import { OktaOrg, startOktaOrg } from '../support/okta-org';
import { syncedState } from './fixture';

jest.setTimeout(120_000);

const SYNC_CLIENT = '0oa1dirsync';

describe('incremental sync against the Okta org double', () => {
  let app: TestApp;
  let org: OktaOrg;

  beforeAll(async () => {
    const provider = oktaProvider('http://placeholder');
    org = await startOktaOrg({
      signIn: { clients: [{ client_id: provider.client_id as string, client_secret: provider.client_secret as string, redirect_uris: ['http://127.0.0.1:9/auth/callback'] }], accounts: {} },
    });
    app = await startTestApp({ env: { DIRECTORY_SYNC_SCHEDULER: 'false' } });
    const key = oktaKeyPair();
    org.directory.registerClient({ clientId: SYNC_CLIENT, publicJwk: key.publicJwk, scopes: ['okta.users.read', 'okta.groups.read'] });
    org.directory.seed({ users: 2_000, groups: 20, membershipsPerUser: 2, seed: 11 });
    const body = oktaProvider(org.url, { directory_sync_enabled: true, prefetch_users: true, okta_dirsync_client_id: SYNC_CLIENT, okta_private_jwk: JSON.stringify(key.privateJwk) });
    await request(app.httpUrl).post('/api/v1/openid/provider').set('Authorization', app.adminAuth).send(body).expect(201);
  });

  afterAll(async () => {
    await app?.stop();
    await org?.stop();
  });

  const run = async (body: Record<string, unknown> = {}) =>
    (await request(app.httpUrl).post('/api/v1/directory_sync/run').set('Authorization', app.adminAuth).send(body).expect(200)).body;

  it('2,000 users: after a full run, 20 changed users and 2 changed groups are fetched with a handful of calls, and the result equals a full run', async () => {
    const double = org.directory;
    double.resetStats();
    const full = await run();
    expect(full).toMatchObject({ mode: 'FULL', status: 'SUCCEEDED', counts: { users_created: 2_000 } });
    const fullCalls = double.stats().requests.total - double.stats().tokenRequests;

    // 20 users change: 15 renamed, 5 suspended; two groups gain and lose a member.
    const users = double.users.filter((u) => u.status === 'ACTIVE').slice(0, 20);
    users.slice(0, 15).forEach((u, i) => double.updateUser(u.id, { profile: { lastName: `Renamed${i}` } }));
    users.slice(15).forEach((u) => double.updateUser(u.id, { status: 'SUSPENDED' }));
    const [g1, g2] = double.groups.filter((g) => g.type === 'OKTA_GROUP' && g.members.length > 2);
    const outsider = double.users.find((u) => !g1.members.includes(u.id) && !users.includes(u))!;
    const leaving1 = g1.members[0];
    const leaving2 = g2.members[1];
    double.addMember(g1.id, outsider.id);
    double.removeMember(g1.id, leaving1);
    double.removeMember(g2.id, leaving2);

    double.resetStats();
    const incremental = await run();
    const stats = double.stats();
    expect(incremental).toMatchObject({
      mode: 'INCREMENTAL',
      status: 'SUCCEEDED',
      counts: { users_created: 0, users_updated: 15, users_disabled: 5, users_deleted: 0, memberships_added: 1, memberships_removed: 2 },
    });
    const calls = stats.requests.total - stats.tokenRequests;
    // One page of changed users, one of changed groups, the two groups' members.
    expect(stats.requests.byBucket.users).toBe(1);
    expect(stats.requests.byBucket.groups).toBe(1);
    expect(calls).toBe(4);
    // The full run: 10 pages of users, 1 of deprovisioned users, 1 of groups, 22 of members (21
    // groups with Everyone, which takes 2 pages). The incremental run's cost does not grow with
    // the directory: 4 / 34 here, ~0.3% of a 100k-user org's full run (bench/scenarios/okta.js).
    expect(fullCalls).toBe(34);
    // eslint-disable-next-line no-console
    console.log(`Okta incremental: ${calls} API calls vs ${fullCalls} for the full run (${((100 * calls) / fullCalls).toFixed(1)}%)`);

    const afterIncremental = await syncedState(app);
    await app.db.query('TRUNCATE users, groups, group_memberships, change_events, sync_runs CASCADE');
    const scratch = await run({ mode: 'full' });
    expect(scratch).toMatchObject({ mode: 'FULL', status: 'SUCCEEDED' });
    expect(await syncedState(app)).toEqual(afterIncremental);
  });

  it('a deprovisioned user is disabled by an incremental run (a positive statement); a deleted one stays until the next full run', async () => {
    const double = org.directory;
    await run({ mode: 'full' });
    const [gone, deprovisioned] = double.users.filter((u) => u.status === 'ACTIVE').slice(30, 32);
    double.deactivateUser(deprovisioned.id);
    double.deleteUser(gone.id);
    const incremental = await run();
    expect(incremental).toMatchObject({ mode: 'INCREMENTAL', status: 'SUCCEEDED', counts: { users_disabled: 1, users_deleted: 0 } });
    const [row] = await app.db.query<{ n: string }>('SELECT count(*) AS n FROM users WHERE directory_id = $1', [gone.id]);
    expect(Number(row.n)).toBe(1);
  });
});
