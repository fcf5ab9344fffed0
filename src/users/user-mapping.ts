import { ChangeEventEntity } from './entities/change-event.entity';
import { GroupEntity } from './entities/group.entity';
import { UserEntity } from './entities/user.entity';
import { ChangeEventResponse, GroupResponse, MembershipResponse, UserResponse } from './user-response';

/** Timestamps as a Date (entities) or already RFC 3339 (the read paths: users.repository `iso`). */
type Timestamps = { createdAt: Date | string; updatedAt: Date | string };
type GroupLike = Omit<GroupEntity, 'createdAt' | 'updatedAt'> & Timestamps;
type UserLike = Omit<UserEntity, 'createdAt' | 'updatedAt'> & Timestamps;

/** RFC 3339 in UTC with milliseconds; strings from the read queries are already in that form. */
const toTimestamp = (value: Date | string): string => (typeof value === 'string' ? value : new Date(value).toISOString());

export function toGroupResponse(group: GroupLike): GroupResponse {
  return {
    id: group.id,
    name: group.name,
    is_admin: group.isAdmin,
    directory_id: group.directoryId,
    created_at: toTimestamp(group.createdAt),
    updated_at: toTimestamp(group.updatedAt),
  };
}

export function toUserResponse(user: UserLike, groups: readonly GroupLike[]): UserResponse {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    first_name: user.firstName,
    last_name: user.lastName,
    phone: user.phone,
    is_active: user.isActive,
    is_admin: groups.some((g) => g.isAdmin),
    subject: user.subject,
    oidc_issuer: user.oidcIssuer,
    directory_id: user.directoryId,
    source: user.source,
    groups: groups.map(toGroupResponse),
    created_at: toTimestamp(user.createdAt),
    updated_at: toTimestamp(user.updatedAt),
  };
}

/** The oneof member of ChangeEvent that carries an event's payload, by the type's prefix. */
export function toChangeEventResponse(event: Omit<ChangeEventEntity, 'occurredAt'> & { occurredAt: Date | string }): ChangeEventResponse {
  const response: ChangeEventResponse = {
    sequence: event.sequence,
    type: event.type,
    entity_id: event.entityId,
    occurred_at: toTimestamp(event.occurredAt),
  };
  if (event.payload) {
    const kind = event.type.slice(0, event.type.indexOf('.'));
    if (kind === 'user') response.user = event.payload as UserResponse;
    else if (kind === 'group') response.group = event.payload as GroupResponse;
    else if (kind === 'membership') response.membership = event.payload as MembershipResponse;
  }
  return response;
}

export const membershipEntityId = (m: { user_id: string; group_id: string }) => `${m.user_id}:${m.group_id}`;
