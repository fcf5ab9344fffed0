import { DirectoryGroup, DirectoryUser } from '../directory-provider';
import { TestDirectoryData } from './test-directory.provider';

export interface GeneratorSpec {
  users: number;
  groups: number;
  memberships: number;
  /** Percent of users whose last name differs and whose first group is swapped for another. */
  changedPercent: number;
}

/**
 * A deterministic synthetic directory for benchmarks: the same spec gives the same directory in
 * every process, so a second service start sees "no change" and `changed=P` differs in exactly
 * P% of the users. Membership of user i: groups (i*7 + k*401) mod G for k < memberships/users,
 * distinct for G = 2000 and up to 5 groups per user.
 */
export function generateTestDirectory(spec: GeneratorSpec): TestDirectoryData {
  const perUser = spec.users === 0 ? 0 : Math.max(0, Math.round(spec.memberships / spec.users));
  const changedEvery = spec.changedPercent > 0 ? Math.round(100 / spec.changedPercent) : 0;
  const users: DirectoryUser[] = new Array(spec.users);
  for (let i = 0; i < spec.users; i++) {
    const changed = changedEvery > 0 && i % changedEvery === 0;
    users[i] = {
      id: `00u${String(i).padStart(8, '0')}`,
      email: `user${i}@example.com`,
      active: true,
      status: 'ACTIVE',
      firstName: `First${i}`,
      lastName: changed ? `Last${i}-changed` : `Last${i}`,
    };
  }
  const groups: DirectoryGroup[] = [];
  const members = new Map<string, string[]>();
  for (let g = 0; g < spec.groups; g++) {
    const id = `00g${String(g).padStart(8, '0')}`;
    groups.push({ id, name: `group-${g}`, type: 'OKTA_GROUP' });
    members.set(id, []);
  }
  for (let i = 0; i < spec.users; i++) {
    const changed = changedEvery > 0 && i % changedEvery === 0;
    for (let k = 0; k < perUser; k++) {
      let g = (i * 7 + k * 401) % spec.groups;
      // A changed user moves from its first group to the next one not already among its groups.
      if (changed && k === 0) g = (g + 1 + perUser * 401) % spec.groups;
      members.get(groups[g].id)!.push(users[i].id);
    }
  }
  return { users, groups, members };
}
