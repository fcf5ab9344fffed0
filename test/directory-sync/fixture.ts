import request from 'supertest';
import { TestDirectory } from '../../src/directory-sync/providers/test-directory.provider';
import { SyncEngineService } from '../../src/directory-sync/sync-engine.service';
import { GroupsService } from '../../src/users/groups.service';
import { UserSource } from '../../src/users/user-response';
import { UsersService } from '../../src/users/users.service';
import { startTestApp, TestApp } from '../support/app';
import { TestDatabase } from '../support/database';

/** The service with the in-memory test directory and no schedule (tests trigger every run). */
export function startSyncApp(options: { db?: TestDatabase; env?: Record<string, string> } = {}): Promise<TestApp> {
  return startTestApp({ db: options.db, env: { DIRECTORY_SYNC_TEST_PROVIDER: 'memory', DIRECTORY_SYNC_SCHEDULER: 'false', ...options.env } });
}

export const directoryOf = (app: TestApp) => app.app.get(TestDirectory);
export const engineOf = (app: TestApp) => app.app.get(SyncEngineService);

/** Empties every table sync reads or writes, so each test starts from nothing. */
export async function resetState(app: TestApp): Promise<void> {
  await app.db.query('TRUNCATE users, groups, group_memberships, change_events, sync_runs, sync_settings CASCADE');
  directoryOf(app).reset();
}

/** Sync settings through the admin REST API. */
export async function putSettings(app: TestApp, settings: Record<string, unknown>) {
  return request(app.httpUrl).put('/api/v1/directory_sync/settings').set('Authorization', app.adminAuth).send(settings).expect(200);
}

/** POST /api/v1/directory_sync/run; resolves with the run record. */
export async function runSync(app: TestApp, body: { dry_run?: boolean; force?: boolean; mode?: 'full' | 'incremental' } = {}) {
  return (await request(app.httpUrl).post('/api/v1/directory_sync/run').set('Authorization', app.adminAuth).send(body).expect(200)).body;
}

/** An account as if it had signed in through the provider (source OIDC), email <name>@email.com. */
export async function makeUser(app: TestApp, name: string, options: { groups?: string[]; source?: UserSource; active?: boolean } = {}) {
  const user = await app.app.get(UsersService).createUser({ username: name, email: `${name}@email.com`, is_active: options.active ?? true }, { source: options.source ?? 'OIDC' });
  for (const group of options.groups ?? []) await addToGroup(app, user.id, group);
  return user;
}

export async function ensureGroup(app: TestApp, name: string, isAdmin = false) {
  const groups = app.app.get(GroupsService);
  return (await groups.getByName(name)) ?? groups.createGroup({ name, is_admin: isAdmin });
}

export async function addToGroup(app: TestApp, userId: string, groupName: string) {
  const group = await ensureGroup(app, groupName, groupName === 'admin');
  await app.app.get(GroupsService).addUserToGroup(userId, group.id);
}

export async function usersByName(app: TestApp): Promise<Map<string, { id: string; is_active: boolean; groups: string[] }>> {
  const rows = await app.db.query<{ id: string; username: string; is_active: boolean; groups: string[] }>(
    `SELECT u.id, u.username, u.is_active, coalesce(array_agg(g.name ORDER BY g.name) FILTER (WHERE g.name IS NOT NULL), '{}') AS groups
     FROM users u LEFT JOIN group_memberships m ON m.user_id = u.id LEFT JOIN groups g ON g.id = m.group_id GROUP BY u.id`,
  );
  return new Map(rows.map((r) => [r.username, r]));
}

export async function activeAdmins(app: TestApp): Promise<string[]> {
  const rows = await app.db.query<{ username: string }>(
    `SELECT DISTINCT u.username FROM users u JOIN group_memberships m ON m.user_id = u.id JOIN groups g ON g.id = m.group_id WHERE g.is_admin AND u.is_active ORDER BY 1`,
  );
  return rows.map((r) => r.username);
}

export async function latestSequence(app: TestApp): Promise<number> {
  return Number((await app.db.query<{ s: string }>('SELECT coalesce(max(sequence), 0) AS s FROM change_events'))[0].s);
}

/** Change-feed events after `sequence`: what core would act on. */
export async function eventsAfter(app: TestApp, sequence: number) {
  return app.db.query<{ type: string; entity_id: string; payload: any }>('SELECT type, entity_id, payload FROM change_events WHERE sequence > $1 ORDER BY sequence', [sequence]);
}

/**
 * Defguard's fixture (reference §6.9): testuser (active), testuserdisabled (inactive), testuser2
 * (active); group1..group3 each holding all three.
 */
export function defguardDirectory(directory: TestDirectory): void {
  const all = ['testuser@email.com', 'testuserdisabled@email.com', 'testuser2@email.com'];
  directory.set({
    users: [
      { email: 'testuser@email.com', firstName: 'Test', lastName: 'User' },
      { email: 'testuserdisabled@email.com', active: false, firstName: 'Test', lastName: 'Disabled' },
      { email: 'testuser2@email.com', firstName: 'Test', lastName: 'User2' },
    ],
    groups: { group1: all, group2: all, group3: all },
  });
  directory.configure({ intervalSeconds: 60, syncEnabled: true });
}

/**
 * What sync wrote, in comparable form (no generated ids): users by username with their details,
 * state and directory id; groups by name; memberships as "username/group".
 */
export async function syncedState(app: TestApp) {
  const users = await app.db.query<{ username: string; email: string; first_name: string; last_name: string; is_active: boolean; directory_id: string | null }>(`SELECT username, email, first_name, last_name, is_active, directory_id FROM users ORDER BY username`);
  const groups = (await app.db.query<{ name: string }>(`SELECT name FROM groups ORDER BY name`)).map((g) => g.name);
  const memberships = (
    await app.db.query<{ m: string }>(`SELECT u.username || '/' || g.name AS m FROM group_memberships x JOIN users u ON u.id = x.user_id JOIN groups g ON g.id = x.group_id ORDER BY 1`)
  ).map((r) => r.m);
  return { users, groups, memberships };
}
