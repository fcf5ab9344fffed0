import { EntityManager } from 'typeorm';
import { BulkUsersService } from '../users/bulk-users.service';
import { SyncCounts, SyncPlan } from './sync-plan';

/**
 * Rows handed to one bulk call. The users module builds a response and a change event per row;
 * chunking bounds that transient memory (500k memberships at once cost ~600 MB) while everything
 * stays in one transaction.
 */
const USER_CHUNK = 5_000;
const MEMBERSHIP_CHUNK = 20_000;

async function inChunks<T, R>(items: readonly T[], size: number, work: (chunk: T[]) => Promise<R[]>): Promise<number> {
  let done = 0;
  for (let i = 0; i < items.length; i += size) done += (await work(items.slice(i, i + size))).length;
  return done;
}

/**
 * Applies a guarded plan inside the caller's transaction through the users module's set-based
 * operations (each appends its change events). Additions come before removals, so the number of
 * admins never dips below its final value mid-transaction. Used by full runs and by the
 * login-time refresh of one user's groups alike.
 */
export async function applySyncPlan(manager: EntityManager, plan: SyncPlan, bulk: BulkUsersService): Promise<SyncCounts> {
  const groupIds = new Map<string, string>();
  const needed = plan.membershipsToAdd.filter((m) => m.groupId === null).map((m) => m.groupName);
  if (plan.groupsToCreate.length > 0 || needed.length > 0) {
    const wanted = new Map(plan.groupsToCreate.map((g) => [g.name, g.directoryId as string | null]));
    for (const name of needed) if (!wanted.has(name)) wanted.set(name, null);
    const groups = await bulk.ensureGroups(manager, [...wanted].map(([name, directoryId]) => ({ name, directory_id: directoryId })));
    for (const g of groups) groupIds.set(g.name, g.id);
  }

  const createdIds = new Map<string, string>();
  for (let i = 0; i < plan.usersToCreate.length; i += USER_CHUNK) {
    const chunk = plan.usersToCreate.slice(i, i + USER_CHUNK);
    const created = await bulk.createUsers(
      manager,
      chunk.map((u) => ({
        username: u.username,
        email: u.email,
        first_name: u.firstName,
        last_name: u.lastName,
        phone: u.phone,
        is_active: u.active,
        directory_id: u.directoryId,
      })),
      { source: 'DIRECTORY' },
    );
    const byUsername = new Map(created.map((u) => [u.username, u.id]));
    for (const u of chunk) createdIds.set(u.directoryId, byUsername.get(u.username)!);
  }

  const updated = await inChunks(plan.usersToUpdate, USER_CHUNK, (chunk) =>
    bulk.updateProfiles(
      manager,
      chunk.map((u) => ({
        id: u.userId,
        email: u.profile.email,
        first_name: u.profile.firstName,
        last_name: u.profile.lastName,
        phone: u.profile.phone,
        directory_id: u.profile.directoryId,
      })),
    ),
  );
  const enabled = await inChunks(plan.usersToEnable, USER_CHUNK, (chunk) => bulk.setActive(manager, chunk.map((u) => u.userId), true));

  const keyOf = (m: SyncPlan['membershipsToAdd'][number]) => ({
    userId: m.userId ?? createdIds.get(m.directoryId!)!,
    groupId: m.groupId ?? groupIds.get(m.groupName)!,
  });
  const added = await inChunks(plan.membershipsToAdd, MEMBERSHIP_CHUNK, (chunk) => bulk.addMemberships(manager, chunk.map(keyOf)));
  const removed = await inChunks(plan.membershipsToRemove, MEMBERSHIP_CHUNK, (chunk) => bulk.removeMemberships(manager, chunk.map(keyOf)));
  const disabled = await inChunks(plan.usersToDisable, USER_CHUNK, (chunk) => bulk.setActive(manager, chunk.map((u) => u.userId), false));
  const deleted = await inChunks(plan.usersToDelete, USER_CHUNK, (chunk) => bulk.deleteUsers(manager, chunk.map((u) => u.userId)));

  return {
    usersCreated: createdIds.size,
    usersUpdated: updated,
    usersEnabled: enabled,
    usersDisabled: disabled,
    usersDeleted: deleted,
    groupsCreated: plan.groupsToCreate.length,
    membershipsAdded: added,
    membershipsRemoved: removed,
  };
}
