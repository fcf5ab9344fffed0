import { DirectoryUser } from './directory-provider';
import { checkDeletionThreshold, failClosed, protectLastAdmin } from './sync-guards';
import { computeSyncPlan, countPlan, StoredGroup, StoredState, StoredUser, SyncPolicy } from './sync-plan';
import { GroupFilter, groupPassesFilter, SnapshotBuilder } from './sync-snapshot';

// Small factories: a directory (users + groups by email) and stored accounts.
function snapshot(users: (Partial<DirectoryUser> & { email: string })[], groups: Record<string, string[]> = {}, filter?: GroupFilter) {
  const builder = new SnapshotBuilder(filter);
  builder.addUsers(users.map((u) => ({ id: `d-${u.email.toLowerCase()}`, active: true, status: 'ACTIVE', ...u })));
  for (const [name, emails] of Object.entries(groups)) {
    const group = builder.addGroup({ id: `g-${name}`, name, type: name === 'Everyone' ? 'BUILT_IN' : 'OKTA_GROUP' });
    if (group) builder.addMembers(group, emails.map((e) => ({ id: `d-${e.toLowerCase()}` })));
  }
  return builder.build({ users: true, groups: true });
}

let seq = 0;
function account(username: string, overrides: Partial<StoredUser> = {}): StoredUser {
  return {
    id: `u-${username}`,
    username,
    email: `${username}@email.com`,
    directoryId: null,
    subject: null,
    source: 'OIDC',
    isActive: true,
    firstName: '',
    lastName: '',
    phone: null,
    groupIds: [],
    ...overrides,
  };
}
const group = (name: string, isAdmin = false, directoryId: string | null = null): StoredGroup => ({ id: `s-${name}`, name, isAdmin, directoryId });
const state = (users: StoredUser[], groups: StoredGroup[] = []): StoredState => ({ users, groups });

function policy(overrides: Partial<SyncPolicy> = {}): SyncPolicy {
  return {
    target: 'all',
    userBehavior: 'keep',
    adminBehavior: 'keep',
    prefetchUsers: false,
    manageLocalUsers: false,
    deriveUsername: (u) => (u.email ?? '').split('@')[0].replace(/[^A-Za-z0-9._-]/g, ''),
    ...overrides,
  };
}

const ids = (list: { userId: string | null }[]) => list.map((c) => c.userId).sort();

