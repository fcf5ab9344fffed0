// Which endpoint a request is for, its rate-limit bucket and the Okta API scope it needs.
import type { Bucket } from './rate-limits';

export type RouteName =
  | 'token'
  | 'discovery'
  | 'listUsers'
  | 'getUser'
  | 'listUserGroups'
  | 'listGroups'
  | 'getGroup'
  | 'listGroupUsers'
  | 'unknown';

export interface ResolvedRoute {
  name: RouteName;
  bucket: Bucket;
  /** Okta API scopes, any of which grants access (developer.okta.com/docs/guides/implement-oauth-for-okta/main/#scopes-and-supported-endpoints). */
  scopes: readonly string[];
  params: { id?: string };
  /** A known path asked with another method: 405 rather than 404. */
  wrongMethod?: boolean;
}

const USERS_READ = ['okta.users.read', 'okta.users.manage'];
const GROUPS_READ = ['okta.groups.read', 'okta.groups.manage'];

interface RouteDef {
  name: RouteName;
  method: string;
  pattern: RegExp;
  bucket: Bucket;
  scopes: readonly string[];
}

const ROUTES: RouteDef[] = [
  { name: 'token', method: 'POST', pattern: /^\/oauth2\/v1\/token$/, bucket: 'oauth2', scopes: [] },
  {
    name: 'discovery',
    method: 'GET',
    pattern: /^\/\.well-known\/(openid-configuration|oauth-authorization-server)$/,
    bucket: 'oauth2',
    scopes: [],
  },
  { name: 'listUsers', method: 'GET', pattern: /^\/api\/v1\/users\/?$/, bucket: 'users', scopes: USERS_READ },
  { name: 'listUserGroups', method: 'GET', pattern: /^\/api\/v1\/users\/([^/]+)\/groups$/, bucket: 'other', scopes: USERS_READ },
  { name: 'getUser', method: 'GET', pattern: /^\/api\/v1\/users\/([^/]+)$/, bucket: 'user', scopes: USERS_READ },
  { name: 'listGroups', method: 'GET', pattern: /^\/api\/v1\/groups\/?$/, bucket: 'groups', scopes: GROUPS_READ },
  { name: 'listGroupUsers', method: 'GET', pattern: /^\/api\/v1\/groups\/([^/]+)\/users$/, bucket: 'other', scopes: GROUPS_READ },
  { name: 'getGroup', method: 'GET', pattern: /^\/api\/v1\/groups\/([^/]+)$/, bucket: 'group', scopes: GROUPS_READ },
];

export function resolveRoute(method: string, pathname: string): ResolvedRoute {
  let wrongMethod = false;
  for (const r of ROUTES) {
    const m = r.pattern.exec(pathname);
    if (!m) continue;
    if (r.method !== method) {
      wrongMethod = true;
      continue;
    }
    return { name: r.name, bucket: r.bucket, scopes: r.scopes, params: m[1] ? { id: safeDecode(m[1]) } : {} };
  }
  const bucket: Bucket = pathname.startsWith('/oauth2/') ? 'oauth2' : 'other';
  return { name: 'unknown', bucket, scopes: [], params: {}, wrongMethod };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
