import {
  ConnectionTestResult,
  DirectoryFetchError,
  DirectoryGroup,
  DirectoryMember,
  DirectoryProvider,
  DirectoryRequestStats,
  DirectoryUser,
  ListOptions,
} from '../directory-provider';
import { SyncProviderConfig, SyncProviderSource } from '../sync-provider-source';

/**
 * An in-memory directory whose data and faults tests (and the benchmark) control. It behaves like
 * a paginated API: every page is one "API call" in stats(), and faults fail or silently shorten a
 * listing the way real directories do.
 */
export interface TestDirectoryFaults {
  /** Throw DirectoryFetchError when listing users / groups. */
  failUsers?: boolean;
  failGroups?: boolean;
  /** Throw when listing the members of the groups with these names. */
  failMembersOf?: string[];
  /** Silently stop the user listing after this many users (a truncated page chain). */
  truncateUsersAt?: number;
  /** Wait this long before each page (timeouts, overlap tests). */
  pageDelayMs?: number;
  /** Throw on testConnection. */
  failConnection?: boolean;
}

export interface TestDirectoryData {
  users: DirectoryUser[];
  groups: DirectoryGroup[];
  /** Group id -> member user ids. */
  members: Map<string, string[]>;
}

export function defaultTestProviderConfig(): SyncProviderConfig {
  return {
    providerId: 'test',
    kind: 'Test',
    syncEnabled: true,
    intervalSeconds: 600,
    userBehavior: 'keep',
    adminBehavior: 'keep',
    target: 'all',
    groupMatch: [],
    prefetchUsers: false,
    usernameHandling: 'RemoveForbidden',
    adapterSettings: {},
    version: '1',
  };
}

/** Test mode: the provider settings come from the test directory, not the provider module. */
export class TestProviderSource extends SyncProviderSource {
  constructor(private readonly directory: TestDirectory) {
    super();
  }

  async getActive(): Promise<SyncProviderConfig | null> {
    return this.directory.config;
  }
}

/** The test directory's safety margin on `updatedSince` (the engine never adds one). */
export const TEST_DIRECTORY_MARGIN_MS = 1_000;

/** Changed after `since` minus the margin; no timestamp counts as changed (unknown). */
const after = (stamp: string | undefined, since: Date) => !stamp || Date.parse(stamp) > since.getTime() - TEST_DIRECTORY_MARGIN_MS;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The directory content and faults, shared by every provider instance built from it. */
export class TestDirectory {
  data: TestDirectoryData = { users: [], groups: [], members: new Map() };
  faults: TestDirectoryFaults = {};
  pageSize = 200;
  /** Calls made since the last reset, across runs (tests read it). */
  apiCalls = 0;
  /**
   * Whether the provider offers incremental listings (by `lastUpdated` / `lastMembershipUpdated`).
   * Off by default so tests that replace the data with `set()` keep getting full runs.
   */
  incremental = false;
  /**
   * The provider settings sync sees in test mode (Defguard's fields), as an admin would set them
   * on the provider. Change `version` along with them to make the scheduler re-time.
   */
  config: SyncProviderConfig = defaultTestProviderConfig();

  /** Replaces the directory with users and groups given by email and group name (test fixtures). */
  set(spec: { users: (Partial<DirectoryUser> & { email: string })[]; groups?: Record<string, string[]>; groupTypes?: Record<string, string> }): void {
    const users = spec.users.map((u) => ({ id: u.id ?? `dir-${u.email.toLowerCase()}`, active: true, status: u.active === false ? 'SUSPENDED' : 'ACTIVE', ...u }));
    const idByEmail = new Map(users.map((u) => [u.email.toLowerCase(), u.id]));
    const groups: DirectoryGroup[] = [];
    const members = new Map<string, string[]>();
    for (const [name, emails] of Object.entries(spec.groups ?? {})) {
      const id = `grp-${name}`;
      groups.push({ id, name, type: spec.groupTypes?.[name] ?? 'OKTA_GROUP' });
      members.set(id, emails.map((e) => idByEmail.get(e.toLowerCase()) ?? `dir-${e.toLowerCase()}`));
    }
    this.data = { users, groups, members };
  }

  /** Updates the provider settings and bumps their version, as saving the provider would. */
  configure(changes: Partial<Omit<SyncProviderConfig, 'version'>>): void {
    this.config = { ...this.config, ...changes, version: String(Number(this.config.version) + 1) };
  }

  /** Changes one user (found by email) as the directory would: `lastUpdated` moves to now. */
  updateUser(email: string, changes: Partial<Omit<DirectoryUser, 'id'>>): DirectoryUser {
    const user = this.data.users.find((u) => u.email?.toLowerCase() === email.toLowerCase());
    if (!user) throw new Error(`no directory user ${email}`);
    Object.assign(user, changes, { lastUpdated: new Date().toISOString() });
    return user;
  }