describe('computeSyncPlan', () => {
  beforeEach(() => (seq = 0));

  describe('matching', () => {
    it('matches by stored directory id before subject and email', () => {
      const byId = account('a', { directoryId: 'd-x@email.com', email: 'old@email.com' });
      const byEmail = account('b', { email: 'x@email.com' });
      const sut = computeSyncPlan(snapshot([{ email: 'x@email.com' }]), state([byId, byEmail]), policy({ userBehavior: 'delete' }));
      // a keeps its link; b, matched by nothing, is missing.
      expect(ids(sut.usersToDelete)).toEqual(['u-b']);
      // b owns the address the directory gives a: the email change is held back, not forced.
      expect(sut.usersToUpdate).toEqual([]);
      expect(sut.skipped[0].reason).toMatch(/belongs to another account/);
    });

    it('matches by subject when no directory id is stored, and links the account', () => {
      const sut = computeSyncPlan(snapshot([{ id: '00u1', email: 'new@email.com' }]), state([account('a', { subject: '00u1' })]), policy());
      expect(sut.usersToUpdate[0]).toMatchObject({ userId: 'u-a', changes: { directoryId: '00u1', email: 'new@email.com' }, reason: 'matched to the directory user' });
    });

    it('matches emails case-insensitively and exactly (Defguard compared case-sensitively in bulk)', () => {
      const sut = computeSyncPlan(snapshot([{ email: 'Alice@Email.com' }]), state([account('alice')]), policy({ userBehavior: 'delete' }));
      expect(sut.usersToDelete).toEqual([]);
      expect(sut.usersToUpdate[0].changes.directoryId).toBe('d-alice@email.com');
    });

    it('never treats LIKE wildcards as matching', () => {
      const sut = computeSyncPlan(snapshot([{ email: 'a_b@email.com' }]), state([account('axb')]), policy({ userBehavior: 'delete' }));
      expect(ids(sut.usersToDelete)).toEqual(['u-axb']);
    });

    it('does not steal an account linked to another directory user that still exists', () => {
      const linked = account('a', { directoryId: 'd-a@email.com', email: 'shared@email.com' });
      const sut = computeSyncPlan(snapshot([{ email: 'a@email.com' }, { email: 'shared@email.com' }]), state([linked]), policy({ prefetchUsers: true }));
      expect(sut.usersToUpdate.map((u) => u.userId)).toEqual(['u-a']);
      expect(sut.usersToCreate).toEqual([]);
      expect(sut.skipped.map((s) => s.reason)).toEqual(['the email belongs to account a, which is linked to another directory user']);
    });
  });

  describe('local accounts (Defguard #1623)', () => {
    it('leaves LOCAL accounts alone by default: not matched, not disabled, not deleted', () => {
      const local = account('local', { source: 'LOCAL', groupIds: ['s-g1'] });
      const sut = computeSyncPlan(snapshot([{ email: 'local@email.com', active: false }], { g2: ['local@email.com'] }), state([local], [group('g1'), group('g2')]), policy({ userBehavior: 'delete' }));
      expect(countPlan(sut)).toEqual(expect.objectContaining({ usersDeleted: 0, usersDisabled: 0, membershipsRemoved: 0, membershipsAdded: 0, usersUpdated: 0 }));
      expect(sut.managedAccounts).toBe(0);
    });

    it('manages them when the admin opts in', () => {
      const local = account('local', { source: 'LOCAL' });
      const sut = computeSyncPlan(snapshot([]), state([local]), policy({ userBehavior: 'disable', manageLocalUsers: true }));
      expect(ids(sut.usersToDisable)).toEqual(['u-local']);
    });

    it('does not create a directory user whose email belongs to a LOCAL account', () => {
      const sut = computeSyncPlan(snapshot([{ email: 'LOCAL@email.com' }]), state([account('local', { source: 'LOCAL' })]), policy({ prefetchUsers: true }));
      expect(sut.usersToCreate).toEqual([]);
      expect(sut.skipped[0].reason).toMatch(/local account/);
    });
  });

  describe('user state (target all / users)', () => {
    it('disables accounts inactive in the directory and re-enables active ones', () => {
      const sut = computeSyncPlan(
        snapshot([{ email: 'off@email.com', active: false }, { email: 'on@email.com' }]),
        state([account('off'), account('on', { isActive: false })]),
        policy(),
      );
      expect(ids(sut.usersToDisable)).toEqual(['u-off']);
      expect(ids(sut.usersToEnable)).toEqual(['u-on']);
    });

    it.each([
      ['keep', 'keep', [], []],
      ['disable', 'keep', ['u-user'], []],
      ['delete', 'keep', [], ['u-user']],
      ['keep', 'disable', ['u-admin'], []],
      ['keep', 'delete', [], ['u-admin']],
      ['delete', 'delete', [], ['u-admin', 'u-user']],
    ] as const)('missing accounts: user %s / admin %s', (userBehavior, adminBehavior, disabled, deleted) => {
      const stored = state([account('admin', { groupIds: ['s-admin'] }), account('user'), account('boss', { groupIds: ['s-admin'] })], [group('admin', true)]);
      const sut = computeSyncPlan(snapshot([{ email: 'boss@email.com' }], { admin: ['boss@email.com'] }), stored, policy({ userBehavior, adminBehavior }));
      expect(ids(sut.usersToDisable)).toEqual(disabled);
      expect(ids(sut.usersToDelete)).toEqual(deleted);
    });

    it('does not disable a missing account that is already inactive', () => {
      const sut = computeSyncPlan(snapshot([]), state([account('a', { isActive: false })]), policy({ userBehavior: 'disable' }));
      expect(sut.usersToDisable).toEqual([]);
    });

    it('target groups changes no account state', () => {
      const sut = computeSyncPlan(snapshot([{ email: 'a@email.com', active: false }], { g: ['a@email.com'] }), state([account('a'), account('gone')]), policy({ target: 'groups', userBehavior: 'delete', prefetchUsers: true }));
      expect(countPlan(sut)).toMatchObject({ usersDisabled: 0, usersDeleted: 0, usersCreated: 0, membershipsAdded: 1 });
    });

    it('target users changes no membership', () => {
      const sut = computeSyncPlan(snapshot([{ email: 'a@email.com' }], { g: ['a@email.com'] }), state([account('a', { groupIds: ['s-x'] })], [group('x')]), policy({ target: 'users' }));
      expect(countPlan(sut)).toMatchObject({ membershipsAdded: 0, membershipsRemoved: 0, groupsCreated: 0 });
    });
  });

  describe('prefetch', () => {
    it('creates every unmatched directory user, inactive ones as inactive', () => {
      const sut = computeSyncPlan(snapshot([{ email: 'a@email.com' }, { email: 'b@email.com', active: false }]), state([]), policy({ prefetchUsers: true }));
      expect(sut.usersToCreate.map((u) => [u.username, u.active])).toEqual([['a', true], ['b', false]]);
    });

    it('creates nothing with prefetch off', () => {
      expect(computeSyncPlan(snapshot([{ email: 'a@email.com' }]), state([]), policy()).usersToCreate).toEqual([]);
    });

    it('makes usernames unique against stored and planned ones', () => {
      const sut = computeSyncPlan(snapshot([{ email: 'a@one.com' }, { email: 'a@two.com' }]), state([account('a', { email: 'x@email.com' })]), policy({ prefetchUsers: true }));
      expect(sut.usersToCreate.map((u) => u.username)).toEqual(['a2', 'a3']);
    });

    it('skips directory users without an email or a usable username', () => {
      const sut = computeSyncPlan(snapshot([{ email: '' }, { email: '!!!@email.com' }]), state([]), policy({ prefetchUsers: true }));
      expect(sut.usersToCreate).toEqual([]);
      expect(sut.skipped).toHaveLength(2);
    });

    it('adds created users to their groups, creating missing groups by name', () => {
      const sut = computeSyncPlan(snapshot([{ email: 'a@email.com' }], { g1: ['a@email.com'], g2: ['a@email.com'] }), state([], [group('g1')]), policy({ prefetchUsers: true }));
      expect(sut.groupsToCreate).toEqual([{ name: 'g2', directoryId: 'g-g2' }]);
      expect(sut.membershipsToAdd.map((m) => [m.userId, m.directoryId, m.groupId, m.groupName])).toEqual([
        [null, 'd-a@email.com', 's-g1', 'g1'],
        [null, 'd-a@email.com', null, 'g2'],
      ]);
    });
  });

  describe('memberships', () => {
    it('makes memberships equal to the directory (the directory is authoritative, #2833)', () => {
      const stored = state([account('a', { groupIds: ['s-g1', 's-local'] })], [group('g1'), group('g2'), group('local')]);
      const sut = computeSyncPlan(snapshot([{ email: 'a@email.com' }], { g1: ['a@email.com'], g2: ['a@email.com'] }), stored, policy());
      expect(sut.membershipsToAdd.map((m) => m.groupName)).toEqual(['g2']);
      expect(sut.membershipsToRemove.map((m) => m.groupName)).toEqual(['local']);
    });

    it('removes the directory groups of a user who is in no directory group (Defguard left them)', () => {
      const stored = state([account('a', { groupIds: ['s-g1'] })], [group('g1')]);
      const sut = computeSyncPlan(snapshot([{ email: 'a@email.com' }], { g1: [] }), stored, policy());
      expect(sut.membershipsToRemove.map((m) => m.groupName)).toEqual(['g1']);
    });

    it('resolves groups by directory id before name', () => {
      const stored = state([account('a')], [group('Renamed', false, 'g-g1')]);
      const sut = computeSyncPlan(snapshot([{ email: 'a@email.com' }], { g1: ['a@email.com'] }), stored, policy());
      expect(sut.groupsToCreate).toEqual([]);
      expect(sut.membershipsToAdd.map((m) => m.groupId)).toEqual(['s-Renamed']);
    });

    it('leaves the memberships of missing accounts alone', () => {
      const stored = state([account('gone', { groupIds: ['s-g1'] })], [group('g1')]);
      expect(computeSyncPlan(snapshot([], { g1: [] }), stored, policy()).membershipsToRemove).toEqual([]);
    });

    it('plans nothing when everything already agrees', () => {
      const stored = state([account('a', { directoryId: 'd-a@email.com', groupIds: ['s-g1'] })], [group('g1', false, 'g-g1')]);
      const sut = computeSyncPlan(snapshot([{ email: 'a@email.com' }], { g1: ['a@email.com'] }), stored, policy({ userBehavior: 'delete', prefetchUsers: true }));
      expect(Object.values(countPlan(sut)).every((n) => n === 0)).toBe(true);
    });
  });
});

