import type { SignInGroup, SignInUser } from './ports';
import type { AuthResultMessage } from './sign-in.service';

function toGroupMessage(group: SignInGroup) {
  return { id: group.id, name: group.name, is_admin: group.is_admin, directory_id: group.directory_id ?? undefined, created_at: group.created_at, updated_at: group.updated_at };
}

/** common.proto User. */
export function toUserMessage(user: SignInUser) {
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
    groups: (user.groups ?? []).map(toGroupMessage),
    created_at: user.created_at,
    updated_at: user.updated_at,
  };
}

/** auth.proto AuthResult. */
export function toAuthResultMessage(result: AuthResultMessage) {
  return { ...result, user: toUserMessage(result.user) };
}
