import { status as GrpcStatus } from '@grpc/grpc-js';
import { DataSource } from 'typeorm';
import { BulkUsersService } from '../../src/users/bulk-users.service';
import { LastAdminGuard } from '../../src/users/last-admin.guard';
import { UsersService } from '../../src/users/users.service';
import { startTestApp, TestApp } from '../support/app';
import { grpcClient, GrpcTestClient } from '../support/grpc-client';
import { createAdmin, createGroup, createUser } from './factories';

const LAST_ADMIN = expect.objectContaining({ code: GrpcStatus.FAILED_PRECONDITION, details: expect.stringContaining('would remove the last active admin') });

describe('the last active admin is kept on every path', () => {
  let app: TestApp;
  let sut: GrpcTestClient;
  let adminGroup: { id: string };

  const activeAdmins = async () =>
    (
      await app.db.query<{ n: number }>(
        `SELECT count(DISTINCT u.id)::int AS n FROM users u JOIN group_memberships m ON m.user_id = u.id JOIN groups g ON g.id = m.group_id WHERE g.is_admin AND u.is_active`,
      )
    )[0].n;
  const eventCount = async () => (await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM change_events'))[0].n;

  beforeAll(async () => {
    app = await startTestApp();
    sut = grpcClient('UserService', app.grpcAddress, app.config.coreGrpcToken);
  });

  afterAll(async () => {
    sut?.close();
    await app?.stop();
  });

  beforeEach(async () => {
    await app.db.query('TRUNCATE users, groups CASCADE');
    adminGroup = await createGroup(sut, 'admins', true);
  });

  describe('with one active admin', () => {
    let admin: { id: string };
    beforeEach(async () => {
      admin = await createAdmin(sut, adminGroup.id);
    });

    it('refuses to delete them, and writes nothing', async () => {
      const events = await eventCount();
      await expect(sut.call('DeleteUser', { id: admin.id })).rejects.toEqual(LAST_ADMIN);
      expect((await sut.call('GetUser', { id: admin.id })).user.is_admin).toBe(true);
      expect(await eventCount()).toBe(events);
    });

    it('refuses to disable them, and keeps the rest of the update unapplied', async () => {
      await expect(sut.call('UpdateUser', { id: admin.id, is_active: false, first_name: 'Changed' })).rejects.toEqual(LAST_ADMIN);
      expect((await sut.call('GetUser', { id: admin.id })).user).toMatchObject({ is_active: true, first_name: 'Ann' });
    });

    it('refuses to remove them from the admin group', async () => {
      await expect(sut.call('RemoveUserFromGroup', { user_id: admin.id, group_id: adminGroup.id })).rejects.toEqual(LAST_ADMIN);
    });

    it('refuses to delete the admin group', async () => {
      await expect(sut.call('DeleteGroup', { id: adminGroup.id })).rejects.toEqual(LAST_ADMIN);
    });

    it('allows leaving the admin group when another admin group still holds them', async () => {
      const second = await createGroup(sut, 'admins-2', true);
      await sut.call('AddUserToGroup', { user_id: admin.id, group_id: second.id });
      await expect(sut.call('RemoveUserFromGroup', { user_id: admin.id, group_id: adminGroup.id })).resolves.toEqual({ removed: true });
      await expect(sut.call('DeleteGroup', { id: second.id })).rejects.toEqual(LAST_ADMIN);
    });

    it('refuses every bulk (directory sync) path and rolls back the whole plan', async () => {
      const bulk = app.app.get(BulkUsersService);
      const dataSource = app.app.get(DataSource);
      const other = await createUser(sut);
      const plans = [
        (m: never) => bulk.deleteUsers(m, [admin.id]),
        (m: never) => bulk.setActive(m, [admin.id], false),
        (m: never) => bulk.removeMemberships(m, [{ userId: admin.id, groupId: adminGroup.id }]),
      ];
      for (const plan of plans) {
        await expect(
          dataSource.transaction(async (manager) => {
            await bulk.setActive(manager, [other.id], false);
            await plan(manager as never);
          }),
        ).rejects.toMatchObject({ code: 'last_admin' });
      }
      expect((await sut.call('GetUser', { id: other.id })).user.is_active).toBe(true);
      expect(await activeAdmins()).toBe(1);
    });
  });

  it('lets directory sync skip, not fail: exactly one of two admins is deleted', async () => {
    const first = await createAdmin(sut, adminGroup.id);
    const second = await createAdmin(sut, adminGroup.id);
    const guard = app.app.get(LastAdminGuard);
    const bulk = app.app.get(BulkUsersService);
    const deleted = await app.app.get(DataSource).transaction(async (manager) => {
      const { removable, mustKeep } = await guard.splitRemovableAdmins(manager, [first.id, second.id]);
      expect(mustKeep).toEqual([first.id]);
      return bulk.deleteUsers(manager, removable);
    });
    expect(deleted.map((u) => u.id)).toEqual([second.id]);
    expect(await activeAdmins()).toBe(1);
  });

  it('removes an admin freely while another active admin remains', async () => {
    const first = await createAdmin(sut, adminGroup.id);
    await createAdmin(sut, adminGroup.id);
    await sut.call('DeleteUser', { id: first.id });
    expect(await activeAdmins()).toBe(1);
  });

  it('does not count a disabled member of an admin group as an admin', async () => {
    const active = await createAdmin(sut, adminGroup.id);
    const disabled = await createUser(sut, { is_active: false });
    await sut.call('AddUserToGroup', { user_id: disabled.id, group_id: adminGroup.id });
    await expect(sut.call('DeleteUser', { id: active.id })).rejects.toEqual(LAST_ADMIN);
  });

  it('allows anything while there has never been an admin', async () => {
    const user = await createUser(sut);
    await sut.call('UpdateUser', { id: user.id, is_active: false });
    await sut.call('DeleteUser', { id: user.id });
    await sut.call('DeleteGroup', { id: adminGroup.id });
  });

  it('lets only one of two concurrent removals of the two last admins succeed', async () => {
    // Different paths racing on different admins, many rounds: without the lock both would
    // count two admins before either commits, and both would succeed.
    const removals: [string, (a: { id: string }) => object][] = [
      ['DeleteUser', (a) => ({ id: a.id })],
      ['UpdateUser', (a) => ({ id: a.id, is_active: false })],
      ['RemoveUserFromGroup', (a) => ({ user_id: a.id, group_id: adminGroup.id })],
    ];
    const other = grpcClient('UserService', app.grpcAddress, app.config.coreGrpcToken);
    try {
      for (let round = 0; round < 9; round++) {
        const [a, b] = [await createAdmin(sut, adminGroup.id), await createAdmin(sut, adminGroup.id)];
        const [methodA, bodyA] = removals[round % 3];
        const [methodB, bodyB] = removals[Math.floor(round / 3)];
        const results = await Promise.allSettled([sut.call(methodA, bodyA(a)), other.call(methodB, bodyB(b))]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: LAST_ADMIN });
        expect(await activeAdmins()).toBe(1);
        await app.db.query('TRUNCATE users CASCADE');
      }
    } finally {
      other.close();
    }
  });
});
