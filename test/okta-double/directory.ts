// The org's data: users, groups and memberships, held lean enough for 100k users / 500k
// memberships. Users and groups live in arrays sorted by id (the listing cursors index into them)
// plus id maps; each group keeps its members as a sorted array of user ids and each user its groups
// as a sorted array of group ids. Timestamps are stored as epoch milliseconds and only turned into
// ISO strings when a page is serialised.
import { insertSorted, recordId, removeSorted, selfId } from './sorted';

/** Okta user statuses (developer.okta.com/docs/reference/api/users/#user-status). */
export type UserStatus =
  | 'STAGED'
  | 'PROVISIONED'
  | 'ACTIVE'
  | 'RECOVERY'
  | 'LOCKED_OUT'
  | 'PASSWORD_EXPIRED'
  | 'SUSPENDED'
  | 'DEPROVISIONED';

/** Okta group types: OKTA_GROUP (editable), APP_GROUP (imported), BUILT_IN (Everyone). */
export type GroupType = 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';

export interface UserProfile {
  login: string;
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  mobilePhone?: string | null;
  [custom: string]: unknown;
}

export interface UserRecord {
  id: string;
  status: UserStatus;
  created: number;
  activated: number | null;
  statusChanged: number | null;
  lastLogin: number | null;
  lastUpdated: number;
  passwordChanged: number | null;
  profile: UserProfile;
}

export interface GroupRecord {
  id: string;
  type: GroupType;
  created: number;
  lastUpdated: number;
  lastMembershipUpdated: number;
  profile: { name: string; description: string | null };
  /** User ids, sorted: the cursor of GET /groups/{id}/users indexes into this array. */
  members: string[];
}

export interface NewUser {
  id?: string;
  status?: UserStatus;
  profile: UserProfile;
  lastUpdated?: Date | string | number;
}

export interface UserPatch {
  status?: UserStatus;
  profile?: Partial<UserProfile>;
}

export interface NewGroup {
  id?: string;
  type?: GroupType;
  profile: { name: string; description?: string | null };
}

export interface GroupPatch {
  profile?: Partial<{ name: string; description: string | null }>;
}

export interface SeedOptions {
  users: number;
  groups: number;
  /** Average number of (non-Everyone) groups per user; fractional values are honoured on average. */
  membershipsPerUser: number;
  /** Add the BUILT_IN "Everyone" group holding every user, as every Okta org has. Default true. */
  everyoneGroup?: boolean;
  /** Share of users created DEPROVISIONED (0..1). Default 0. */
  deprovisionedShare?: number;
  /** PRNG seed; the same options and seed give the same ids and data. Default 1. */
  seed?: number;
  /** 'skewed' (default) gives a few large groups and many small ones, as real orgs have;
   * 'uniform' spreads memberships evenly. */
  groupSizes?: 'skewed' | 'uniform';
  /** Base of the generated timestamps (epoch ms). Default 2024-01-01T00:00:00.000Z. */
  epoch?: number;
}

export interface SeedSummary {
  users: number;
  deprovisioned: number;
  groups: number;
  memberships: number;
  everyoneGroupId: string | null;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const DAY_MS = 86_400_000;

/** mulberry32: a tiny deterministic PRNG, enough for reproducible test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Okta object ids are 20 characters: a 3-character type prefix (`00u` user, `00g` group) and 17
 * base62 characters. */
export function oktaId(prefix: '00u' | '00g', random: () => number): string {
  let id = prefix;
  for (let i = 0; i < 17; i++) id += ID_ALPHABET[Math.floor(random() * ID_ALPHABET.length)];
  return id;
}

function toEpochMs(value: Date | string | number): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`invalid timestamp: ${String(value)}`);
  return ms;
}

export class Directory {
  /** Sorted by id. */
  readonly users: UserRecord[] = [];
  /** Sorted by id. */
  readonly groups: GroupRecord[] = [];
  private readonly usersById = new Map<string, UserRecord>();
  private readonly usersByLogin = new Map<string, UserRecord>();
  private readonly groupsById = new Map<string, GroupRecord>();
  /** user id -> sorted group ids. */
  private readonly userGroups = new Map<string, string[]>();
  private everyoneGroupId: string | null = null;
  private random = prng(0x5eed);

