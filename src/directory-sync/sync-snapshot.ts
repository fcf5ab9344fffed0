import { DirectoryGroup, DirectoryMember, DirectoryUser } from './directory-provider';

/**
 * The staging area of one run: the directory's complete answer, normalised and deduplicated,
 * held in memory in a compact form (group members are indexes into `users`, not strings), so
 * 100k users and 500k memberships stay within tens of megabytes.
 */
export interface SnapshotUser {
  id: string;
  email: string | null;
  /** lower(email), the case-insensitive exact key; null without an email. */
  emailKey: string | null;
  active: boolean;
  status: string;
  firstName: string;
  lastName: string;
  phone: string | null;
}

export interface SnapshotGroup {
  id: string;
  name: string;
  type?: string;
  /** Indexes into DirectorySnapshot.users. */
  members: number[];
  /**
   * Incremental runs only: directory ids of members that are not in the (changed) user listing.
   * The plan resolves them to stored accounts by directory id.
   */
  otherMembers?: string[];
}

/**
 * FULL: the snapshot is the whole directory (absence means absent). INCREMENTAL: `users` are the
 * users changed since the high-water mark and `groups` the groups whose profile or membership
 * changed, each with its complete member list; absence from it means nothing.
 */
export type SyncMode = 'full' | 'incremental';

export interface DirectorySnapshot {
  users: SnapshotUser[];
  /** Only the groups the filter keeps. */
  groups: SnapshotGroup[];
  /** Absent: 'full'. */
  mode?: SyncMode;
  /** Whether users / groups (with their members) were listed at all this run (sync target). */
  listed: { users: boolean; groups: boolean };
  /**
   * Why the snapshot cannot be trusted to be complete (a listing failed, timed out, or looks
   * truncated). Non-empty: the run fails closed (nothing disabled, deleted or removed).
   */
  incomplete: string[];
  /** Things worth telling the admin that do not make the snapshot incomplete. */
  warnings: string[];
}

export interface GroupFilter {
  /** Exact group names (case-sensitive, as Defguard's directory_sync_group_match). */
  names: string[];
  prefixes: string[];
  /** Directory group types to keep (Okta: OKTA_GROUP, APP_GROUP, BUILT_IN). */
  types: string[];
}

export const EMPTY_GROUP_FILTER: GroupFilter = { names: [], prefixes: [], types: [] };

/**
 * A group is kept when it matches the names or prefixes (either list empty on both: any name)
 * and its type is allowed (types empty: any type). So `types: ['OKTA_GROUP']` leaves out Okta's
 * built-in "Everyone" without naming every other group.
 */
export function groupPassesFilter(group: Pick<DirectoryGroup, 'name' | 'type'>, filter: GroupFilter): boolean {
  const byName = filter.names.length === 0 && filter.prefixes.length === 0;
  const nameOk = byName || filter.names.includes(group.name) || filter.prefixes.some((prefix) => group.name.startsWith(prefix));
  const typeOk = filter.types.length === 0 || (group.type !== undefined && filter.types.includes(group.type));
  return nameOk && typeOk;
}

const clean = (value: string | null | undefined): string | null => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
};

/** Builds a snapshot step by step: normalise, dedupe, resolve members to user indexes. */
export class SnapshotBuilder {
  private readonly users: SnapshotUser[] = [];
  private readonly userIndex = new Map<string, number>();
  private readonly emailOwner = new Map<string, string>();
  private readonly groups: SnapshotGroup[] = [];
  private readonly groupIds = new Set<string>();
  private readonly groupNames = new Set<string>();
  private unknownMembers = 0;
  private unknownMemberSample: string | null = null;
  readonly incomplete: string[] = [];
  readonly warnings: string[] = [];

  constructor(
    private readonly filter: GroupFilter = EMPTY_GROUP_FILTER,
    private readonly mode: SyncMode = 'full',
  ) {}

  addUsers(page: DirectoryUser[]): void {
    for (const raw of page) {
      if (!raw.id || this.userIndex.has(raw.id)) continue; // a page seen twice (pagination overlap)
      const email = clean(raw.email);
      let emailKey = email?.toLowerCase() ?? null;
      if (emailKey && this.emailOwner.has(emailKey)) {
        // Two directory users with one address: neither may be matched by it (ambiguous).
        this.warnings.push(`directory users ${this.emailOwner.get(emailKey)} and ${raw.id} share the email ${email}; ${raw.id} is matched by id only`);
        emailKey = null;
      } else if (emailKey) {
        this.emailOwner.set(emailKey, raw.id);
      }
      this.userIndex.set(raw.id, this.users.length);
      this.users.push({
        id: raw.id,
        email,
        emailKey,
        active: raw.active,
        status: raw.status,
        firstName: clean(raw.firstName) ?? '',
        lastName: clean(raw.lastName) ?? '',
        phone: clean(raw.phone),
      });
    }
  }

  /** Returns the group if the filter keeps it (then list its members), else null. */
  addGroup(raw: DirectoryGroup): SnapshotGroup | null {
    if (this.groupIds.has(raw.id) || !groupPassesFilter(raw, this.filter)) return null;
    const name = raw.name.trim();
    if (!name) return null;
    if (this.groupNames.has(name)) {
      // Groups are matched by name in Defguard: two directory groups with one name are one group here.
      this.warnings.push(`two directory groups are named "${name}"; their members are merged`);
      const existing = this.groups.find((g) => g.name === name)!;
      this.groupIds.add(raw.id);
      return existing;
    }
    const group: SnapshotGroup = { id: raw.id, name, type: raw.type, members: [] };
    this.groupIds.add(raw.id);
    this.groupNames.add(name);
    this.groups.push(group);
    return group;
  }

  /** Members are resolved against the user listing; call after every user page is in. */
  addMembers(group: SnapshotGroup, page: DirectoryMember[]): void {
    for (const member of page) {
      const index = this.userIndex.get(member.id);
      if (index === undefined) {
        if (this.mode === 'incremental') {
          // Unchanged users are not listed in an incremental run: the plan finds their accounts.
          (group.otherMembers ??= []).push(member.id);
          continue;
        }
        this.unknownMembers++;
        this.unknownMemberSample ??= member.id;
        continue;
      }
      group.members.push(index);
    }
  }

  markIncomplete(reason: string): void {
    this.incomplete.push(reason);
  }

  build(listed: { users: boolean; groups: boolean }): DirectorySnapshot {
    if (this.unknownMembers > 0 && listed.users) {
      // Every member of a group is a directory user: members the user listing did not return mean
      // that listing stopped early (a silently truncated page chain), so it cannot prove absence.
      this.incomplete.push(
        `the user listing looks truncated: ${this.unknownMembers} group member(s) (e.g. ${this.unknownMemberSample}) were not in it`,
      );
    }
    for (const group of this.groups) {
      if (group.members.length > 1) group.members = [...new Set(group.members)];
      if (group.otherMembers && group.otherMembers.length > 1) group.otherMembers = [...new Set(group.otherMembers)];
    }
    return { users: this.users, groups: this.groups, mode: this.mode, listed, incomplete: [...this.incomplete], warnings: [...this.warnings] };
  }
}