  /** Sets a group's members by email (creating the group if new): `lastMembershipUpdated` moves to now. */
  setGroupMembers(name: string, emails: string[]): void {
    const now = new Date().toISOString();
    let group = this.data.groups.find((g) => g.name === name);
    if (!group) {
      group = { id: `grp-${name}`, name, type: 'OKTA_GROUP', lastUpdated: now };
      this.data.groups.push(group);
    }
    group.lastMembershipUpdated = now;
    const idByEmail = new Map(this.data.users.map((u) => [u.email?.toLowerCase(), u.id]));
    this.data.members.set(group.id, emails.map((e) => idByEmail.get(e.toLowerCase()) ?? `dir-${e.toLowerCase()}`));
  }

  /** Hard-deletes a user, as Okta does: it leaves its groups (their `lastMembershipUpdated` moves). */
  deleteUser(email: string): void {
    const user = this.data.users.find((u) => u.email?.toLowerCase() === email.toLowerCase());
    if (!user) throw new Error(`no directory user ${email}`);
    const now = new Date().toISOString();
    this.data = { ...this.data, users: this.data.users.filter((u) => u !== user) };
    for (const g of this.data.groups) {
      const ids = this.data.members.get(g.id) ?? [];
      if (ids.includes(user.id)) {
        this.data.members.set(g.id, ids.filter((id) => id !== user.id));
        g.lastMembershipUpdated = now;
      }
    }
  }

  private index: { data: TestDirectoryData; byId: Map<string, DirectoryUser> } | null = null;

  /** Users by id, rebuilt only when `data` is replaced (2,000 groups x 100k users otherwise). */
  usersById(): Map<string, DirectoryUser> {
    if (this.index?.data !== this.data) this.index = { data: this.data, byId: new Map(this.data.users.map((u) => [u.id, u])) };
    return this.index.byId;
  }

  reset(): void {
    this.data = { users: [], groups: [], members: new Map() };
    this.faults = {};
    this.apiCalls = 0;
    this.incremental = false;
    this.config = defaultTestProviderConfig();
  }
}

export class TestDirectoryProvider implements DirectoryProvider {
  readonly kind = 'Test';
  readonly supportsIncremental: boolean;
  private calls = 0;

  constructor(private readonly directory: TestDirectory) {
    this.supportsIncremental = directory.incremental;
  }

  private async *pages<T>(items: readonly T[], endpoint: string, options: { fail?: boolean; stopAt?: number } = {}): AsyncIterable<T[]> {
    const size = this.directory.pageSize;
    const end = Math.min(items.length, options.stopAt ?? Infinity);
    for (let offset = 0; offset === 0 || offset < end; offset += size) {
      await this.call();
      if (options.fail) throw new DirectoryFetchError(`listing ${endpoint} failed: 503 Service Unavailable`, { endpoint, status: 503 });
      yield items.slice(offset, Math.min(offset + size, end));
    }
  }

  private async call(): Promise<void> {
    this.calls++;
    this.directory.apiCalls++;
    if (this.directory.faults.pageDelayMs) await sleep(this.directory.faults.pageDelayMs);
  }

  listUsers(options: ListOptions = {}): AsyncIterable<DirectoryUser[]> {
    const { faults, data } = this.directory;
    const users = options.updatedSince ? data.users.filter((u) => after(u.lastUpdated, options.updatedSince!)) : data.users;
    return this.pages(users, '/users', { fail: faults.failUsers, stopAt: faults.truncateUsersAt });
  }

  listGroups(options: ListOptions & { membershipUpdatedSince?: Date } = {}): AsyncIterable<DirectoryGroup[]> {
    const since = options.updatedSince ?? options.membershipUpdatedSince;
    const membershipSince = options.membershipUpdatedSince ?? since;
    const groups = since
      ? this.directory.data.groups.filter((g) => after(g.lastUpdated, since) || after(g.lastMembershipUpdated, membershipSince!))
      : this.directory.data.groups;
    return this.pages(groups, '/groups', { fail: this.directory.faults.failGroups });
  }

  listGroupMembers(group: DirectoryGroup): AsyncIterable<DirectoryMember[]> {
    const ids = this.directory.data.members.get(group.id) ?? [];
    const byId = this.directory.usersById();
    const members = ids.map((id) => ({ id, email: byId.get(id)?.email ?? null }));
    return this.pages(members, `/groups/${group.id}/users`, { fail: this.directory.faults.failMembersOf?.includes(group.name) });
  }

  async getUserGroups(user: { directoryId?: string | null; email: string }): Promise<DirectoryGroup[]> {
    await this.call();
    const { data } = this.directory;
    const target = data.users.find((u) => (user.directoryId && u.id === user.directoryId) || u.email?.toLowerCase() === user.email.toLowerCase());
    if (!target) return [];
    return data.groups.filter((g) => data.members.get(g.id)?.includes(target.id));
  }

  async testConnection(): Promise<ConnectionTestResult> {
    await this.call();
    if (this.directory.faults.failConnection) return { success: false, message: 'The test directory is set to fail' };
    return { success: true, message: `Connected to the test directory (${this.directory.data.users.length} users)` };
  }

  stats(): DirectoryRequestStats {
    return { apiCalls: this.calls, rateLimited: 0, retries: 0 };
  }
}
