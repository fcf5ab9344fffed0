import { DirectorySnapshot, SnapshotUser } from './sync-snapshot';

/**
 * computeSyncPlan: the pure heart of directory sync. Given the directory's snapshot, the stored
 * accounts and the admin's policy it says what should change, and why, without touching
 * anything. Guards (sync-guards.ts) then remove what must not be applied in this run.
 *
 * Semantics are Defguard's (reference §6.6) with the defects of §6.8 fixed:
 * - matching is by stored directory id, then OIDC subject, then email compared case-insensitively
 *   and exactly (Defguard: case-sensitive in bulk, ILIKE alone);
 * - LOCAL accounts (created by hand in core) are left alone unless `manageLocalUsers` is on
 *   (Defguard issue #1623);
 * - memberships are made equal to the directory's for every directory-managed account,
 *   including accounts in no directory group (Defguard skipped those);
 * - prefetch works for every provider, and creates inactive directory users as inactive.
 *
 * An INCREMENTAL snapshot (snapshot.mode) holds only what changed: its users get their updates,
 * enables and disables (an inactive or deprovisioned status is a positive statement, not
 * absence), but no account is treated as missing; each listed group's memberships are made equal
 * to its member list, and no other group is touched.
 */

export type SyncTarget = 'all' | 'users' | 'groups';
export type MissingUserBehavior = 'keep' | 'disable' | 'delete';
export type UserSource = 'LOCAL' | 'OIDC' | 'DIRECTORY';

export interface StoredUser {
  id: string;
  username: string;
  email: string;
  directoryId: string | null;
  subject: string | null;
  source: UserSource;
  isActive: boolean;
  firstName: string;
  lastName: string;
  phone: string | null;
  groupIds: string[];
}

export interface StoredGroup {
  id: string;
  name: string;
  isAdmin: boolean;
  directoryId: string | null;
}

export interface StoredState {
  users: StoredUser[];
  groups: StoredGroup[];
}

export interface SyncPolicy {
  target: SyncTarget;
  userBehavior: MissingUserBehavior;
  adminBehavior: MissingUserBehavior;
  prefetchUsers: boolean;
  manageLocalUsers: boolean;
  /** Username candidate for a created account (Defguard: the email's cleaned local part); '' if none. */
  deriveUsername(user: SnapshotUser): string;
}

export interface UserRef {
  userId: string;
  username: string;
  email: string;
}

export interface PlannedUserCreate {
  directoryId: string;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  phone: string | null;
  active: boolean;
  reason: string;
}

export interface UserFieldChanges {
  directoryId?: string;
  email?: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
}

export interface PlannedUserUpdate extends UserRef {
  changes: UserFieldChanges;
  /** The whole profile after the change (bulk updates write it as one row). */
  profile: { email: string; firstName: string; lastName: string; phone: string | null; directoryId: string | null };
  reason: string;
}

export interface PlannedUserChange extends UserRef {
  reason: string;
}

export interface PlannedMembership {
  /** Null for an account this run creates (then `directoryId` names it). */
  userId: string | null;
  directoryId: string | null;
  username: string;
  email: string;
  /** Null for a group this run creates. */
  groupId: string | null;
  groupName: string;
  reason: string;
}

export interface PlannedGroupCreate {
  name: string;
  directoryId: string;
}

export type SyncAction =
  | 'user.create'
  | 'user.update'
  | 'user.enable'
  | 'user.disable'
  | 'user.delete'
  | 'group.create'
  | 'membership.add'
  | 'membership.remove';

/** A change the plan wanted but a rule held back; recorded on the run so the admin sees it. */
export interface SkippedChange {
  action: SyncAction;
  userId?: string | null;
  username?: string;
  email?: string | null;
  groupName?: string;
  reason: string;
}

export interface SyncPlan {
  usersToCreate: PlannedUserCreate[];
  usersToUpdate: PlannedUserUpdate[];
  usersToEnable: PlannedUserChange[];
  usersToDisable: PlannedUserChange[];
  usersToDelete: PlannedUserChange[];
  groupsToCreate: PlannedGroupCreate[];
  membershipsToAdd: PlannedMembership[];
  membershipsToRemove: PlannedMembership[];
  skipped: SkippedChange[];
  /** Accounts sync manages (the base of the deletion threshold's percentage). */
  managedAccounts: number;
}

