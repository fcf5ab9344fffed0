import { isAdminUser, PlannedMembership, PlannedUserChange, SkippedChange, StoredState, SyncPlan } from './sync-plan';

/**
 * The rules that decide what of a plan may be applied in this run. Each is pure: it takes a plan
 * and returns a new one (what it held back goes to `skipped`, with the reason).
 */

/**
 * Fail closed: when any listing failed, timed out or looks truncated, a user absent from the
 * snapshot may only be absent from our copy of it. Nothing is disabled, deleted or removed; creations,
 * enables, links and additions still apply (they never lose data). Reference §6.8: Defguard's
 * silent 10k truncation disabled real users.
 */
export function failClosed(plan: SyncPlan, incomplete: string[]): SyncPlan {
  if (incomplete.length === 0) return plan;
  const reason = `not applied: the directory snapshot is incomplete (${incomplete[0]})`;
  const skipped: SkippedChange[] = [
    ...plan.usersToDisable.map((c) => userSkip('user.disable', c, reason)),
    ...plan.usersToDelete.map((c) => userSkip('user.delete', c, reason)),
    ...plan.membershipsToRemove.map((m) => membershipSkip(m, reason)),
  ];
  return { ...plan, usersToDisable: [], usersToDelete: [], membershipsToRemove: [], skipped: plan.skipped.concat(skipped) };
}

function userSkip(action: SkippedChange['action'], c: PlannedUserChange, reason: string): SkippedChange {
  return { action, userId: c.userId, username: c.username, email: c.email, reason: `${c.reason}; ${reason}` };
}

function membershipSkip(m: PlannedMembership, reason: string): SkippedChange {
  return { action: 'membership.remove', userId: m.userId, username: m.username, email: m.email, groupName: m.groupName, reason: `${m.reason}; ${reason}` };
}

export const LAST_ADMIN_REASON = 'not applied: this is the last active admin';

/**
 * The last-admin invariant on every path (Defguard guarded only two of four: §6.6, issue #3184):
 * if the plan would leave no active admin while one exists now, one admin keeps their account,
 * active flag and admin memberships. The admin kept is the first by username among those the plan
 * would remove, so the outcome is the same on every replica and every run.
 */
export function protectLastAdmin(plan: SyncPlan, stored: StoredState): SyncPlan {
  const adminGroupIds = new Set(stored.groups.filter((g) => g.isAdmin).map((g) => g.id));
  if (adminGroupIds.size === 0) return plan;
  const currentAdmins = stored.users.filter((u) => u.isActive && isAdminUser(u, adminGroupIds));
  if (currentAdmins.length === 0) return plan;

  const deleted = new Set(plan.usersToDelete.map((c) => c.userId));
  const disabled = new Set(plan.usersToDisable.map((c) => c.userId));
  const enabled = new Set(plan.usersToEnable.map((c) => c.userId));
  const removedAdminGroups = new Map<string, Set<string>>();
  for (const m of plan.membershipsToRemove) {
    if (m.userId && m.groupId && adminGroupIds.has(m.groupId)) {
      if (!removedAdminGroups.has(m.userId)) removedAdminGroups.set(m.userId, new Set());
      removedAdminGroups.get(m.userId)!.add(m.groupId);
    }
  }
  const gainsAdmin = new Set(plan.membershipsToAdd.filter((m) => m.userId && m.groupId && adminGroupIds.has(m.groupId)).map((m) => m.userId!));

  const remainsAdmin = stored.users.some((u) => {
    if (deleted.has(u.id)) return false;
    const active = enabled.has(u.id) || (u.isActive && !disabled.has(u.id));
    if (!active) return false;
    const removed = removedAdminGroups.get(u.id);
    return gainsAdmin.has(u.id) || u.groupIds.some((g) => adminGroupIds.has(g) && !removed?.has(g));
  });
  if (remainsAdmin) return plan;

  const keep = [...currentAdmins].sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0))[0];
  const skipped: SkippedChange[] = [];
  const spare = <T extends { userId: string | null }>(list: T[], keepIt: (item: T) => boolean, toSkip: (item: T) => SkippedChange) =>
    list.filter((item) => {
      if (item.userId === keep.id && keepIt(item)) {
        skipped.push(toSkip(item));
        return false;
      }
      return true;
    });
  return {
    ...plan,
    usersToDelete: spare(plan.usersToDelete, () => true, (c) => userSkip('user.delete', c, LAST_ADMIN_REASON)),
    usersToDisable: spare(plan.usersToDisable, () => true, (c) => userSkip('user.disable', c, LAST_ADMIN_REASON)),
    membershipsToRemove: spare(plan.membershipsToRemove, (m) => adminGroupIds.has(m.groupId ?? ''), (m) => membershipSkip(m, LAST_ADMIN_REASON)),
    skipped: plan.skipped.concat(skipped),
  };
}

export interface DeletionThreshold {
  /** Refuse when more than this share of the managed accounts would be disabled or deleted. */
  percent: number;
  /** ... or more than this many, whichever limit is smaller. */
  count: number;
}

export const DEFAULT_DELETION_THRESHOLD: DeletionThreshold = { percent: 10, count: 500 };

export interface ThresholdVerdict {
  exceeded: boolean;
  removals: number;
  limit: number;
  message: string;
}

/**
 * A run that would disable or delete too much is most likely a directory or configuration
 * mistake (a wrong filter, an emptied group, an API answering a subset): stop before any change.
 */
export function checkDeletionThreshold(plan: SyncPlan, threshold: DeletionThreshold): ThresholdVerdict {
  const removals = plan.usersToDisable.length + plan.usersToDelete.length;
  const limit = Math.min(Math.floor((plan.managedAccounts * threshold.percent) / 100), threshold.count);
  const exceeded = removals > limit;
  const message = exceeded
    ? `refused: the run would disable or delete ${removals} of ${plan.managedAccounts} directory-managed accounts; the deletion threshold allows ${limit} (${threshold.percent}% or ${threshold.count}, whichever is smaller). Run again with force to apply.`
    : `${removals} account(s) to disable or delete, within the deletion threshold of ${limit}`;
  return { exceeded, removals, limit, message };
}
