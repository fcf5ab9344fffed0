import { ValidationError } from '../common/errors';

/**
 * How a username is derived from an identity provider's claims (Defguard's
 * `openid_username_handling`, JSON spelling). The cleaning rules live in this file.
 */
export const USERNAME_HANDLINGS = ['RemoveForbidden', 'ReplaceForbidden', 'PruneEmailDomain'] as const;
export type UsernameHandling = (typeof USERNAME_HANDLINGS)[number];

/**
 * Defguard accepts 1 <= length < 64 but its pruner truncates to 64, so a 64-character name fails
 * with a 500 (reference §3.5). We accept 64 and truncate to 64: both sides agree.
 */
export const USERNAME_MAX_LENGTH = 64;

const ALLOWED = /^[A-Za-z0-9._-]$/;
const ALPHANUMERIC = /^[A-Za-z0-9]$/;

function replaceForbidden(name: string, replacement: string): string {
  // for..of walks code points, so one emoji becomes one replacement, not two.
  let out = '';
  for (const char of name) out += ALLOWED.test(char) ? char : replacement;
  return out;
}

/**
 * Turns a claim (`preferred_username` or an email's local part) into a username candidate, as
 * Defguard's `prune_username`: strip leading characters that are not ASCII alphanumeric, clean the
 * rest by `handling`, truncate to 64. The result may still be invalid (e.g. empty): pass it to
 * validateUsername.
 */
export function cleanUsername(raw: string, handling: UsernameHandling): string {
  let name = raw;
  let start = 0;
  const chars = [...name];
  while (start < chars.length && !ALPHANUMERIC.test(chars[start])) start++;
  name = chars.slice(start).join('');
  switch (handling) {
    case 'RemoveForbidden':
      name = replaceForbidden(name, '');
      break;
    case 'ReplaceForbidden':
      name = replaceForbidden(name, '_');
      break;
    case 'PruneEmailDomain': {
      const at = name.indexOf('@');
      name = replaceForbidden(at === -1 ? name : name.slice(0, at), '_');
      break;
    }
  }
  return name.slice(0, USERNAME_MAX_LENGTH);
}

/** The first rule `name` breaks, in words a caller can act on, or null when it is valid. */
export function usernameProblem(name: string): string | null {
  if (name.length < 1 || name.length > USERNAME_MAX_LENGTH) return `must be 1 to ${USERNAME_MAX_LENGTH} characters long (got ${name.length})`;
  if (!ALPHANUMERIC.test(name[0])) return 'must start with an ASCII letter or digit';
  for (const char of name) {
    if (!ALLOWED.test(char)) return `may contain only ASCII letters, digits, ".", "-" and "_" (found ${JSON.stringify(char)})`;
  }
  return null;
}

/** Throws ValidationError (INVALID_ARGUMENT / 400) naming the rule a username breaks. */
export function validateUsername(name: string): void {
  const problem = usernameProblem(name);
  if (problem) throw new ValidationError(`username ${problem}`, 'invalid_username');
}