export interface SyncCounts {
  usersCreated: number;
  usersUpdated: number;
  usersEnabled: number;
  usersDisabled: number;
  usersDeleted: number;
  groupsCreated: number;
  membershipsAdded: number;
  membershipsRemoved: number;
}

export const REASON = {
  prefetch: 'in the directory, no account yet; prefetch is on',
  link: 'matched to the directory user',
  details: 'details changed in the directory',
  inactiveInDirectory: 'inactive in the directory',
  activeInDirectory: 'active in the directory',
  inDirectoryGroup: 'member of the directory group',
  noAccountYet: 'member of a changed directory group with no account yet; the next full run creates it',
  notInDirectoryGroup: 'not a member of this group in the directory',
  groupNeeded: 'directory group with no group of that name yet',
  missing: (behavior: MissingUserBehavior, admin: boolean) =>
    `missing from directory; ${admin ? 'admin' : 'user'} behavior: ${behavior}`,
} as const;

export function emptyPlan(): SyncPlan {
  return {
    usersToCreate: [],
    usersToUpdate: [],
    usersToEnable: [],
    usersToDisable: [],
    usersToDelete: [],
    groupsToCreate: [],
    membershipsToAdd: [],
    membershipsToRemove: [],
    skipped: [],
    managedAccounts: 0,
  };
}

export function countPlan(plan: SyncPlan): SyncCounts {
  return {
    usersCreated: plan.usersToCreate.length,
    usersUpdated: plan.usersToUpdate.length,
    usersEnabled: plan.usersToEnable.length,
    usersDisabled: plan.usersToDisable.length,
    usersDeleted: plan.usersToDelete.length,
    groupsCreated: plan.groupsToCreate.length,
    membershipsAdded: plan.membershipsToAdd.length,
    membershipsRemoved: plan.membershipsToRemove.length,
  };
}

export function planIsEmpty(plan: SyncPlan): boolean {
  return Object.values(countPlan(plan)).every((n) => n === 0);
}

/** Whether `user` belongs to any admin group of `adminGroupIds`. */
export function isAdminUser(user: Pick<StoredUser, 'groupIds'>, adminGroupIds: ReadonlySet<string>): boolean {
  return user.groupIds.some((id) => adminGroupIds.has(id));
}

/** Accounts sync may touch: everything not created by hand, and LOCAL ones only when opted in. */
export function isManaged(user: Pick<StoredUser, 'source'>, policy: Pick<SyncPolicy, 'manageLocalUsers'>): boolean {
  return user.source !== 'LOCAL' || policy.manageLocalUsers;
}

interface Match {
  stored: StoredUser;
  directory: SnapshotUser;
}

/**
 * Pairs directory users with accounts in three passes (directory id, subject, email), so an
 * account linked by id is never taken over by another directory user's email.
 */
function matchUsers(snapshot: DirectorySnapshot, stored: StoredState, policy: SyncPolicy): { matches: Match[]; matchedIds: Set<string>; unmatched: SnapshotUser[] } {
  const managed = stored.users.filter((u) => isManaged(u, policy));
  const directoryIds = new Set(snapshot.users.map((u) => u.id));
  const incremental = snapshot.mode === 'incremental';
  const byDirectoryId = new Map<string, StoredUser>();
  const bySubject = new Map<string, StoredUser>();
  const byEmail = new Map<string, StoredUser>();
  for (const user of managed) {
    if (user.directoryId) byDirectoryId.set(user.directoryId, user);
    // An account linked to a directory user that still exists must not be re-linked to another.
    // An incremental snapshot cannot tell whether it does: a linked account is never re-linked.
    const linkable = !user.directoryId || (!incremental && !directoryIds.has(user.directoryId));
    if (!linkable) continue;
    if (user.subject) bySubject.set(user.subject, user);
    byEmail.set(user.email.toLowerCase(), user);
  }

  const taken = new Set<string>();
  const matchOf = new Map<string, StoredUser>();
  const passes: ((d: SnapshotUser) => StoredUser | undefined)[] = [
    (d) => byDirectoryId.get(d.id),
    (d) => bySubject.get(d.id),
    (d) => (d.emailKey ? byEmail.get(d.emailKey) : undefined),
  ];
  for (const pass of passes) {
    for (const d of snapshot.users) {
      if (matchOf.has(d.id)) continue;
      const candidate = pass(d);
      if (candidate && !taken.has(candidate.id)) {
        taken.add(candidate.id);
        matchOf.set(d.id, candidate);
      }
    }
  }
  const matches: Match[] = [];
  const unmatched: SnapshotUser[] = [];
  for (const d of snapshot.users) {
    const s = matchOf.get(d.id);
    if (s) matches.push({ stored: s, directory: d });
    else unmatched.push(d);
  }
  return { matches, matchedIds: taken, unmatched };
}

