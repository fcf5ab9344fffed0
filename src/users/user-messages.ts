import { ChangeEventResponse, GroupResponse, MembershipResponse, UserResponse } from './user-response';

/**
 * Response objects -> the gRPC messages of common.proto / user.proto (absent optionals as
 * undefined). Shared by every gRPC controller that returns users (users, sign-in).
 */
export function toGroupMessage(group: GroupResponse) {
  return {
    id: group.id,
    name: group.name,
    is_admin: group.is_admin,
    directory_id: group.directory_id ?? undefined,
    created_at: group.created_at,
    updated_at: group.updated_at,
  };
}

export function toUserMessage(user: UserResponse) {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    first_name: user.first_name,
    last_name: user.last_name,
    phone: user.phone ?? undefined,
    is_active: user.is_active,
    is_admin: user.is_admin,
    subject: user.subject ?? undefined,
    directory_id: user.directory_id ?? undefined,
    source: user.source,
    groups: user.groups.map(toGroupMessage),
    created_at: user.created_at,
    updated_at: user.updated_at,
  };
}

export function toMembershipMessage(membership: MembershipResponse) {
  return { user_id: membership.user_id, username: membership.username, group_id: membership.group_id, group_name: membership.group_name };
}

export function toChangeEventMessage(event: ChangeEventResponse) {
  return {
    sequence: event.sequence,
    type: event.type,
    entity_id: event.entity_id,
    occurred_at: event.occurred_at,
    user: event.user && toUserMessage(event.user),
    group: event.group && toGroupMessage(event.group),
    membership: event.membership && toMembershipMessage(event.membership),
  };
}
