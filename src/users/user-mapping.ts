import { ChangeEventEntity } from './entities/change-event.entity';
import { GroupEntity } from './entities/group.entity';
import { UserEntity } from './entities/user.entity';
import { ChangeEventResponse, GroupResponse, MembershipResponse, UserResponse } from './user-response';

export function toGroupResponse(group: GroupEntity): GroupResponse {
  return {
    id: group.id,
    name: group.name,
    is_admin: group.isAdmin,
    directory_id: group.directoryId,
    created_at: new Date(group.createdAt).toISOString(),
    updated_at: new Date(group.updatedAt).toISOString(),
  };
}

export function toUserResponse(user: UserEntity, groups: readonly GroupEntity[]): UserResponse {
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
    created_at: new Date(user.createdAt).toISOString(),
    updated_at: new Date(user.updatedAt).toISOString(),
  };
}

/** The oneof member of ChangeEvent that carries an event's payload, by the type's prefix. */
export function toChangeEventResponse(event: ChangeEventEntity): ChangeEventResponse {
  const response: ChangeEventResponse = {
    sequence: event.sequence,
    type: event.type,
    entity_id: event.entityId,
    occurred_at: new Date(event.occurredAt).toISOString(),
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
