import { TestApp, TEST_CORE_TOKEN } from '../support/app';
import { grpc, grpcClient } from '../support/grpc-client';
import { directoryOf, resetState, runSync, startSyncApp, syncedState } from './fixture';

const LONG_AGO = new Date(Date.now() - 3_600_000).toISOString();

/**
 * 400 users in 10 groups of 40 (each user in one group), every object last updated an hour ago;
 * prefetch on, missing users deleted. The directory offers incremental listings.
 */
function seed(app: TestApp): string[] {
  const directory = directoryOf(app);
  const emails = Array.from({ length: 400 }, (_, i) => `p${String(i).padStart(3, '0')}@email.com`);
  const groups: Record<string, string[]> = {};
  emails.forEach((email, i) => (groups[`team-${i % 10}`] ??= []).push(email));
  directory.set({ users: emails.map((email, i) => ({ email, firstName: `First${i}`, lastName: `Last${i}` })), groups });
  for (const u of directory.data.users) u.lastUpdated = LONG_AGO;
  for (const g of directory.data.groups) g.lastUpdated = g.lastMembershipUpdated = LONG_AGO;
  directory.incremental = true;
  directory.configure({ prefetchUsers: true, userBehavior: 'delete', adminBehavior: 'disable' });
  return emails;
}

/** Empties what sync wrote (not the directory), so a full run starts from scratch. */
async function clearStored(app: TestApp) {
  await app.db.query('TRUNCATE users, groups, group_memberships, change_events, sync_runs CASCADE');
}