function fieldChanges(stored: StoredUser, d: SnapshotUser, emailOwners: Map<string, string>, skipped: SkippedChange[]): UserFieldChanges {
  const changes: UserFieldChanges = {};
  if (stored.directoryId !== d.id) changes.directoryId = d.id;
  // Details follow the directory when it has a value (Defguard never updated them: #1692).
  if (d.email && d.email !== stored.email) {
    const owner = emailOwners.get(d.emailKey!);
    if (owner && owner !== stored.id) {
      skipped.push({ action: 'user.update', userId: stored.id, username: stored.username, email: stored.email, reason: `the directory email ${d.email} belongs to another account` });
    } else {
      changes.email = d.email;
    }
  }
  if (d.firstName && d.firstName !== stored.firstName) changes.firstName = d.firstName;
  if (d.lastName && d.lastName !== stored.lastName) changes.lastName = d.lastName;
  if (d.phone && d.phone !== stored.phone) changes.phone = d.phone;
  return changes;
}

function uniqueUsername(candidate: string, used: Set<string>): string {
  if (!used.has(candidate)) return candidate;
  for (let n = 2; ; n++) {
    const suffix = String(n);
    const name = candidate.slice(0, 64 - suffix.length) + suffix;
    if (!used.has(name)) return name;
  }
}

export function computeSyncPlan(snapshot: DirectorySnapshot, stored: StoredState, policy: SyncPolicy): SyncPlan {
  const plan = emptyPlan();
  const syncState = policy.target !== 'groups' && snapshot.listed.users;
  const syncGroups = policy.target !== 'users' && snapshot.listed.groups;
  const adminGroupIds = new Set(stored.groups.filter((g) => g.isAdmin).map((g) => g.id));
  const emailOwners = new Map(stored.users.map((u) => [u.email.toLowerCase(), u.id]));
  const storedById = new Map(stored.users.map((u) => [u.id, u]));
  plan.managedAccounts = stored.users.filter((u) => isManaged(u, policy)).length;

  const { matches, matchedIds, unmatched } = matchUsers(snapshot, stored, policy);

  for (const { stored: s, directory: d } of matches) {
    const changes = fieldChanges(s, d, emailOwners, plan.skipped);
    if (Object.keys(changes).length > 0) {
      const reason = changes.directoryId && s.directoryId === null ? REASON.link : REASON.details;
      const profile = {
        email: changes.email ?? s.email,
        firstName: changes.firstName ?? s.firstName,
        lastName: changes.lastName ?? s.lastName,
        phone: changes.phone ?? s.phone,
        directoryId: changes.directoryId ?? s.directoryId,
      };
      plan.usersToUpdate.push({ userId: s.id, username: s.username, email: s.email, changes, profile, reason });
    }
    if (!syncState) continue;
    if (d.active && !s.isActive) plan.usersToEnable.push({ userId: s.id, username: s.username, email: s.email, reason: REASON.activeInDirectory });
    if (!d.active && s.isActive) plan.usersToDisable.push({ userId: s.id, username: s.username, email: s.email, reason: REASON.inactiveInDirectory });
  }

  // Accounts created this run, by directory id (memberships of created users refer to them).
  const created = new Map<string, PlannedUserCreate>();
  if (syncState && policy.prefetchUsers) {
    const usedNames = new Set(stored.users.map((u) => u.username));
    for (const d of unmatched) {
      if (!d.email || !d.emailKey) {
        plan.skipped.push({ action: 'user.create', reason: `directory user ${d.id} has no email` });
        continue;
      }
      const ownerId = emailOwners.get(d.emailKey);
      if (ownerId) {
        // A LOCAL account (manage local users off), or one linked to another directory user.
        const owner = storedById.get(ownerId)!;
        const reason = isManaged(owner, policy)
          ? `the email belongs to account ${owner.username}, which is linked to another directory user`
          : 'the email belongs to a local account and managing local accounts is off';
        plan.skipped.push({ action: 'user.create', email: d.email, reason });
        continue;
      }
      const candidate = policy.deriveUsername(d);
      if (!candidate) {
        plan.skipped.push({ action: 'user.create', email: d.email, reason: 'no valid username can be derived from the email' });
        continue;
      }
      const username = uniqueUsername(candidate, usedNames);
      usedNames.add(username);
      const create: PlannedUserCreate = { directoryId: d.id, username, email: d.email, firstName: d.firstName, lastName: d.lastName, phone: d.phone, active: d.active, reason: REASON.prefetch };
      created.set(d.id, create);
      plan.usersToCreate.push(create);
    }
  }

  // Missing users exist only for a full snapshot: an incremental one proves no absence.
  if (syncState && snapshot.mode !== 'incremental') {
    for (const s of stored.users) {
      if (matchedIds.has(s.id) || !isManaged(s, policy)) continue;
      const admin = isAdminUser(s, adminGroupIds);
      const behavior = admin ? policy.adminBehavior : policy.userBehavior;
      const change = { userId: s.id, username: s.username, email: s.email, reason: REASON.missing(behavior, admin) };
      if (behavior === 'delete') plan.usersToDelete.push(change);
      else if (behavior === 'disable' && s.isActive) plan.usersToDisable.push(change);
    }
  }

  if (syncGroups && snapshot.mode === 'incremental') planGroupMemberships(plan, snapshot, stored, policy, matches, created);
  else if (syncGroups) planMemberships(plan, snapshot, stored, matches, created);
  return plan;
}

