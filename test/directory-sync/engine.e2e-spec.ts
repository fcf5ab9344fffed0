import request from 'supertest';
import { Client } from 'pg';
import { grpcClient, GrpcTestClient, grpc } from '../support/grpc-client';
import { TestApp, TEST_CORE_TOKEN } from '../support/app';
import {
  directoryOf,
  eventsAfter,
  latestSequence,
  makeUser,
  putSettings,
  resetState,
  runSync,
  startSyncApp,
  usersByName,
} from './fixture';

const emails = (n: number, prefix = 'u') => Array.from({ length: n }, (_, i) => `${prefix}${i}@email.com`);

describe('directory sync engine (test directory, real PostgreSQL)', () => {
  let app: TestApp;
  let rpc: GrpcTestClient;

  beforeAll(async () => {
    app = await startSyncApp();
    rpc = grpcClient('DirectorySyncService', app.grpcAddress, TEST_CORE_TOKEN);
  });

  afterAll(async () => {
    rpc?.close();
    await app?.stop();
  });

  /** Ten accounts a..j, all in the directory and in group "staff"; behaviours disable/delete. */
  async function tenUsers() {
    await resetState(app);
    const all = emails(10);
    directoryOf(app).set({ users: all.map((email) => ({ email })), groups: { staff: all } });
    directoryOf(app).configure({ prefetchUsers: true, userBehavior: 'delete', adminBehavior: 'disable' });
    await runSync(app);
    return all;
  }

  describe('fail closed', () => {
    it('a failed group listing removes nothing, and the run is PARTIAL', async () => {
      const all = await tenUsers();
      directoryOf(app).set({ users: all.slice(1).map((email) => ({ email })), groups: { staff: [] } });
      directoryOf(app).faults = { failGroups: true };
      const before = await latestSequence(app);
      const run = await runSync(app);
      expect(run.status).toBe('PARTIAL');
      expect(run.errors[0]).toMatch(/listing groups failed: .*503/);
      expect(run.counts).toMatchObject({ users_deleted: 0, memberships_removed: 0 });
      const users = await usersByName(app);
      expect(users.size).toBe(10);
      expect([...users.values()].every((u) => u.groups.includes('staff'))).toBe(true);
      expect(await eventsAfter(app, before)).toEqual([]);
    });

    it('a failed member listing of one group removes nothing', async () => {
      const all = await tenUsers();
      directoryOf(app).set({ users: all.map((email) => ({ email })), groups: { staff: [] } });
      directoryOf(app).faults = { failMembersOf: ['staff'] };
      const run = await runSync(app);
      expect(run.status).toBe('PARTIAL');
      expect(run.errors[0]).toMatch(/members of group "staff" failed/);
      expect([...(await usersByName(app)).values()].every((u) => u.groups.includes('staff'))).toBe(true);
    });

    it('a silently truncated user listing disables and deletes nothing, yet still adds what it can', async () => {
      const all = await tenUsers();
      directoryOf(app).set({ users: [...all, 'new@email.com'].map((email) => ({ email })), groups: { staff: all, extra: ['u0@email.com'] } });
      directoryOf(app).pageSize = 3;
      directoryOf(app).faults = { truncateUsersAt: 6 };
      const run = await runSync(app);
      directoryOf(app).pageSize = 200;
      expect(run.status).toBe('PARTIAL');
      expect(run.errors[0]).toMatch(/user listing looks truncated: 4 group member/);
      expect(run.counts).toMatchObject({ users_deleted: 0, users_disabled: 0, memberships_added: 1 });
      expect((await usersByName(app)).size).toBe(10);
    });

    it('a failed user listing disables nothing', async () => {
      await tenUsers();
      directoryOf(app).faults = { failUsers: true };
      const run = await runSync(app);
      expect(run.status).toBe('PARTIAL');
      expect(run.counts).toMatchObject({ users_deleted: 0, users_disabled: 0, memberships_removed: 0 });
      expect((await usersByName(app)).size).toBe(10);
    });

    it('a page slower than DIRECTORY_SYNC_PAGE_TIMEOUT_MS counts as a failed listing', async () => {
      const slow = await startSyncApp({ db: app.db, env: { DIRECTORY_SYNC_PAGE_TIMEOUT_MS: '50' } });
      try {
        await tenUsers();
        directoryOf(slow).set({ users: [] });
        directoryOf(slow).configure({ userBehavior: 'delete' });
        directoryOf(slow).faults = { pageDelayMs: 200 };
        const run = await runSync(slow);
        expect(run.status).toBe('PARTIAL');
        expect(run.errors[0]).toMatch(/listing users failed: listing users: no answer within 50 ms/);
        expect((await usersByName(app)).size).toBe(10);
      } finally {
        await slow.stop();
      }
    });
  });

  describe('deletion threshold', () => {
    it('refuses a run over the default threshold (10%) before any change, and says why', async () => {
      const all = await tenUsers();
      directoryOf(app).set({ users: all.slice(2).map((email) => ({ email })), groups: { staff: all.slice(2) } });
      const before = await latestSequence(app);
      const run = await runSync(app);
      expect(run.status).toBe('REFUSED');
      expect(run.message).toMatch(/would disable or delete 2 of 10 .* allows 1 \(10% or 500/);
      expect(run.counts.users_deleted).toBe(2);
      expect(await eventsAfter(app, before)).toEqual([]);
      expect((await usersByName(app)).size).toBe(10);
    });

    it('force applies it for one run', async () => {
      const all = await tenUsers();
      directoryOf(app).set({ users: all.slice(2).map((email) => ({ email })), groups: { staff: all.slice(2) } });
      const run = await runSync(app, { force: true });
      expect(run).toMatchObject({ status: 'SUCCEEDED', forced: true, counts: { users_deleted: 2 } });
      expect(run.message).toMatch(/forced/);
      expect((await usersByName(app)).size).toBe(8);
    });

    it('follows the configured percent and count', async () => {
      const all = await tenUsers();
      await putSettings(app, { deletion_threshold_percent: 50, deletion_threshold_count: 3 });
      directoryOf(app).set({ users: all.slice(3).map((email) => ({ email })) });
      expect((await runSync(app)).status).toBe('SUCCEEDED');
      directoryOf(app).set({ users: all.slice(7).map((email) => ({ email })) });
      expect((await runSync(app)).status).toBe('REFUSED');
    });
  });

  describe('dry run', () => {
    it('changes nothing, and its plan equals what the real run then does', async () => {
      const all = await tenUsers();
      await putSettings(app, { deletion_threshold_percent: 100 });
      const local = await makeUser(app, 'kept-local', { source: 'LOCAL' });
      directoryOf(app).set({
        users: [...all.slice(1).map((email, i) => ({ email, active: i !== 0, lastName: 'Renamed' })), { email: 'new@email.com' }],
        groups: { staff: all.slice(3), vpn: ['u5@email.com', 'new@email.com'] },
      });
      const before = await latestSequence(app);
      const dry = await runSync(app, { dry_run: true });
      expect(dry).toMatchObject({ status: 'SUCCEEDED', dry_run: true });
      expect(dry.message).toMatch(/^dry run: \d+ change\(s\) planned, nothing applied/);
      expect(await eventsAfter(app, before)).toEqual([]);
      expect((await usersByName(app)).get('u0')).toBeDefined();

      const real = await runSync(app);
      expect(real.counts).toEqual(dry.counts);
      const strip = (changes: any[]) => changes.map((c) => `${c.action} ${c.username ?? ''} ${c.group_name ?? ''}`).sort();
      expect(strip(real.changes)).toEqual(strip(dry.changes));
      expect(dry.counts).toMatchObject({ users_created: 1, users_deleted: 1, users_disabled: 1, groups_created: 1, memberships_added: 2, memberships_removed: 2 });
      expect(dry.counts.users_updated).toBe(9);
      expect((await usersByName(app)).get('kept-local')!.id).toBe(local.id);
    });

    it('reports what the threshold would refuse without refusing a forced dry run', async () => {
      const all = await tenUsers();
      directoryOf(app).set({ users: all.slice(5).map((email) => ({ email })), groups: { staff: all.slice(5) } });
      expect((await runSync(app, { dry_run: true })).status).toBe('REFUSED');
      const forced = await runSync(app, { dry_run: true, force: true });
      expect(forced.status).toBe('SUCCEEDED');
      expect(forced.counts.users_deleted).toBe(5);
      expect((await usersByName(app)).size).toBe(10);
    });
  });

  it('users in no directory group lose their directory groups', async () => {
    const all = await tenUsers();
    directoryOf(app).set({ users: all.map((email) => ({ email })), groups: { staff: all.slice(1) } });
    const run = await runSync(app);
    expect(run.counts.memberships_removed).toBe(1);
    expect((await usersByName(app)).get('u0')!.groups).toEqual([]);
  });

  it('no change: a second identical run writes nothing and appends no event', async () => {
    await tenUsers();
    const before = await latestSequence(app);
    const run = await runSync(app);
    expect(Object.values(run.counts).every((n) => n === 0)).toBe(true);
    expect(await eventsAfter(app, before)).toEqual([]);
  });

  it('a crash mid-apply (its backend terminated) leaves the previous state intact', async () => {
    const all = await tenUsers();
    await putSettings(app, { deletion_threshold_percent: 100 });
    directoryOf(app).set({ users: all.slice(5).map((email) => ({ email })), groups: { staff: [], other: all.slice(5) } });
    // A trigger that stalls the apply transaction at its first change event, so the test can kill it there.
    await app.db.query(`CREATE FUNCTION stall() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(30); RETURN NEW; END $$ LANGUAGE plpgsql`);
    await app.db.query(`CREATE TRIGGER stall BEFORE INSERT ON change_events FOR EACH ROW EXECUTE FUNCTION stall()`);
    try {
      const before = await usersByName(app);
      const pending = runSync(app);
      let killed = 0;
      for (let i = 0; i < 100 && killed === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        const rows = await app.db.query<{ k: boolean }>(`SELECT pg_terminate_backend(pid) AS k FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'`);
        killed = rows.filter((r) => r.k).length;
      }
      expect(killed).toBe(1);
      const run = await pending;
      expect(run.status).toBe('FAILED');
      expect(run.message).toMatch(/^failed: nothing was applied/);
      const after = await usersByName(app);
      expect(after).toEqual(before);
    } finally {
      await app.db.query('DROP TRIGGER stall ON change_events; DROP FUNCTION stall()');
    }
    // The next run applies normally.
    expect((await runSync(app)).status).toBe('SUCCEEDED');
    expect((await usersByName(app)).size).toBe(5);
  });

  describe('one run at a time', () => {
    it('two service instances on one database triggered together produce one run; the other answers SKIPPED_LOCKED with its id', async () => {
      await tenUsers();
      const second = await startSyncApp({ db: app.db });
      try {
        // The second instance's test directory is its own: give both the same data, slowly.
        for (const instance of [app, second]) {
          directoryOf(instance).data = directoryOf(app).data;
          directoryOf(instance).config = directoryOf(app).config;
          directoryOf(instance).faults = { pageDelayMs: 300 };
        }
        const runsBefore = (await app.db.query('SELECT id FROM sync_runs')).length;
        const [a, b] = await Promise.all([runSync(app), runSync(second)]);
        const statuses = [a.status, b.status].sort();
        expect(statuses).toEqual(['SKIPPED_LOCKED', 'SUCCEEDED']);
        const [winner, loser] = a.status === 'SUCCEEDED' ? [a, b] : [b, a];
        expect(loser.id).toBe(winner.id);
        expect(loser.message).toMatch(new RegExp(`already running: run ${winner.id}`));
        expect((await app.db.query('SELECT id FROM sync_runs')).length).toBe(runsBefore + 1);
      } finally {
        directoryOf(app).faults = {};
        await second.stop();
      }
    });

    it('marks a run left RUNNING by a dead process as FAILED on the next run', async () => {
      await resetState(app);
      const [{ id }] = await app.db.query<{ id: string }>(`INSERT INTO sync_runs (trigger, status) VALUES ('SCHEDULE', 'RUNNING') RETURNING id`);
      await runSync(app);
      const [row] = await app.db.query<{ status: string; message: string }>('SELECT status, message FROM sync_runs WHERE id = $1', [id]);
      expect(row).toEqual({ status: 'FAILED', message: expect.stringMatching(/^interrupted/) });
    });
  });

  describe('REST and gRPC', () => {
    it('every route requires the admin token', async () => {
      for (const [method, path] of [['post', '/api/v1/directory_sync/run'], ['get', '/api/v1/directory_sync/runs'], ['get', '/api/v1/directory_sync/runs/00000000-0000-0000-0000-000000000000'], ['get', '/api/v1/directory_sync/settings'], ['put', '/api/v1/directory_sync/settings'], ['get', '/api/v1/test_directory_sync']] as const) {
        await request(app.httpUrl)[method](path).expect(401);
      }
    });

    it('refuses bad input with 400 and a precise message', async () => {
      const bad = await request(app.httpUrl).post('/api/v1/directory_sync/run').set('Authorization', app.adminAuth).send({ dry_run: 'yes', extra: 1 }).expect(400);
      expect(bad.body.msg).toMatch(/property extra should not exist/);
      expect(bad.body.msg).toMatch(/dry_run must be a boolean value/);
      const settings = await request(app.httpUrl).put('/api/v1/directory_sync/settings').set('Authorization', app.adminAuth).send({ deletion_threshold_percent: 101 }).expect(400);
      expect(settings.body.msg).toBe('deletion_threshold_percent must not be greater than 100');
      await request(app.httpUrl).get('/api/v1/directory_sync/runs/not-a-uuid').set('Authorization', app.adminAuth).expect(400);
      await request(app.httpUrl).get('/api/v1/directory_sync/runs/00000000-0000-0000-0000-000000000000').set('Authorization', app.adminAuth).expect(404);
      await request(app.httpUrl).get('/api/v1/directory_sync/runs?page_token=!!').set('Authorization', app.adminAuth).expect(400);
    });

    it('answers 409 / FAILED_PRECONDITION when sync is disabled', async () => {
      await resetState(app);
      directoryOf(app).configure({ syncEnabled: false });
      const response = await request(app.httpUrl).post('/api/v1/directory_sync/run').set('Authorization', app.adminAuth).send({}).expect(409);
      expect(response.body).toEqual({ msg: expect.stringMatching(/disabled/), code: 'sync_disabled' });
      await expect(rpc.call('RunSync', {})).rejects.toMatchObject({ code: grpc.status.FAILED_PRECONDITION });
    });

    it('stores settings per provider and returns them', async () => {
      await resetState(app);
      const put = await putSettings(app, { group_filter_types: ['OKTA_GROUP'], manage_local_users: true });
      expect(put.body).toMatchObject({ group_filter_types: ['OKTA_GROUP'], manage_local_users: true, deletion_threshold_percent: 10, deletion_threshold_count: 500 });
      const get = await request(app.httpUrl).get('/api/v1/directory_sync/settings').set('Authorization', app.adminAuth).expect(200);
      expect(get.body).toEqual(put.body);
    });

    it('leaves out groups the filter excludes (Okta "Everyone")', async () => {
      await resetState(app);
      await putSettings(app, { group_filter_types: ['OKTA_GROUP'] });
      directoryOf(app).set({ users: [{ email: 'a@email.com' }], groups: { Everyone: ['a@email.com'], vpn: ['a@email.com'] }, groupTypes: { Everyone: 'BUILT_IN' } });
      directoryOf(app).configure({ prefetchUsers: true });
      await runSync(app);
      expect((await usersByName(app)).get('a')!.groups).toEqual(['vpn']);
    });

    it('runs, reads and lists over gRPC with the same records', async () => {
      await tenUsers();
      const { run } = await rpc.call('RunSync', { dry_run: true });
      expect(run).toMatchObject({ status: 'SUCCEEDED', trigger: 'MANUAL', dry_run: true, counts: { users_created: 0 } });
      const got = await rpc.call('GetSyncRun', { id: run.id });
      expect(got.run.id).toBe(run.id);
      const first = await rpc.call('ListSyncRuns', { page_size: 1 });
      expect(first.runs).toHaveLength(1);
      expect(first.runs[0]).toMatchObject({ id: run.id, changes: [] });
      const second = await rpc.call('ListSyncRuns', { page_size: 1, page_token: first.next_page_token });
      expect(second.runs[0].id).not.toBe(run.id);
      expect(second.next_page_token).toBe('');
      await expect(rpc.call('GetSyncRun', { id: 'nope' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
      await expect(rpc.call('GetSyncRun', { id: '00000000-0000-0000-0000-000000000000' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
      await expect(rpc.call('ListSyncRuns', { page_token: '%%%' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
      await expect(grpcClient('DirectorySyncService', app.grpcAddress, null).call('RunSync', {})).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    });

    it('records each run with trigger, times, counts and API calls, newest first over REST', async () => {
      await tenUsers();
      await runSync(app);
      const list = await request(app.httpUrl).get('/api/v1/directory_sync/runs?page_size=5').set('Authorization', app.adminAuth).expect(200);
      expect(list.body.runs).toHaveLength(2);
      const [newest, oldest] = list.body.runs;
      expect(newest.started_at >= oldest.started_at).toBe(true);
      expect(oldest).toMatchObject({ trigger: 'MANUAL', status: 'SUCCEEDED', counts: { users_created: 10, memberships_added: 10, groups_created: 1 } });
      expect(oldest.api_calls).toBeGreaterThanOrEqual(3);
      expect(oldest.changes).toBeUndefined();
      const one = await request(app.httpUrl).get(`/api/v1/directory_sync/runs/${oldest.id}`).set('Authorization', app.adminAuth).expect(200);
      expect(one.body.changes).toHaveLength(21);
      expect(one.body.changes_total).toBe(21);
    });

    it('tests the connection with the real adapter (gRPC TestConnection)', async () => {
      await resetState(app);
      expect(await rpc.call('TestConnection', {})).toEqual({ success: true, message: expect.stringMatching(/Connected to the test directory/) });
      directoryOf(app).faults = { failConnection: true };
      expect(await rpc.call('TestConnection', {})).toEqual({ success: false, message: 'The test directory is set to fail' });
    });

    it('exposes run metrics on /metrics', async () => {
      const text = (await request(app.httpUrl).get('/metrics').expect(200)).text;
      expect(text).toMatch(/directory_sync_runs_total\{status="SUCCEEDED",dry_run="false"\} [1-9]/);
      expect(text).toMatch(/directory_sync_run_duration_seconds_bucket/);
      expect(text).toMatch(/directory_sync_changes_total\{action="user.create"\} [1-9]/);
      expect(text).toMatch(/directory_sync_failures_total\{reason="refused"\} [1-9]/);
      expect(text).toMatch(/directory_sync_last_success_timestamp_seconds [1-9]/);
    });
  });
});

describe('directory sync with the provider module (no test directory)', () => {
  it('reads the active provider: none configured answers FAILED_PRECONDITION; an Okta provider runs its adapter', async () => {
    const { startTestApp } = await import('../support/app');
    const app = await startTestApp({ env: { DIRECTORY_SYNC_SCHEDULER: 'false' } });
    const rpc = grpcClient('DirectorySyncService', app.grpcAddress, TEST_CORE_TOKEN);
    try {
      await expect(rpc.call('RunSync', {})).rejects.toMatchObject({ code: grpc.status.FAILED_PRECONDITION, details: expect.stringMatching(/not configured/) });
      expect(await rpc.call('TestConnection', {})).toMatchObject({ success: false });
      const response = await request(app.httpUrl).get('/api/v1/directory_sync/settings').set('Authorization', app.adminAuth).expect(409);
      expect(response.body.code).toBe('sync_not_configured');
      expect(await app.db.query('SELECT id FROM sync_runs')).toEqual([]);

      // An Okta provider saved by the admin: its sync fields and kind reach the engine.
      const { startDiscoveryServer } = await import('../support/discovery-server');
      const { oktaProvider, oktaKeyPair } = await import('../identity-provider/fixtures');
      const idp = await startDiscoveryServer();
      try {
        const body = oktaProvider(idp.url, { directory_sync_enabled: true, okta_private_jwk: JSON.stringify(oktaKeyPair().privateJwk), okta_dirsync_client_id: '0oa1dirsync' });
        await request(app.httpUrl).post('/api/v1/openid/provider').set('Authorization', app.adminAuth).send(body).expect(201);
        // The Okta adapter runs against the saved base URL; this one has no Okta API, so the run
        // fails closed (PARTIAL, nothing removed) and says what is wrong.
        const { run } = await rpc.call('RunSync', {});
        expect(run).toMatchObject({ status: 'PARTIAL', counts: { users_disabled: 0, users_deleted: 0, memberships_removed: 0 } });
        expect(run.errors.join('\n')).toMatch(/No Okta token endpoint at http:\/\/127\.0\.0\.1:\d+\/oauth2\/v1\/token \(HTTP 404\): check that the org URL is your Okta domain/);
        const tested = await request(app.httpUrl).get('/api/v1/test_directory_sync').set('Authorization', app.adminAuth).expect(200);
        expect(tested.body).toEqual({ success: false, message: expect.stringMatching(/^No Okta token endpoint at .*check that the org URL is your Okta domain$/) });
        // Settings are keyed by the saved provider.
        await request(app.httpUrl).put('/api/v1/directory_sync/settings').set('Authorization', app.adminAuth).send({ deletion_threshold_count: 7 }).expect(200);
        const [row] = await app.db.query<{ provider_id: string }>('SELECT provider_id FROM sync_settings');
        const [provider] = await app.db.query<{ id: string }>('SELECT id FROM identity_providers');
        expect(row.provider_id).toBe(provider.id);
      } finally {
        await idp.close();
      }
    } finally {
      rpc.close();
      await app.stop();
    }
  });
});

describe('directory sync schedule', () => {
  it('runs shortly after start-up, then on the interval, re-timed when the settings change', async () => {
    const app = await startSyncApp({ env: { DIRECTORY_SYNC_SCHEDULER: 'true' } });
    const { SyncSchedulerService } = await import('../../src/directory-sync/sync-scheduler.service');
    const scheduler = app.app.get(SyncSchedulerService);
    const runs = () => app.db.query<{ trigger: string }>('SELECT trigger FROM sync_runs ORDER BY started_at');
    try {
      directoryOf(app).configure({ intervalSeconds: 1 });
      // The settings are polled; trigger the poll now instead of waiting SETTINGS_POLL_MS.
      await (scheduler as any).watch();
      const waitFor = async (n: number) => {
        for (let i = 0; i < 100 && (await runs()).length < n; i++) await new Promise((r) => setTimeout(r, 100));
        return runs();
      };
      expect((await waitFor(1))[0].trigger).toBe('STARTUP');
      expect((await waitFor(2))[1].trigger).toBe('SCHEDULE');
      directoryOf(app).configure({ intervalSeconds: 3600 });
      await (scheduler as any).watch();
      const next = scheduler.nextRunAt!.getTime() - Date.now();
      expect(next).toBeGreaterThan(3000 * 1000);
      const count = (await runs()).length;
      await new Promise((r) => setTimeout(r, 1500));
      expect((await runs()).length).toBe(count);
    } finally {
      await app.stop();
    }
  });
});