  constructor(private readonly now: () => number) {}

  // ---- reads -------------------------------------------------------------------------------

  getUser(id: string): UserRecord | null {
    return this.usersById.get(id) ?? null;
  }

  /** GET /api/v1/users/{idOrLogin}: an id, or a login (Okta logins are case-insensitive). */
  getUserByIdOrLogin(idOrLogin: string): UserRecord | null {
    return this.usersById.get(idOrLogin) ?? this.usersByLogin.get(idOrLogin.toLowerCase()) ?? null;
  }

  getGroup(id: string): GroupRecord | null {
    return this.groupsById.get(id) ?? null;
  }

  groupIdsOfUser(userId: string): readonly string[] {
    return this.userGroups.get(userId) ?? [];
  }

  counts(): { users: number; groups: number; memberships: number } {
    let memberships = 0;
    for (const g of this.groups) memberships += g.members.length;
    return { users: this.users.length, groups: this.groups.length, memberships };
  }

  // ---- users -------------------------------------------------------------------------------

  addUser(input: NewUser): UserRecord {
    const now = this.now();
    const id = input.id ?? this.freshId('00u');
    if (this.usersById.has(id)) throw new Error(`user ${id} already exists`);
    const login = input.profile.login.toLowerCase();
    if (this.usersByLogin.has(login)) throw new Error(`login ${input.profile.login} already exists`);
    const status = input.status ?? 'ACTIVE';
    const user: UserRecord = {
      id,
      status,
      created: now,
      activated: status === 'STAGED' ? null : now,
      statusChanged: now,
      lastLogin: null,
      lastUpdated: input.lastUpdated === undefined ? now : toEpochMs(input.lastUpdated),
      passwordChanged: null,
      profile: { firstName: null, lastName: null, mobilePhone: null, ...input.profile },
    };
    insertSorted(this.users, user, recordId);
    this.usersById.set(id, user);
    this.usersByLogin.set(login, user);
    this.userGroups.set(id, []);
    // Every Okta user is a member of the BUILT_IN Everyone group.
    if (this.everyoneGroupId) this.addMember(this.everyoneGroupId, id);
    return user;
  }

  /** Changes status and/or profile and bumps lastUpdated, as any Okta user update does. */
  updateUser(id: string, patch: UserPatch): UserRecord {
    const user = this.requireUser(id);
    const now = this.now();
    if (patch.profile) {
      if (patch.profile.login !== undefined && patch.profile.login.toLowerCase() !== user.profile.login.toLowerCase()) {
        const login = patch.profile.login.toLowerCase();
        if (this.usersByLogin.has(login)) throw new Error(`login ${patch.profile.login} already exists`);
        this.usersByLogin.delete(user.profile.login.toLowerCase());
        this.usersByLogin.set(login, user);
      }
      user.profile = { ...user.profile, ...patch.profile } as UserProfile;
    }
    if (patch.status && patch.status !== user.status) {
      user.status = patch.status;
      user.statusChanged = now;
      if (patch.status === 'ACTIVE' && user.activated === null) user.activated = now;
    }
    user.lastUpdated = now;
    return user;
  }

  /** Okta's "deactivate" moves a user to DEPROVISIONED; memberships are kept. */
  deactivateUser(id: string): UserRecord {
    return this.updateUser(id, { status: 'DEPROVISIONED' });
  }

  /** Hard delete: the user disappears from every listing and every group. */
  deleteUser(id: string): void {
    const user = this.requireUser(id);
    for (const groupId of [...this.groupIdsOfUser(id)]) this.removeMember(groupId, id);
    removeSorted(this.users, id, recordId);
    this.usersById.delete(id);
    this.usersByLogin.delete(user.profile.login.toLowerCase());
    this.userGroups.delete(id);
  }