/** Resolves each snapshot group to a stored group (by directory id, then name), or plans it. */
function resolveGroups(plan: SyncPlan, snapshot: DirectorySnapshot, stored: StoredState): { id: string | null; name: string }[] {
  const byDirectoryId = new Map<string, StoredGroup>();
  const byName = new Map<string, StoredGroup>();
  for (const g of stored.groups) {
    if (g.directoryId) byDirectoryId.set(g.directoryId, g);
    byName.set(g.name, g);
  }
  return snapshot.groups.map((g) => {
    const existing = byDirectoryId.get(g.id) ?? byName.get(g.name);
    if (existing) return { id: existing.id as string | null, name: existing.name };
    plan.groupsToCreate.push({ name: g.name, directoryId: g.id });
    return { id: null, name: g.name };
  });
}

/**
 * Incremental memberships: for each changed group, the memberships of directory-linked accounts
 * are made equal to its member list (adds and removals in that group only). Members outside the
 * changed-user listing are found by their stored directory id; one with no account is skipped
 * (the next full run creates it when prefetch is on).
 */
function planGroupMemberships(plan: SyncPlan, snapshot: DirectorySnapshot, stored: StoredState, policy: SyncPolicy, matches: Match[], created: Map<string, PlannedUserCreate>): void {
  const resolved = resolveGroups(plan, snapshot, stored);
  const matchOf = new Map(matches.map((m) => [m.directory.id, m.stored]));
  const byDirectoryId = new Map<string, StoredUser>();
  for (const u of stored.users) if (u.directoryId && isManaged(u, policy)) byDirectoryId.set(u.directoryId, u);
  const seen = new Set<string>();

  snapshot.groups.forEach((g, gi) => {
    const group = resolved[gi];
    const key = group.id ?? `new:${group.name}`;
    // Two directory groups resolving to one stored group: the first one decides (as merged by name).
    if (seen.has(key)) return;
    seen.add(key);
    const wanted = new Map<string, { stored: StoredUser; directoryId: string }>();
    const add = (s: StoredUser, directoryId: string) => wanted.set(s.id, { stored: s, directoryId });
    for (const ui of g.members) {
      const d = snapshot.users[ui];
      const s = matchOf.get(d.id);
      if (s) add(s, d.id);
      else {
        const c = created.get(d.id);
        if (c) plan.membershipsToAdd.push({ userId: null, directoryId: d.id, username: c.username, email: c.email, groupId: group.id, groupName: group.name, reason: REASON.inDirectoryGroup });
      }
    }
    for (const directoryId of g.otherMembers ?? []) {
      const s = byDirectoryId.get(directoryId);
      if (s) add(s, directoryId);
      else if (policy.prefetchUsers) plan.skipped.push({ action: 'membership.add', groupName: group.name, reason: `directory user ${directoryId}: ${REASON.noAccountYet}` });
    }
    for (const { stored: s, directoryId } of wanted.values()) {
      if (!group.id || !s.groupIds.includes(group.id)) {
        plan.membershipsToAdd.push({ userId: s.id, directoryId, username: s.username, email: s.email, groupId: group.id, groupName: group.name, reason: REASON.inDirectoryGroup });
      }
    }
    if (!group.id) return;
    for (const s of stored.users) {
      // Only accounts linked to the directory: the ones a full run would reconcile.
      if (!s.directoryId || !isManaged(s, policy) || wanted.has(s.id) || !s.groupIds.includes(group.id)) continue;
      plan.membershipsToRemove.push({ userId: s.id, directoryId: s.directoryId, username: s.username, email: s.email, groupId: group.id, groupName: group.name, reason: REASON.notInDirectoryGroup });
    }
  });
}

