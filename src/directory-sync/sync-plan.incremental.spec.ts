import { DirectoryUser } from './directory-provider';
import { checkDeletionThreshold, failClosed, protectLastAdmin } from './sync-guards';
import { computeSyncPlan, StoredGroup, StoredUser, SyncPolicy } from './sync-plan';
import { SnapshotBuilder } from './sync-snapshot';

/** An incremental snapshot: the changed users, and the changed groups with their whole member lists. */
function changes(users: (Partial<DirectoryUser> & { email: string })[], groups: Record<string, string[]> = {}) {
  const builder = new SnapshotBuilder(undefined, 'incremental');
  builder.addUsers(users.map((u) => ({ id: `d-${u.email}`, active: true, status: 'ACTIVE', ...u })));
  for (const [name, members] of Object.entries(groups)) {
    const group = builder.addGroup({ id: `g-${name}`, name, type: 'OKTA_GROUP' });
    if (group) builder.addMembers(group, members.map((m) => ({ id: `d-${m}@email.com` })));
  }
  return builder.build({ users: true, groups: true });
}

/** An account linked to directory user d-<name>@email.com. */
const linked = (name: string, groupIds: string[] = [], overrides: Partial<StoredUser> = {}): StoredUser => ({
  id: `u-${name}`,
  username: name,
  email: `${name}@email.com`,
  directoryId: `d-${name}@email.com`,
  subject: null,
  source: 'DIRECTORY',
  isActive: true,
  firstName: '',
  lastName: '',
  phone: null,
  groupIds,
  ...overrides,
});
const group = (name: string, isAdmin = false): StoredGroup => ({ id: `s-${name}`, name, isAdmin, directoryId: `g-${name}` });
const policy = (overrides: Partial<SyncPolicy> = {}): SyncPolicy => ({
  target: 'all',
  userBehavior: 'delete',
  adminBehavior: 'delete',
  prefetchUsers: false,
  manageLocalUsers: false,
  deriveUsername: (u) => (u.email ?? '').split('@')[0],
  ...overrides,
});
const ids = (list: { userId: string | null }[]) => list.map((c) => c.userId).sort();
const pairs = (list: { userId: string | null; groupName: string }[]) => list.map((m) => `${m.userId}:${m.groupName}`).sort();

