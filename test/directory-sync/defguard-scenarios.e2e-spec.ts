import { TestApp } from '../support/app';
import {
  activeAdmins,
  addToGroup,
  defguardDirectory,
  directoryOf,
  engineOf,
  eventsAfter,
  latestSequence,
  makeUser,
  putSettings,
  resetState,
  runSync,
  startSyncApp,
  usersByName,
} from './fixture';

/**
 * Defguard's directory sync acceptance cases (reference §6.9, directory_sync/tests.rs), on the
 * test directory and a real PostgreSQL. Defguard asserts gateway events (DeviceDeleted); devices
 * live in core here, so these assert the change-feed events core acts on: user.deleted, and
 * user.updated with is_active false. Scenario 16 (prefetch respects the license user limit) has
 * no counterpart: this service has no license; it is dropped on purpose.
 *
 * Defguard users are created with source OIDC (they signed in through the provider): LOCAL
 * accounts are left alone unless the admin opts in (#1623), which Defguard's fixture predates.
 */
describe('directory sync: Defguard acceptance scenarios', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startSyncApp();
  });

  afterAll(async () => {
    await app?.stop();
  });

  /** Defguard's database side: testuser, testuserdisabled, testuser2 exist; user1 is an admin; user2 is missing from the directory. */
  async function fixture(behaviors: { user: 'keep' | 'disable' | 'delete'; admin: 'keep' | 'disable' | 'delete' }, extraAdmins: string[] = []) {
    await resetState(app);
    defguardDirectory(directoryOf(app));
    directoryOf(app).configure({ userBehavior: behaviors.user, adminBehavior: behaviors.admin });
    // The scenarios delete 2-3 of 5 accounts: well past the default threshold, which has its own tests.
    await putSettings(app, { deletion_threshold_percent: 100, deletion_threshold_count: 1000 });
    for (const name of ['testuser', 'testuserdisabled', 'testuser2', 'user2']) await makeUser(app, name);
    await makeUser(app, 'user1', { groups: ['admin'] });
    for (const name of extraAdmins) await makeUser(app, name, { groups: ['admin'] });
    return latestSequence(app);
  }

  const deletedIds = (events: { type: string; entity_id: string }[]) => events.filter((e) => e.type === 'user.deleted').map((e) => e.entity_id);
  const disabledIds = (events: { type: string; entity_id: string; payload: any }[]) =>
    events.filter((e) => e.type === 'user.updated' && e.payload.is_active === false).map((e) => e.entity_id);

  it('1. keep/keep: users missing from the directory are untouched, nothing is disabled or deleted', async () => {
    const before = await fixture({ user: 'keep', admin: 'keep' });
    directoryOf(app).configure({ target: 'users' });
    await runSync(app);
    const users = await usersByName(app);
    expect(users.get('user1')!.is_active).toBe(true);
    expect(users.get('user2')!.is_active).toBe(true);
    const events = await eventsAfter(app, before);
    expect(deletedIds(events)).toEqual([]);
    // testuserdisabled is inactive in the directory: that is not a "missing" user.
    expect(disabledIds(events)).toEqual([users.get('testuserdisabled')!.id]);
  });

  it('2. delete/keep: the missing non-admin user2 is deleted; admin user1 and testuser stay', async () => {
    const before = await fixture({ user: 'delete', admin: 'keep' });
    const user2 = (await usersByName(app)).get('user2')!.id;
    await runSync(app);
    const users = await usersByName(app);
    expect(users.has('user2')).toBe(false);
    expect(users.has('user1')).toBe(true);
    expect(users.has('testuser')).toBe(true);
    expect(deletedIds(await eventsAfter(app, before))).toEqual([user2]);
  });

  it('3. keep/delete with admins user1 and user3: exactly one of them is deleted; user2 stays', async () => {
    const before = await fixture({ user: 'keep', admin: 'delete' }, ['user3']);
    await runSync(app);
    const users = await usersByName(app);
    expect([users.has('user1'), users.has('user3')].filter(Boolean)).toHaveLength(1);
    expect(users.has('user2')).toBe(true);
    expect(deletedIds(await eventsAfter(app, before))).toHaveLength(1);
    expect(await activeAdmins(app)).toHaveLength(1);
  });

  it('4. delete/delete: user2 and exactly one of the two admins are deleted; testuser stays', async () => {
    const before = await fixture({ user: 'delete', admin: 'delete' }, ['user3']);
    await runSync(app);
    const users = await usersByName(app);
    expect(users.has('user2')).toBe(false);
    expect([users.has('user1'), users.has('user3')].filter(Boolean)).toHaveLength(1);
    expect(users.has('testuser')).toBe(true);
    expect(deletedIds(await eventsAfter(app, before))).toHaveLength(2);
  });

  it('5. disable/keep: user2 (missing) and testuserdisabled (inactive in the directory) are disabled; user1 and testuser stay active', async () => {
    const before = await fixture({ user: 'disable', admin: 'keep' });
    await runSync(app);
    const users = await usersByName(app);
    expect(users.get('user2')!.is_active).toBe(false);
    expect(users.get('testuserdisabled')!.is_active).toBe(false);
    expect(users.get('user1')!.is_active).toBe(true);
    expect(users.get('testuser')!.is_active).toBe(true);
    expect(disabledIds(await eventsAfter(app, before)).sort()).toEqual([users.get('user2')!.id, users.get('testuserdisabled')!.id].sort());
  });

  it('6. keep/disable with admins user1 and user3: exactly one is disabled; user2 stays active; testuserdisabled is disabled', async () => {
    const before = await fixture({ user: 'keep', admin: 'disable' }, ['user3']);
    await runSync(app);
    const users = await usersByName(app);
    expect([users.get('user1')!.is_active, users.get('user3')!.is_active].filter((a) => !a)).toHaveLength(1);
    expect(users.get('user2')!.is_active).toBe(true);
    expect(users.get('testuserdisabled')!.is_active).toBe(false);
    expect(disabledIds(await eventsAfter(app, before))).toHaveLength(2);
  });

  it('7. the full group sync puts testuser, testuser2 and testuserdisabled in group1..group3', async () => {
    await fixture({ user: 'keep', admin: 'keep' });
    await runSync(app);
    const users = await usersByName(app);
    for (const name of ['testuser', 'testuser2', 'testuserdisabled']) expect(users.get(name)!.groups).toEqual(['group1', 'group2', 'group3']);
  });

  it('8. the login-time refresh gives testuser exactly its directory groups (group1)', async () => {
    await fixture({ user: 'keep', admin: 'keep' });
    directoryOf(app).set({ users: [{ email: 'testuser@email.com' }], groups: { group1: ['testuser@email.com'], group2: [] } });
    const testuser = (await usersByName(app)).get('testuser')!;
    await addToGroup(app, testuser.id, 'local-group');
    const result = await engineOf(app).refreshUserGroups(testuser.id);
    expect(result).toMatchObject({ outcome: 'applied', counts: { membershipsAdded: 1, membershipsRemoved: 1 } });
    expect((await usersByName(app)).get('testuser')!.groups).toEqual(['group1']);
  });

  it('8b. the login-time refresh never strips the last active admin of the admin group (Defguard had no guard there)', async () => {
    await fixture({ user: 'keep', admin: 'keep' });
    const users = await usersByName(app);
    await app.db.query('DELETE FROM group_memberships WHERE user_id = $1', [users.get('user1')!.id]);
    await addToGroup(app, users.get('testuser')!.id, 'admin');
    directoryOf(app).set({ users: [{ email: 'testuser@email.com' }], groups: { group1: ['testuser@email.com'] } });
    const result = await engineOf(app).refreshUserGroups(users.get('testuser')!.id);
    expect(result.outcome).toBe('applied');
    expect((await usersByName(app)).get('testuser')!.groups).toEqual(['admin', 'group1']);
    expect(await activeAdmins(app)).toEqual(['testuser']);
  });

  it('8c. the login-time refresh honours sync target "users": groups are left alone (Defguard #3516)', async () => {
    await fixture({ user: 'keep', admin: 'keep' });
    directoryOf(app).configure({ target: 'users' });
    directoryOf(app).set({ users: [{ email: 'testuser@email.com' }], groups: { group1: ['testuser@email.com'] } });
    const testuser = (await usersByName(app)).get('testuser')!;
    await addToGroup(app, testuser.id, 'local-group');
    const result = await engineOf(app).refreshUserGroups(testuser.id);
    expect(result).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/target is users/) });
    expect((await usersByName(app)).get('testuser')!.groups).toEqual(['local-group']);
  });

  it('9. target users: a full run leaves groups alone', async () => {
    await fixture({ user: 'keep', admin: 'keep' });
    directoryOf(app).configure({ target: 'users' });
    await runSync(app);
    expect((await usersByName(app)).get('testuser')!.groups).toEqual([]);
  });

  it('10. target all: testuser gains three groups and the missing user2 is deleted (delete behaviour)', async () => {
    const before = await fixture({ user: 'delete', admin: 'keep' });
    const user2 = (await usersByName(app)).get('user2')!.id;
    await runSync(app);
    const users = await usersByName(app);
    expect(users.get('testuser')!.groups).toEqual(['group1', 'group2', 'group3']);
    expect(users.has('user2')).toBe(false);
    const events = await eventsAfter(app, before);
    expect(deletedIds(events)).toEqual([user2]);
    // Nothing was created for the deleted user afterwards (Defguard: no DeviceCreated follows).
    expect(events.filter((e) => e.type === 'user.created')).toEqual([]);
  });

  it('11. target groups: testuser gains three groups and the missing user2 is not deleted', async () => {
    await fixture({ user: 'delete', admin: 'delete' });
    directoryOf(app).configure({ target: 'groups' });
    await runSync(app);
    const users = await usersByName(app);
    expect(users.get('testuser')!.groups).toEqual(['group1', 'group2', 'group3']);
    expect(users.has('user2')).toBe(true);
  });

  it('12. unassigning the admin group never removes the last admin', async () => {
    await fixture({ user: 'keep', admin: 'keep' });
    const users = await usersByName(app);
    // Only testuser is admin (user1 leaves the admin role for this case) and the directory's groups lack "admin".
    await app.db.query(`DELETE FROM group_memberships WHERE user_id = $1`, [users.get('user1')!.id]);
    await addToGroup(app, users.get('testuser')!.id, 'admin');
    await runSync(app);
    expect(await activeAdmins(app)).toEqual(['testuser']);

    // Two admins, both about to lose the admin group: exactly one remains.
    await addToGroup(app, users.get('testuser2')!.id, 'admin');
    await runSync(app);
    expect(await activeAdmins(app)).toHaveLength(1);

    // A third admin "defguard" not in the directory (kept): the sync still succeeds.
    await makeUser(app, 'defguard', { groups: ['admin'] });
    const run = await runSync(app);
    expect(run.status).toBe('SUCCEEDED');
    expect(await activeAdmins(app)).toContain('defguard');
  });

  it('13. the last admin "defguard", missing with delete/delete, survives; once no longer admin, it is deleted', async () => {
    await fixture({ user: 'delete', admin: 'delete' });
    const users = await usersByName(app);
    await app.db.query(`DELETE FROM users WHERE username IN ('user1')`);
    const defguard = await makeUser(app, 'defguard', { groups: ['admin'] });
    const run = await runSync(app);
    expect(run.errors.join('\n')).toMatch(/skipped user.delete of defguard: .*last active admin/);
    expect((await usersByName(app)).has('defguard')).toBe(true);

    await app.db.query(`DELETE FROM group_memberships WHERE user_id = $1`, [defguard.id]);
    await runSync(app);
    expect((await usersByName(app)).has('defguard')).toBe(false);
    expect(users.size).toBeGreaterThan(0);
  });

  it('14. prefetch off on an empty database: no account is created and no event appended', async () => {
    await resetState(app);
    defguardDirectory(directoryOf(app));
    await runSync(app);
    expect((await usersByName(app)).size).toBe(0);
    // Groups are created by name as the directory has them, but no account joins them.
    expect((await eventsAfter(app, 0)).filter((e) => e.type.startsWith('user.') || e.type.startsWith('membership.'))).toEqual([]);
  });

  it('15. prefetch on: all three directory users are created, the inactive one as inactive', async () => {
    await resetState(app);
    defguardDirectory(directoryOf(app));
    directoryOf(app).configure({ prefetchUsers: true });
    const run = await runSync(app);
    expect(run.counts.users_created).toBe(3);
    const users = await usersByName(app);
    expect([...users.keys()].sort()).toEqual(['testuser', 'testuser2', 'testuserdisabled']);
    expect(users.get('testuserdisabled')!.is_active).toBe(false);
    expect(users.get('testuser')!.groups).toEqual(['group1', 'group2', 'group3']);
    const sources = await app.db.query<{ source: string; directory_id: string }>('SELECT source, directory_id FROM users');
    expect(sources.every((u) => u.source === 'DIRECTORY' && u.directory_id.startsWith('dir-'))).toBe(true);
    expect((await eventsAfter(app, 0)).filter((e) => e.type === 'user.created')).toHaveLength(3);
  });
});