  // ---- groups ------------------------------------------------------------------------------

  addGroup(input: NewGroup): GroupRecord {
    const now = this.now();
    const id = input.id ?? this.freshId('00g');
    if (this.groupsById.has(id)) throw new Error(`group ${id} already exists`);
    const group: GroupRecord = {
      id,
      type: input.type ?? 'OKTA_GROUP',
      created: now,
      lastUpdated: now,
      lastMembershipUpdated: now,
      profile: { name: input.profile.name, description: input.profile.description ?? null },
      members: [],
    };
    insertSorted(this.groups, group, recordId);
    this.groupsById.set(id, group);
    if (group.type === 'BUILT_IN' && group.profile.name === 'Everyone' && !this.everyoneGroupId) {
      this.everyoneGroupId = id;
      for (const u of this.users) this.addMember(id, u.id);
    }
    return group;
  }

  /** A profile change bumps the group's lastUpdated (not lastMembershipUpdated). */
  updateGroup(id: string, patch: GroupPatch): GroupRecord {
    const group = this.requireGroup(id);
    if (patch.profile) group.profile = { ...group.profile, ...patch.profile };
    group.lastUpdated = this.now();
    return group;
  }

  deleteGroup(id: string): void {
    const group = this.requireGroup(id);
    for (const userId of group.members) removeSorted(this.userGroups.get(userId) ?? [], id, selfId);
    removeSorted(this.groups, id, recordId);
    this.groupsById.delete(id);
    if (this.everyoneGroupId === id) this.everyoneGroupId = null;
  }

  /** Adds a membership; bumps the group's lastMembershipUpdated (the user's lastUpdated does not
   * move, as in Okta). Returns false when the user was already a member. */
  addMember(groupId: string, userId: string): boolean {
    const group = this.requireGroup(groupId);
    this.requireUser(userId);
    if (!insertSorted(group.members, userId, selfId)) return false;
    insertSorted(this.userGroups.get(userId)!, groupId, selfId);
    group.lastMembershipUpdated = this.now();
    return true;
  }

  removeMember(groupId: string, userId: string): boolean {
    const group = this.requireGroup(groupId);
    if (!removeSorted(group.members, userId, selfId)) return false;
    removeSorted(this.userGroups.get(userId) ?? [], groupId, selfId);
    group.lastMembershipUpdated = this.now();
    return true;
  }

  // ---- bulk --------------------------------------------------------------------------------

  /** Replaces the whole directory with deterministic data. Builds the sorted arrays in one pass
   * (never through addMember, which would be quadratic for the Everyone group). */
  seed(options: SeedOptions): SeedSummary {
    this.clear();
    const random = prng(options.seed ?? 1);
    this.random = prng((options.seed ?? 1) ^ 0x9e3779b9);
    const epoch = options.epoch ?? Date.parse('2024-01-01T00:00:00.000Z');
    const deprovisionedShare = options.deprovisionedShare ?? 0;
    const pad = String(options.users).length;

    // Users: unique ids, then sorted once.
    const users: UserRecord[] = [];
    const seen = new Set<string>();
    let deprovisioned = 0;
    for (let i = 0; i < options.users; i++) {
      let id = oktaId('00u', random);
      while (seen.has(id)) id = oktaId('00u', random);
      seen.add(id);
      const created = epoch + Math.floor(random() * 365 * DAY_MS);
      const lastUpdated = created + Math.floor(random() * 180 * DAY_MS);
      const status: UserStatus = random() < deprovisionedShare ? 'DEPROVISIONED' : 'ACTIVE';
      if (status === 'DEPROVISIONED') deprovisioned++;
      const n = String(i + 1).padStart(pad, '0');
      users.push({
        id,
        status,
        created,
        activated: created,
        statusChanged: status === 'DEPROVISIONED' ? lastUpdated : created,
        lastLogin: null,
        lastUpdated,
        passwordChanged: null,
        profile: {
          login: `user${n}@example.com`,
          email: `user${n}@example.com`,
          firstName: `First${n}`,
          lastName: `Last${n}`,
          mobilePhone: null,
        },
      });
    }
    users.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const u of users) {
      this.users.push(u);
      this.usersById.set(u.id, u);
      this.usersByLogin.set(u.profile.login, u);
    }

