// JSON shapes of Okta's User and Group objects (developer.okta.com/docs/reference/api/users/#user-object,
// /groups/#group-object), built only for the records on the page being answered.
import type { GroupRecord, UserRecord } from './directory';

/** The org's default user type id (`oty…`, 20 characters). */
export const DEFAULT_USER_TYPE_ID = 'otyDoubleDefaultType'.slice(0, 20);

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export interface SerializeOptions {
  baseUrl: string;
  /** `Content-Type: application/json; okta-response=omitCredentials,omitCredentialsLinks`. */
  omitCredentials: boolean;
}

export function toOktaUser(u: UserRecord, o: SerializeOptions): Record<string, unknown> {
  const user: Record<string, unknown> = {
    id: u.id,
    status: u.status,
    created: iso(u.created),
    activated: iso(u.activated),
    statusChanged: iso(u.statusChanged),
    lastLogin: iso(u.lastLogin),
    lastUpdated: iso(u.lastUpdated),
    passwordChanged: iso(u.passwordChanged),
    type: { id: DEFAULT_USER_TYPE_ID },
    profile: u.profile,
  };
  if (!o.omitCredentials) user.credentials = { provider: { type: 'OKTA', name: 'OKTA' } };
  user._links = { self: { href: `${o.baseUrl}/api/v1/users/${u.id}` } };
  return user;
}

export function toOktaGroup(g: GroupRecord, o: SerializeOptions, expandStats: boolean): Record<string, unknown> {
  const href = `${o.baseUrl}/api/v1/groups/${g.id}`;
  const group: Record<string, unknown> = {
    id: g.id,
    created: iso(g.created),
    lastUpdated: iso(g.lastUpdated),
    lastMembershipUpdated: iso(g.lastMembershipUpdated),
    objectClass: [g.type === 'APP_GROUP' ? 'okta:windows_security_principal' : 'okta:user_group'],
    type: g.type,
    profile: g.profile,
    _links: {
      logo: [
        { name: 'medium', href: `${o.baseUrl}/assets/img/logos/groups/okta-medium.png`, type: 'image/png' },
        { name: 'large', href: `${o.baseUrl}/assets/img/logos/groups/okta-large.png`, type: 'image/png' },
      ],
      users: { href: `${href}/users` },
      apps: { href: `${href}/apps` },
    },
  };
  if (expandStats) {
    group._embedded = {
      stats: { usersCount: g.members.length, appsCount: 0, groupPushMappingsCount: 0, hasAdminPrivilege: false },
    };
  }
  return group;
}
