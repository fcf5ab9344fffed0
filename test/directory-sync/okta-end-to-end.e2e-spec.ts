import request from 'supertest';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { browserLogin } from '../support/oidc/oidc-provider-peer';
import { startTestApp, TestApp, TEST_CORE_TOKEN } from '../support/app';
import { grpcClient, GrpcTestClient } from '../support/grpc-client';
import { OktaOrg, startOktaOrg } from '../support/okta-org';
import { oktaKeyPair, oktaProvider } from '../identity-provider/fixtures';

/**
 * The admin guide end to end against one Okta org (the real oidc-provider for sign-in and the Okta
 * org double for the Management API, on one origin): connect Okta over REST, test the connection,
 * sync 25,000 users through the Okta adapter, sign a synced user in (linked by email, groups
 * refreshed from Okta), deactivate her in Okta, and do it all again with DPoP required.
 */
const SIGN_IN_CLIENT = { client_id: '0oa1signin2app3id', client_secret: 'okta-client-secret-VALUE-7f3a9c' };
const DIRECTORY_USERS = 25_000;
/** A full sync of 25,000 users takes seconds, more on a loaded machine: wait for its answer. */
const LONG_CALL = { deadlineMs: 100_000 };

describe('Okta end to end: admin guide, directory sync at 25,000 users, sign-in with the group refresh', () => {
  const keys = oktaKeyPair('dirsync-key-1');
  let org: OktaOrg;
  let app: TestApp;
  let auth: GrpcTestClient;
  let sync: GrpcTestClient;
  let alice: { id: string };
  let deprovisioned: number;
  /** Requests the double served for the first full run. */
  let fullRunRequests: number;

  beforeAll(async () => {
    org = await startOktaOrg({
      signIn: {
        clients: [{ ...SIGN_IN_CLIENT, redirect_uris: ['http://127.0.0.1:8000/auth/callback', 'http://127.0.0.1:8080/openid/callback'] }],
        accounts: { alice: { email: 'alice@example.com', email_verified: true, given_name: 'Alice', family_name: 'Liddell', preferred_username: 'alice@example.com' } },
      },
      // Several 25,000-user runs within one minute would spend Okta's default per-minute budget and
      // the adapter would (rightly) wait for the reset; throttling has its own tests and benchmark.
      directory: { rateLimits: { users: 60_000, groups: 60_000, other: 60_000 } },
    });
    deprovisioned = org.directory.seed({ users: DIRECTORY_USERS, groups: 60, membershipsPerUser: 2, deprovisionedShare: 0.02 }).deprovisioned;
    alice = org.directory.addUser({ status: 'ACTIVE', profile: { login: 'alice@example.com', email: 'alice@example.com', firstName: 'Alice', lastName: 'Liddell' } });
    const vpnUsers = org.directory.addGroup({ profile: { name: 'vpn-users' } });
    org.directory.addMember(vpnUsers.id, alice.id);
    org.directory.registerClient({ clientId: '0oa1dirsync', publicJwk: keys.publicJwk as never, scopes: ['okta.users.read', 'okta.groups.read'] });
    // Large enough for the fault drill below (one user missing: 1 of 25,001 stays under 10%).
    app = await startTestApp({ env: { DIRECTORY_SYNC_SCHEDULER: 'false' } });
    auth = grpcClient('AuthService', app.grpcAddress, TEST_CORE_TOKEN);
    sync = grpcClient('DirectorySyncService', app.grpcAddress, TEST_CORE_TOKEN);
  }, 60_000);

  afterAll(async () => {
    auth?.close();
    sync?.close();
    await app?.stop();
    await org?.stop();
  });

  const api = () => request(app.httpUrl);

  async function signIn(login: string) {
    const { url, state } = await auth.call('GetAuthInfo', { flow: 'LOGIN' });
    const callback = await browserLogin(url, { login });
    expect(callback.searchParams.get('state')).toBe(state);
    return auth.call('HandleCallback', { flow: 'LOGIN', code: callback.searchParams.get('code'), state });
  }

  it('connects Okta the way the guide says, and the connection test passes', async () => {
    const body = oktaProvider(org.url, {
      ...SIGN_IN_CLIENT,
      directory_sync_enabled: true,
      directory_sync_user_behavior: 'disable',
      okta_dirsync_client_id: '0oa1dirsync',
      okta_private_jwk: JSON.stringify(keys.privateJwk),
      prefetch_users: true,
      create_account: true,
    });
    await api().post('/api/v1/openid/provider').set('Authorization', app.adminAuth).send(body).expect(201);
    const tested = await api().get('/api/v1/test_directory_sync').set('Authorization', app.adminAuth).expect(200);
    expect(tested.body).toMatchObject({ success: true });
  });

  it('syncs every user (beyond Defguard\'s 10,000 cap), deprovisioned ones inactive, every membership, near the fewest calls possible', async () => {
    org.directory.resetStats();
    const { run } = await sync.call('RunSync', {}, LONG_CALL);
    expect(run).toMatchObject({ status: 'SUCCEEDED', errors: [] });

    const [users] = await app.db.query<{ total: number; inactive: number }>("SELECT count(*)::int AS total, count(*) FILTER (WHERE NOT is_active)::int AS inactive FROM users WHERE source = 'DIRECTORY'");
    expect(users).toEqual({ total: DIRECTORY_USERS + 1, inactive: deprovisioned });

    const expectedMemberships = org.directory.groups.reduce((sum, group) => sum + group.members.length, 0);
    const [memberships] = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM group_memberships');
    expect(memberships.n).toBe(expectedMemberships);

    // The lower bound: every users page (active, then deprovisioned), one groups page, every members page, one token.
    const pages = (n: number, size: number) => Math.max(1, Math.ceil(n / size));
    const active = DIRECTORY_USERS + 1 - deprovisioned;
    const lowerBound = pages(active, 200) + pages(deprovisioned, 200) + 1 + org.directory.groups.reduce((sum, g) => sum + pages(g.members.length, 1000), 0) + 1;
    expect(run.api_calls).toBeLessThanOrEqual(Math.ceil(lowerBound * 1.05));
    expect(org.directory.stats().rateLimited429).toBe(0);
    fullRunRequests = org.directory.stats().requests.total;
  }, 120_000);

  it('signs a synced user in: linked by email, and her groups refreshed from Okta at sign-in', async () => {
    const support = org.directory.addGroup({ profile: { name: 'support' } });
    org.directory.addMember(support.id, alice.id); // changed in Okta after the sync
    const result = await signIn('alice');
    expect(result).toMatchObject({ created: false, linked: true, user: { email: 'alice@example.com', source: 'DIRECTORY', is_active: true } });
    expect(result.user.groups.map((g: { name: string }) => g.name)).toEqual(expect.arrayContaining(['support', 'vpn-users']));
  }, 60_000);

  it('disables the user when Okta deactivates her, then refuses her sign-in', async () => {
    org.directory.deactivateUser(alice.id);
    org.directory.resetStats();
    const { run } = await sync.call('RunSync', {}, LONG_CALL);
    // After a full run the schedule's choice is incremental: only what changed since is fetched.
    expect(run).toMatchObject({ status: 'SUCCEEDED', mode: 'INCREMENTAL', counts: { users_disabled: 1, users_deleted: 0 } });
    expect(org.directory.stats().requests.total).toBeLessThan(fullRunRequests / 4);
    const [row] = await app.db.query<{ is_active: boolean }>("SELECT is_active FROM users WHERE lower(email) = 'alice@example.com'");
    expect(row.is_active).toBe(false);
    await expect(signIn('alice')).rejects.toMatchObject({ code: GrpcStatus.PERMISSION_DENIED, details: expect.stringMatching(/disabled/) });
  }, 120_000);

  it('works when the Okta app requires DPoP, so "turn off DPoP" (guide step 10) is optional', async () => {
    org.directory.registerClient({ clientId: '0oa1dpopapp', publicJwk: keys.publicJwk as never, scopes: ['okta.users.read', 'okta.groups.read'], requireDpop: true });
    const body = oktaProvider(org.url, { ...SIGN_IN_CLIENT, directory_sync_enabled: true, directory_sync_user_behavior: 'disable', okta_dirsync_client_id: '0oa1dpopapp', okta_private_jwk: '********', prefetch_users: true, create_account: true });
    await api().put('/api/v1/openid/provider/Okta').set('Authorization', app.adminAuth).send(body).expect(200);
    const tested = await api().get('/api/v1/test_directory_sync').set('Authorization', app.adminAuth).expect(200);
    expect(tested.body).toMatchObject({ success: true });
    const { run } = await sync.call('RunSync', { dry_run: true }, LONG_CALL);
    expect(run).toMatchObject({ status: 'SUCCEEDED', dry_run: true, counts: { users_created: 0, users_disabled: 0, users_deleted: 0 } });
  }, 120_000);

  describe('when Okta fails for a whole run, nothing is disabled, deleted or removed', () => {
    let leaver: { id: string; email: string };

    beforeAll(() => {
      // Someone leaves the org: a complete run with "disable" would disable them.
      const user = org.directory.users.find((u) => u.status === 'ACTIVE' && u.id !== alice.id)!;
      leaver = { id: user.id, email: String(user.profile.email) };
      org.directory.deleteUser(user.id);
    });

    afterEach(() => org.directory.clearFaults());

    const leaverActive = async () => (await app.db.query<{ is_active: boolean }>('SELECT is_active FROM users WHERE lower(email) = lower($1)', [leaver.email]))[0].is_active;

    it.each([
      ['every users page answers 503', { route: '/api/v1/users', kind: 'status', status: 503, times: Infinity }],
      ['the group listing answers garbage', { route: '/api/v1/groups?', kind: 'malformed-json', times: Infinity }],
      ['one group\'s member listing keeps answering 500', 'members-of-first-group'],
    ] as const)('%s: the run ends PARTIAL or FAILED and changes nothing destructive', async (_name, fault) => {
      const spec = fault === 'members-of-first-group' ? { route: `/api/v1/groups/${org.directory.groups[0].id}/users`, kind: 'status', status: 500, times: Infinity } : fault;
      org.directory.injectFault(spec as never);
      // Only a full run can tell that someone left; an incremental one never infers deletions.
      const { run } = await sync.call('RunSync', { mode: 'full' }, LONG_CALL);
      expect(['PARTIAL', 'FAILED']).toContain(run.status);
      expect(run.counts).toMatchObject({ users_disabled: 0, users_deleted: 0, memberships_removed: 0 });
      expect(run.errors.length).toBeGreaterThan(0);
      expect(await leaverActive()).toBe(true);
    }, 120_000);

    it('the next complete run applies the change the failed ones held back', async () => {
      const { run } = await sync.call('RunSync', { mode: 'full' }, LONG_CALL);
      expect(run).toMatchObject({ status: 'SUCCEEDED', counts: { users_disabled: 1 } });
      expect(await leaverActive()).toBe(false);
    }, 120_000);
  });
});