    // Groups: ids generated, sorted; their "rank" (creation order) drives the size skew.
    const byRank: GroupRecord[] = [];
    const seenGroups = new Set<string>();
    for (let i = 0; i < options.groups; i++) {
      let id = oktaId('00g', random);
      while (seenGroups.has(id)) id = oktaId('00g', random);
      seenGroups.add(id);
      const created = epoch + Math.floor(random() * 365 * DAY_MS);
      byRank.push({
        id,
        type: 'OKTA_GROUP',
        created,
        lastUpdated: created,
        lastMembershipUpdated: created + Math.floor(random() * 180 * DAY_MS),
        profile: { name: `group-${String(i + 1).padStart(String(options.groups).length, '0')}`, description: null },
        members: [],
      });
    }
    let everyone: GroupRecord | null = null;
    if (options.everyoneGroup ?? true) {
      let id = oktaId('00g', random);
      while (seenGroups.has(id)) id = oktaId('00g', random);
      everyone = {
        id,
        type: 'BUILT_IN',
        created: epoch,
        lastUpdated: epoch,
        lastMembershipUpdated: epoch + 365 * DAY_MS,
        profile: { name: 'Everyone', description: 'All users in your organization' },
        members: [],
      };
    }

    // Memberships: users are visited in id order, so every members array comes out sorted.
    const perUser = Math.max(0, options.membershipsPerUser);
    const whole = Math.floor(perUser);
    const fraction = perUser - whole;
    const pick =
      options.groupSizes === 'uniform'
        ? () => Math.floor(random() * byRank.length)
        : () => Math.floor(random() * random() * byRank.length); // density ~ -ln(x): a long tail
    let memberships = 0;
    const chosen = new Set<number>();
    for (const u of this.users) {
      const k = Math.min(byRank.length, whole + (random() < fraction ? 1 : 0));
      chosen.clear();
      if (k === byRank.length) for (let r = 0; r < k; r++) chosen.add(r);
      while (chosen.size < k) chosen.add(pick());
      const groupIds: string[] = [];
      for (const r of chosen) {
        byRank[r].members.push(u.id);
        groupIds.push(byRank[r].id);
      }
      if (everyone) {
        everyone.members.push(u.id);
        groupIds.push(everyone.id);
      }
      memberships += groupIds.length;
      groupIds.sort();
      this.userGroups.set(u.id, groupIds);
    }

    const all = everyone ? [...byRank, everyone] : byRank;
    all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const g of all) {
      this.groups.push(g);
      this.groupsById.set(g.id, g);
    }
    this.everyoneGroupId = everyone?.id ?? null;
    return {
      users: this.users.length,
      deprovisioned,
      groups: this.groups.length,
      memberships,
      everyoneGroupId: this.everyoneGroupId,
    };
  }

  clear(): void {
    this.users.length = 0;
    this.groups.length = 0;
    this.usersById.clear();
    this.usersByLogin.clear();
    this.groupsById.clear();
    this.userGroups.clear();
    this.everyoneGroupId = null;
  }

  // ---- helpers -----------------------------------------------------------------------------

  private freshId(prefix: '00u' | '00g'): string {
    const taken = prefix === '00u' ? this.usersById : this.groupsById;
    let id = oktaId(prefix, this.random);
    while (taken.has(id)) id = oktaId(prefix, this.random);
    return id;
  }

  private requireUser(id: string): UserRecord {
    const user = this.usersById.get(id);
    if (!user) throw new Error(`no user ${id}`);
    return user;
  }

  private requireGroup(id: string): GroupRecord {
    const group = this.groupsById.get(id);
    if (!group) throw new Error(`no group ${id}`);
    return group;
  }
}