function planMemberships(plan: SyncPlan, snapshot: DirectorySnapshot, stored: StoredState, matches: Match[], created: Map<string, PlannedUserCreate>): void {
  const groupById = new Map(stored.groups.map((g) => [g.id, g]));
  const byDirectoryId = new Map<string, StoredGroup>();
  const byName = new Map<string, StoredGroup>();
  for (const g of stored.groups) {
    if (g.directoryId) byDirectoryId.set(g.directoryId, g);
    byName.set(g.name, g);
  }
  // Each snapshot group resolves to a stored group (by directory id, then name) or a new one.
  const resolved = snapshot.groups.map((g) => {
    const existing = byDirectoryId.get(g.id) ?? byName.get(g.name);
    if (existing) return { id: existing.id as string | null, name: existing.name };
    plan.groupsToCreate.push({ name: g.name, directoryId: g.id });
    return { id: null, name: g.name };
  });

  // Directory user index -> indexes of their (filtered) directory groups.
  const indexOf = new Map(snapshot.users.map((u, i) => [u.id, i]));
  const groupsOfUser: number[][] = snapshot.users.map(() => []);
  snapshot.groups.forEach((g, gi) => {
    for (const ui of g.members) groupsOfUser[ui].push(gi);
  });

  for (const { stored: s, directory: d } of matches) {
    const wanted = groupsOfUser[indexOf.get(d.id)!];
    const wantedIds = new Set<string>();
    for (const gi of wanted) {
      const group = resolved[gi];
      if (group.id) {
        // Two directory groups may resolve to one stored group (one by id, one by name).
        if (wantedIds.has(group.id)) continue;
        wantedIds.add(group.id);
      }
      if (!group.id || !s.groupIds.includes(group.id)) {
        plan.membershipsToAdd.push({ userId: s.id, directoryId: d.id, username: s.username, email: s.email, groupId: group.id, groupName: group.name, reason: REASON.inDirectoryGroup });
      }
    }
    // The directory is authoritative for the accounts it manages, in no directory group included.
    for (const groupId of s.groupIds) {
      if (wantedIds.has(groupId)) continue;
      const group = groupById.get(groupId);
      plan.membershipsToRemove.push({ userId: s.id, directoryId: d.id, username: s.username, email: s.email, groupId, groupName: group?.name ?? groupId, reason: REASON.notInDirectoryGroup });
    }
  }
  for (const [directoryId, c] of created) {
    for (const gi of groupsOfUser[indexOf.get(directoryId)!]) {
      const group = resolved[gi];
      plan.membershipsToAdd.push({ userId: null, directoryId, username: c.username, email: c.email, groupId: group.id, groupName: group.name, reason: REASON.inDirectoryGroup });
    }
  }
}