describe('computeSyncPlan, incremental snapshot', () => {
  const groups = [group('staff'), group('dev'), group('admin', true)];

  it('leaves absent accounts untouched whatever the missing-user behaviour (no absence is proven)', () => {
    const stored = { users: [linked('a', ['s-staff']), linked('b', ['s-staff']), linked('c')], groups };
    const plan = computeSyncPlan(changes([{ email: 'a@email.com', lastName: 'New' }]), stored, policy());
    expect(plan.usersToDelete).toEqual([]);
    expect(plan.usersToDisable).toEqual([]);
    expect(plan.membershipsToRemove).toEqual([]);
    expect(plan.usersToUpdate).toHaveLength(1);
    expect(plan.usersToUpdate[0]).toMatchObject({ userId: 'u-a', changes: { lastName: 'New' } });
  });

  it('disables a deprovisioned or inactive changed user (a positive statement), and enables a reactivated one', () => {
    const stored = { users: [linked('a'), linked('b'), linked('c', [], { isActive: false })], groups };
    const plan = computeSyncPlan(
      changes([
        { email: 'a@email.com', active: false, status: 'DEPROVISIONED' },
        { email: 'b@email.com', active: false, status: 'SUSPENDED' },
        { email: 'c@email.com', active: true, status: 'ACTIVE' },
      ]),
      stored,
      policy({ userBehavior: 'keep' }),
    );
    expect(ids(plan.usersToDisable)).toEqual(['u-a', 'u-b']);
    expect(ids(plan.usersToEnable)).toEqual(['u-c']);
    expect(plan.usersToDelete).toEqual([]);
  });

  it('makes a changed group equal to its member list, resolving unchanged members by stored directory id', () => {
    // dev changed: a and c are members now (neither changed as a user), b left.
    const stored = { users: [linked('a', ['s-staff']), linked('b', ['s-staff', 's-dev']), linked('c')], groups };
    const plan = computeSyncPlan(changes([], { dev: ['a', 'c'] }), stored, policy());
    expect(pairs(plan.membershipsToAdd)).toEqual(['u-a:dev', 'u-c:dev']);
    expect(pairs(plan.membershipsToRemove)).toEqual(['u-b:dev']);
  });

  it('removes memberships only within changed groups', () => {
    // b changed as a user (name) and is in staff and dev; only dev changed (b is no longer in it).
    const stored = { users: [linked('a', ['s-staff']), linked('b', ['s-staff', 's-dev'])], groups };
    const plan = computeSyncPlan(changes([{ email: 'b@email.com', firstName: 'B' }], { dev: [] }), stored, policy());
    expect(pairs(plan.membershipsToRemove)).toEqual(['u-b:dev']);
    expect(plan.membershipsToAdd).toEqual([]);
  });

  it('leaves accounts not linked to the directory (local, or not yet linked) in a changed group alone', () => {
    const local: StoredUser = { ...linked('l', ['s-dev']), directoryId: null, source: 'LOCAL' };
    const unlinked: StoredUser = { ...linked('o', ['s-dev']), directoryId: null, source: 'OIDC' };
    const plan = computeSyncPlan(changes([], { dev: [] }), { users: [local, unlinked], groups }, policy());
    expect(plan.membershipsToRemove).toEqual([]);
  });

  it('creates a new changed group by name and adds its known members', () => {
    const plan = computeSyncPlan(changes([], { ops: ['a'] }), { users: [linked('a')], groups }, policy());
    expect(plan.groupsToCreate).toEqual([{ name: 'ops', directoryId: 'g-ops' }]);
    expect(pairs(plan.membershipsToAdd)).toEqual(['u-a:ops']);
  });

  it('skips a member with no account (prefetch on: recorded as skipped), and creates changed users with prefetch', () => {
    const plan = computeSyncPlan(changes([{ email: 'n@email.com' }], { dev: ['n', 'ghost'] }), { users: [], groups }, policy({ prefetchUsers: true }));
    expect(plan.usersToCreate.map((u) => u.username)).toEqual(['n']);
    expect(plan.membershipsToAdd).toMatchObject([{ userId: null, directoryId: 'd-n@email.com', groupName: 'dev' }]);
    expect(plan.skipped).toMatchObject([{ action: 'membership.add', groupName: 'dev', reason: expect.stringMatching(/d-ghost@email.com.*no account yet/) }]);
    const off = computeSyncPlan(changes([], { dev: ['ghost'] }), { users: [], groups }, policy());
    expect(off.skipped).toEqual([]);
  });

  it('never fires the truncation check for members outside the changed-user listing', () => {
    const snapshot = changes([{ email: 'a@email.com' }], { dev: ['a', 'b', 'c'] });
    expect(snapshot.incomplete).toEqual([]);
    expect(snapshot.groups[0].otherMembers).toEqual(['d-b@email.com', 'd-c@email.com']);
  });

  it('never re-links an account already linked to another directory user (it may still exist)', () => {
    // x's directory user is not in the changed listing; a new directory user claims x's email.
    const x = linked('x');
    const plan = computeSyncPlan(changes([{ id: 'd-other', email: 'x@email.com' }]), { users: [x], groups }, policy());
    expect(plan.usersToUpdate).toEqual([]);
  });

  it('keeps the guards: the last admin stays in the admin group; the threshold counts deprovisioned users; failing closed holds back removals', () => {
    const stored = { users: [linked('root', ['s-admin']), linked('b', ['s-dev'])], groups };
    const plan = protectLastAdmin(computeSyncPlan(changes([], { admin: [] }), stored, policy()), stored);
    expect(plan.membershipsToRemove).toEqual([]);
    expect(plan.skipped[0].reason).toMatch(/last active admin/);

    const many = { users: Array.from({ length: 10 }, (_, i) => linked(`u${i}`)), groups };
    const gone = computeSyncPlan(changes(many.users.slice(0, 5).map((u) => ({ email: u.email, active: false, status: 'DEPROVISIONED' }))), many, policy());
    expect(checkDeletionThreshold(gone, { percent: 10, count: 500 }).exceeded).toBe(true);

    const partial = failClosed(computeSyncPlan(changes([], { dev: [] }), stored, policy()), ['listing groups failed']);
    expect(partial.membershipsToRemove).toEqual([]);
  });
});
