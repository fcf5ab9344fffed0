// Okta objects -> the directory contract. User object: developer.okta.com/docs/reference/api/users/#user-object;
// group object: /groups/#group-object; statuses: /users/#user-status.
import type { DirectoryGroup, DirectoryMember, DirectoryUser } from '../../directory-provider';

/** Every Okta user status (developer.okta.com/docs/reference/api/users/#user-status). */
export const OKTA_USER_STATUSES = [
  'STAGED',
  'PROVISIONED',
  'ACTIVE',
  'RECOVERY',
  'LOCKED_OUT',
  'PASSWORD_EXPIRED',
  'SUSPENDED',
  'DEPROVISIONED',
] as const;

export type OktaUserStatus = (typeof OKTA_USER_STATUSES)[number];

/**
 * The status table: what each Okta status means and whether Defguard treats it as active by
 * default. Defguard's own rule is "active iff ACTIVE" (reference/defguard-behaviour.md §6.4); an
 * admin may widen it (e.g. keep PASSWORD_EXPIRED or LOCKED_OUT users on the VPN) with
 * `activeStatuses`.
 */
export const OKTA_STATUS_TABLE: ReadonlyArray<{ status: OktaUserStatus; meaning: string; activeByDefault: boolean }> = [
  { status: 'STAGED', meaning: 'created, not yet activated', activeByDefault: false },
  { status: 'PROVISIONED', meaning: 'activated by an admin, the user has not set a password yet', activeByDefault: false },
  { status: 'ACTIVE', meaning: 'can sign in', activeByDefault: true },
  { status: 'RECOVERY', meaning: 'password reset in progress', activeByDefault: false },
  { status: 'LOCKED_OUT', meaning: 'too many failed sign-ins', activeByDefault: false },
  { status: 'PASSWORD_EXPIRED', meaning: 'must change the password at the next sign-in', activeByDefault: false },
  { status: 'SUSPENDED', meaning: 'suspended by an admin (reversible)', activeByDefault: false },
  { status: 'DEPROVISIONED', meaning: 'deactivated', activeByDefault: false },
];

export const DEFAULT_ACTIVE_STATUSES: readonly OktaUserStatus[] = OKTA_STATUS_TABLE.filter((s) => s.activeByDefault).map(
  (s) => s.status,
);

/** Validates an `activeStatuses` setting; returns the normalised set or a message naming the bad values. */
export function parseActiveStatuses(raw: readonly string[] | undefined): { statuses: ReadonlySet<string> } | { problem: string } {
  if (raw === undefined) return { statuses: new Set(DEFAULT_ACTIVE_STATUSES) };
  if (!Array.isArray(raw)) return { problem: 'activeStatuses must be a list of Okta user statuses' };
  const normalised = raw.map((s) => String(s).trim().toUpperCase());
  const unknown = normalised.filter((s) => !(OKTA_USER_STATUSES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    return {
      problem: `activeStatuses contains unknown Okta statuses (${unknown.join(', ')}); allowed: ${OKTA_USER_STATUSES.join(', ')}`,
    };
  }
  if (normalised.length === 0) return { problem: 'activeStatuses must name at least one Okta status (e.g. ACTIVE)' };
  return { statuses: new Set(normalised) };
}

export function isActiveStatus(status: string, activeStatuses: ReadonlySet<string>): boolean {
  return activeStatuses.has(status);
}

interface OktaUserJson {
  id?: unknown;
  status?: unknown;
  lastUpdated?: unknown;
  profile?: { login?: unknown; email?: unknown; firstName?: unknown; lastName?: unknown; mobilePhone?: unknown; primaryPhone?: unknown };
}

interface OktaGroupJson {
  id?: unknown;
  type?: unknown;
  lastUpdated?: unknown;
  lastMembershipUpdated?: unknown;
  profile?: { name?: unknown };
}

/** A page item that does not have the shape the Okta API documents (no id, no status...). */
export class OktaObjectShapeError extends Error {}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function toDirectoryUser(raw: unknown, activeStatuses: ReadonlySet<string>): DirectoryUser {
  const u = raw as OktaUserJson;
  const id = str(u?.id);
  const status = str(u?.status);
  if (!id || !status) throw new OktaObjectShapeError('a user object without id or status');
  const p = u.profile ?? {};
  const user: DirectoryUser = {
    id,
    email: str(p.email) ?? null,
    active: isActiveStatus(status, activeStatuses),
    status,
  };
  const login = str(p.login);
  const firstName = str(p.firstName);
  const lastName = str(p.lastName);
  const phone = str(p.mobilePhone) ?? str(p.primaryPhone);
  const lastUpdated = str(u.lastUpdated);
  if (login) user.login = login;
  if (firstName) user.firstName = firstName;
  if (lastName) user.lastName = lastName;
  if (phone) user.phone = phone;
  if (lastUpdated) user.lastUpdated = lastUpdated;
  return user;
}

export function toDirectoryGroup(raw: unknown): DirectoryGroup {
  const g = raw as OktaGroupJson;
  const id = str(g?.id);
  const name = str(g?.profile?.name);
  if (!id || name === undefined) throw new OktaObjectShapeError('a group object without id or profile.name');
  const group: DirectoryGroup = { id, name };
  const type = str(g.type);
  const lastUpdated = str(g.lastUpdated);
  const lastMembershipUpdated = str(g.lastMembershipUpdated);
  if (type) group.type = type;
  if (lastUpdated) group.lastUpdated = lastUpdated;
  if (lastMembershipUpdated) group.lastMembershipUpdated = lastMembershipUpdated;
  return group;
}

/** Group member listings return full user objects; the engine needs the id and the email. */
export function toDirectoryMember(raw: unknown): DirectoryMember {
  const u = raw as OktaUserJson;
  const id = str(u?.id);
  if (!id) throw new OktaObjectShapeError('a group member without id');
  return { id, email: str(u.profile?.email) ?? null };
}