describe('group filter', () => {
  it.each([
    [{ names: [], prefixes: [], types: [] }, 'Everyone', 'BUILT_IN', true],
    [{ names: [], prefixes: [], types: ['OKTA_GROUP'] }, 'Everyone', 'BUILT_IN', false],
    [{ names: [], prefixes: [], types: ['OKTA_GROUP'] }, 'vpn', 'OKTA_GROUP', true],
    [{ names: ['vpn'], prefixes: [], types: [] }, 'vpn', undefined, true],
    [{ names: ['vpn'], prefixes: [], types: [] }, 'VPN', undefined, false],
    [{ names: ['vpn'], prefixes: ['dg-'], types: [] }, 'dg-admins', undefined, true],
    [{ names: [], prefixes: ['dg-'], types: ['OKTA_GROUP'] }, 'dg-admins', 'APP_GROUP', false],
  ])('%j keeps %s (%s): %s', (filter, name, type, kept) => {
    expect(groupPassesFilter({ name, type }, filter)).toBe(kept);
  });

  it('leaves filtered-out groups out of the plan', () => {
    const snap = snapshot([{ email: 'a@email.com' }], { Everyone: ['a@email.com'], vpn: ['a@email.com'] }, { names: [], prefixes: [], types: ['OKTA_GROUP'] });
    expect(computeSyncPlan(snap, state([account('a')]), policy()).membershipsToAdd.map((m) => m.groupName)).toEqual(['vpn']);
  });
});

