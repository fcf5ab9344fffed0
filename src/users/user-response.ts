/**
 * What the users module returns to every caller: the gRPC messages of common.proto in their wire
 * spelling (snake_case, RFC 3339 strings), so the gRPC controller, REST and the change-feed
 * payloads share one shape and entities never leave the service.
 */
export const USER_SOURCES = ['LOCAL', 'OIDC', 'DIRECTORY'] as const;
export type UserSource = (typeof USER_SOURCES)[number];

export interface GroupResponse {
  id: string;
  name: string;
  is_admin: boolean;
  directory_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface UserResponse {
  id: string;
  username: string;
  email: string;
  first_name: string;
  last_name: string;
  phone: string | null;
  is_active: boolean;
  /** Member of at least one is_admin group (an *active* admin also needs is_active). */
  is_admin: boolean;
  /** The provider's `sub`; with oidc_issuer it identifies the linked identity. */
  subject: string | null;
  /** The issuer URL the subject belongs to (not in the gRPC message; REST and callers see it). */
  oidc_issuer: string | null;
  directory_id: string | null;
  source: UserSource;
  /** Ordered by name. */
  groups: GroupResponse[];
  created_at: string;
  updated_at: string;
}

export interface MembershipResponse {
  user_id: string;
  username: string;
  group_id: string;
  group_name: string;
}

export const CHANGE_EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deleted',
  'group.created',
  'group.updated',
  'group.deleted',
  'membership.added',
  'membership.removed',
  'provider.updated',
] as const;
export type ChangeEventType = (typeof CHANGE_EVENT_TYPES)[number];

/** One change-feed entry as WatchChanges streams it. */
export interface ChangeEventResponse {
  /** int64 as a decimal string (JavaScript numbers lose precision above 2^53). */
  sequence: string;
  type: string;
  entity_id: string;
  occurred_at: string;
  user?: UserResponse;
  group?: GroupResponse;
  membership?: MembershipResponse;
}

export interface Page<T> {
  items: T[];
  /** Empty on the last page. */
  next_page_token: string;
}
