import { toUserMessage } from '../users/user-messages';
import type { AuthResultMessage } from './sign-in.service';

/** auth.proto AuthResult. */
export function toAuthResultMessage(result: AuthResultMessage) {
  return { ...result, user: toUserMessage(result.user) };
}