describe('snapshot', () => {
  it('flags the user listing as truncated when group members are missing from it', () => {
    const builder = new SnapshotBuilder();
    builder.addUsers([{ id: '1', email: 'a@x.com', active: true, status: 'ACTIVE' }]);
    builder.addMembers(builder.addGroup({ id: 'g', name: 'g' })!, [{ id: '1' }, { id: '2' }]);
    expect(builder.build({ users: true, groups: true }).incomplete[0]).toMatch(/looks truncated: 1 group member/);
  });

  it('drops repeated users and refuses to match an email two directory users share', () => {
    const builder = new SnapshotBuilder();
    builder.addUsers([
      { id: '1', email: 'a@x.com', active: true, status: 'ACTIVE' },
      { id: '1', email: 'a@x.com', active: true, status: 'ACTIVE' },
      { id: '2', email: 'A@x.com', active: true, status: 'ACTIVE' },
    ]);
    const sut = builder.build({ users: true, groups: false });
    expect(sut.users.map((u) => [u.id, u.emailKey])).toEqual([['1', 'a@x.com'], ['2', null]]);
    expect(sut.warnings[0]).toMatch(/share the email/);
  });
});

describe('guards', () => {
  const stored = state(
    [account('admin1', { groupIds: ['s-admin'] }), account('admin2', { groupIds: ['s-admin'] }), account('user', { groupIds: ['s-g1'] })],
    [group('admin', true), group('g1')],
  );

  it('failClosed holds back every disable, delete and membership removal when the snapshot is incomplete', () => {
    const plan = computeSyncPlan(snapshot([{ email: 'user@email.com', active: false }], {}), stored, policy({ adminBehavior: 'delete' }));
    expect(countPlan(plan)).toMatchObject({ usersDisabled: 1, usersDeleted: 2, membershipsRemoved: 1 });
    const sut = failClosed(plan, ['listing groups failed: 503']);
    expect(countPlan(sut)).toMatchObject({ usersDisabled: 0, usersDeleted: 0, membershipsRemoved: 0 });
    expect(sut.skipped.map((s) => s.action).sort()).toEqual(['membership.remove', 'user.delete', 'user.delete', 'user.disable']);
    expect(sut.skipped[0].reason).toMatch(/snapshot is incomplete \(listing groups failed: 503\)/);
  });

  it('failClosed keeps creations, enables and additions', () => {
    const plan = computeSyncPlan(snapshot([{ email: 'new@email.com' }, { email: 'user@email.com' }], { g2: ['user@email.com'] }), state([account('user', { isActive: false })]), policy({ prefetchUsers: true }));
    expect(countPlan(failClosed(plan, ['x']))).toMatchObject({ usersCreated: 1, usersEnabled: 1, membershipsAdded: 1, groupsCreated: 1 });
  });

  it('protectLastAdmin keeps exactly one admin when every admin would be deleted', () => {
    const plan = computeSyncPlan(snapshot([]), stored, policy({ adminBehavior: 'delete' }));
    const sut = protectLastAdmin(plan, stored);
    expect(ids(sut.usersToDelete)).toEqual(['u-admin2']);
    expect(sut.skipped[0]).toMatchObject({ action: 'user.delete', userId: 'u-admin1', reason: expect.stringMatching(/last active admin/) });
  });

  it('protectLastAdmin keeps the admin group of the last admin who is not in the directory admin group', () => {
    const only = state([account('boss', { groupIds: ['s-admin'] })], [group('admin', true)]);
    const plan = computeSyncPlan(snapshot([{ email: 'boss@email.com' }], { admin: [] }), only, policy());
    expect(plan.membershipsToRemove).toHaveLength(1);
    expect(protectLastAdmin(plan, only).membershipsToRemove).toEqual([]);
  });

  it('protectLastAdmin also guards disabling an admin who is inactive in the directory (Defguard did not)', () => {
    const only = state([account('boss', { groupIds: ['s-admin'] })], [group('admin', true)]);
    const plan = computeSyncPlan(snapshot([{ email: 'boss@email.com', active: false }], { admin: ['boss@email.com'] }), only, policy());
    expect(protectLastAdmin(plan, only).usersToDisable).toEqual([]);
  });

  it('protectLastAdmin lets admins go when another admin remains', () => {
    const plan = computeSyncPlan(snapshot([{ email: 'admin2@email.com' }], { admin: ['admin2@email.com'] }), stored, policy({ adminBehavior: 'delete' }));
    expect(ids(protectLastAdmin(plan, stored).usersToDelete)).toEqual(['u-admin1']);
  });

  it('protectLastAdmin counts an admin the plan adds', () => {
    const plan = computeSyncPlan(snapshot([{ email: 'user@email.com' }], { admin: ['user@email.com'] }), stored, policy({ adminBehavior: 'delete' }));
    expect(ids(protectLastAdmin(plan, stored).usersToDelete)).toEqual(['u-admin1', 'u-admin2']);
  });

  describe('deletion threshold', () => {
    const many = state(Array.from({ length: 100 }, (_, i) => account(`u${i}`)));
    const removing = (n: number) => computeSyncPlan(snapshot(many.users.slice(n).map((u) => ({ email: u.email }))), many, policy({ userBehavior: 'disable' }));

    it('allows up to the percentage', () => {
      expect(checkDeletionThreshold(removing(10), { percent: 10, count: 500 })).toMatchObject({ exceeded: false, removals: 10, limit: 10 });
    });

    it('refuses above the percentage, saying how to override', () => {
      const sut = checkDeletionThreshold(removing(11), { percent: 10, count: 500 });
      expect(sut).toMatchObject({ exceeded: true, removals: 11, limit: 10 });
      expect(sut.message).toMatch(/would disable or delete 11 of 100 .* allows 10 .* force/);
    });

    it('takes the smaller of count and percentage', () => {
      expect(checkDeletionThreshold(removing(5), { percent: 10, count: 4 })).toMatchObject({ exceeded: true, limit: 4 });
    });

    it('does not count membership removals', () => {
      const s = state([account('a', { groupIds: ['s-g'] })], [group('g')]);
      expect(checkDeletionThreshold(computeSyncPlan(snapshot([{ email: 'a@email.com' }], {}), s, policy()), { percent: 0, count: 0 }).exceeded).toBe(false);
    });
  });
});
