import { EntityManager } from 'typeorm';
import { BulkUsersService } from '../users/bulk-users.service';
import { SyncCounts, SyncPlan } from './sync-plan';

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
  if (plan.usersToCreate.length > 0) {
    const created = await bulk.createUsers(
      manager,
      plan.usersToCreate.map((u) => ({
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
    for (const u of plan.usersToCreate) createdIds.set(u.directoryId, byUsername.get(u.username)!);
  }

  const updated = plan.usersToUpdate.length
    ? await bulk.updateProfiles(
        manager,
        plan.usersToUpdate.map((u) => ({
          id: u.userId,
          email: u.profile.email,
          first_name: u.profile.firstName,
          last_name: u.profile.lastName,
          phone: u.profile.phone,
          directory_id: u.profile.directoryId,
        })),
      )
    : [];
  const enabled = plan.usersToEnable.length ? await bulk.setActive(manager, plan.usersToEnable.map((u) => u.userId), true) : [];

  const keyOf = (m: SyncPlan['membershipsToAdd'][number]) => ({
    userId: m.userId ?? createdIds.get(m.directoryId!)!,
    groupId: m.groupId ?? groupIds.get(m.groupName)!,
  });
  const added = plan.membershipsToAdd.length ? await bulk.addMemberships(manager, plan.membershipsToAdd.map(keyOf)) : [];
  const removed = plan.membershipsToRemove.length ? await bulk.removeMemberships(manager, plan.membershipsToRemove.map(keyOf)) : [];
  const disabled = plan.usersToDisable.length ? await bulk.setActive(manager, plan.usersToDisable.map((u) => u.userId), false) : [];
  const deleted = plan.usersToDelete.length ? await bulk.deleteUsers(manager, plan.usersToDelete.map((u) => u.userId)) : [];

  return {
    usersCreated: createdIds.size,
    usersUpdated: updated.length,
    usersEnabled: enabled.length,
    usersDisabled: disabled.length,
    usersDeleted: deleted.length,
    groupsCreated: plan.groupsToCreate.length,
    membershipsAdded: added.length,
    membershipsRemoved: removed.length,
  };
}