describe('incremental directory sync (test directory, real PostgreSQL)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startSyncApp();
  });

  afterAll(async () => {
    await app?.stop();
  });

  beforeEach(async () => {
    await resetState(app);
  });

  it('incremental run fetches only what changed and matches a full run\'s result', async () => {
    const emails = seed(app);
    const directory = directoryOf(app);
    const full = await runSync(app);
    expect(full).toMatchObject({ mode: 'FULL', status: 'SUCCEEDED', counts: { users_created: 400, groups_created: 10, memberships_added: 400 } });
    expect(full.message).toMatch(/\[full: no previous successful run\]$/);

    // 1% of the users change (names, status); two groups' memberships change; a new user joins a new group.
    directory.updateUser(emails[1], { lastName: 'Renamed' });
    directory.updateUser(emails[2], { firstName: 'Changed' });
    directory.updateUser(emails[3], { active: false, status: 'SUSPENDED' });
    directory.updateUser(emails[4], { active: false, status: 'DEPROVISIONED' });
    const team0 = directory.data.members.get('grp-team-0')!;
    const team1 = directory.data.members.get('grp-team-1')!;
    const byId = new Map(directory.data.users.map((u) => [u.id, u.email!]));
    // p010 and p020 leave team-0; p001 (unchanged as a group member elsewhere) joins it; p011 leaves team-1.
    directory.setGroupMembers('team-0', [...team0.map((id) => byId.get(id)!).filter((e) => e !== emails[10] && e !== emails[20]), emails[1]]);
    directory.setGroupMembers('team-1', team1.map((id) => byId.get(id)!).filter((e) => e !== emails[11]));
    directory.data.users.push({ id: 'dir-newcomer', email: 'newcomer@email.com', active: true, status: 'ACTIVE', firstName: 'New', lastName: 'Comer', lastUpdated: new Date().toISOString() });
    directory.setGroupMembers('newgroup', ['newcomer@email.com', emails[5]]);
    directory.data = { ...directory.data }; // the provider's id index follows data replacements

    const before = directory.apiCalls;
    const incremental = await runSync(app);
    const incrementalCalls = directory.apiCalls - before;
    expect(incremental).toMatchObject({ mode: 'INCREMENTAL', status: 'SUCCEEDED' });
    expect(incremental.counts).toEqual({
      users_created: 1,
      users_updated: 2,
      users_enabled: 0,
      users_disabled: 2,
      users_deleted: 0,
      groups_created: 1,
      memberships_added: 3, // p001 -> team-0, newcomer and p005 -> newgroup
      memberships_removed: 3, // p010, p020 from team-0; p011 from team-1
    });
    // 1 page of changed users, 1 of changed groups, 3 member lists; the full run: 2 + 1 + 10.
    expect(incrementalCalls).toBe(5);
    expect(full.api_calls).toBe(13);
    expect(incremental.api_calls).toBe(5);

    const afterIncremental = await syncedState(app);
    await clearStored(app);
    const scratch = await runSync(app, { mode: 'full' });
    expect(scratch).toMatchObject({ mode: 'FULL', status: 'SUCCEEDED' });
    expect(await syncedState(app)).toEqual(afterIncremental);
  });

  it('a user deleted from the directory is not removed by an incremental run, and is by the next full run', async () => {
    const emails = seed(app);
    const directory = directoryOf(app);
    await runSync(app);
    directory.deleteUser(emails[7]);
    const incremental = await runSync(app);
    expect(incremental).toMatchObject({ mode: 'INCREMENTAL', status: 'SUCCEEDED', counts: { users_deleted: 0, users_disabled: 0 } });
    let users = (await syncedState(app)).users.map((u) => u.username);
    expect(users).toContain('p007');

    const full = await runSync(app, { mode: 'full' });
    expect(full).toMatchObject({ mode: 'FULL', status: 'SUCCEEDED', counts: { users_deleted: 1 } });
    users = (await syncedState(app)).users.map((u) => u.username);
    expect(users).not.toContain('p007');
    expect(users).toHaveLength(399);
  });

  it('chooses FULL first, then INCREMENTAL, then FULL once the last full run is older than full_sync_interval_seconds', async () => {
    seed(app);
    expect((await runSync(app)).mode).toBe('FULL');
    expect((await runSync(app)).mode).toBe('INCREMENTAL');
    expect((await runSync(app)).mode).toBe('INCREMENTAL');
    // The default interval is a day: the full run "happened" 25 hours ago.
    await app.db.query(`UPDATE sync_runs SET started_at = started_at - interval '25 hours' WHERE mode = 'FULL'`);
    const due = await runSync(app);
    expect(due.mode).toBe('FULL');
    expect(due.message).toMatch(/older than full_sync_interval_seconds \(86400\)/);
    expect((await runSync(app)).mode).toBe('INCREMENTAL');
  });

  it('a dry or failed run is no base: the next run stays FULL; an adapter without incremental listings always runs FULL', async () => {
    seed(app);
    expect((await runSync(app, { dry_run: true })).mode).toBe('FULL');
    directoryOf(app).faults = { failGroups: true };
    expect(await runSync(app)).toMatchObject({ mode: 'FULL', status: 'PARTIAL' });
    directoryOf(app).faults = {};
    expect((await runSync(app, { mode: 'incremental' })).mode).toBe('FULL');
    expect((await runSync(app, { mode: 'incremental', dry_run: true })).mode).toBe('INCREMENTAL');
    directoryOf(app).incremental = false;
    expect((await runSync(app)).message).toMatch(/\[full: the Test adapter lists in full only\]$/);
  });

  it('takes the mode over gRPC RunSync and reports it on SyncRun; a bad mode is INVALID_ARGUMENT', async () => {
    seed(app);
    const rpc = grpcClient('DirectorySyncService', app.grpcAddress, TEST_CORE_TOKEN);
    try {
      expect((await rpc.call('RunSync', {})).run.mode).toBe('FULL');
      expect((await rpc.call('RunSync', { mode: 'incremental' })).run.mode).toBe('INCREMENTAL');
      expect((await rpc.call('RunSync', { mode: 'full' })).run.mode).toBe('FULL');
      await expect(rpc.call('RunSync', { mode: 'partial' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
      const listed = await rpc.call('ListSyncRuns', {});
      expect(listed.runs.map((r: { mode: string }) => r.mode)).toEqual(['FULL', 'INCREMENTAL', 'FULL']);
    } finally {
      rpc.close();
    }
  });

  it('a failed listing in an incremental run is PARTIAL: additions apply, nothing is removed or disabled', async () => {
    const emails = seed(app);
    const directory = directoryOf(app);
    await runSync(app);
    directory.updateUser(emails[3], { active: false, status: 'DEPROVISIONED' });
    directory.setGroupMembers('team-0', [emails[1]]);
    directory.faults = { failMembersOf: ['team-0'] };
    const run = await runSync(app);
    expect(run).toMatchObject({ mode: 'INCREMENTAL', status: 'PARTIAL', counts: { users_disabled: 0, memberships_removed: 0 } });
    expect(run.errors[0]).toMatch(/members of group "team-0" failed/);
  });
});
