import { ValidationError } from '../common/errors';
import { USER_SOURCES, UserSource } from './user-response';

/**
 * Checks of the values that arrive over gRPC (no ValidationPipe there: proto-loader hands us
 * plain objects) and from other modules. Each throws ValidationError naming the field and rule.
 */

export const EMAIL_MAX_LENGTH = 254;

/**
 * A pragmatic address check (RFC 5321 length, one "@", no spaces, a dotless or dotted domain):
 * enough to refuse typos and injection-like input, not a full RFC 5322 parser.
 */
export function normalizeEmail(value: unknown, field = 'email'): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ValidationError(`${field} is required`, 'invalid_email');
  const email = value.trim();
  if (email.length > EMAIL_MAX_LENGTH) throw new ValidationError(`${field} must be at most ${EMAIL_MAX_LENGTH} characters long`, 'invalid_email');
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (at < 1 || !domain || /\s/.test(email) || local.includes('@') || domain.startsWith('.') || domain.endsWith('.') || domain.includes('..')) {
    throw new ValidationError(`${field} must be an address such as user@example.com (got ${JSON.stringify(email)})`, 'invalid_email');
  }
  return email;
}

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Free text (names, phone): bounded, no control characters. */
export function checkText(value: unknown, field: string, maxLength: number): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new ValidationError(`${field} must be a string`);
  if (value.length > maxLength) throw new ValidationError(`${field} must be at most ${maxLength} characters long`);
  if (CONTROL.test(value)) throw new ValidationError(`${field} must not contain control characters`);
  return value;
}

export const GROUP_NAME_MAX_LENGTH = 128;

export function checkGroupName(value: unknown): string {
  const name = checkText(value, 'name', GROUP_NAME_MAX_LENGTH).trim();
  if (!name) throw new ValidationError('name is required', 'invalid_group_name');
  return name;
}

/** An unset or UNSPECIFIED source means "no filter". */
export function optionalSource(value: unknown): UserSource | undefined {
  if (value === undefined || value === null || value === '' || value === 'USER_SOURCE_UNSPECIFIED') return undefined;
  if (!USER_SOURCES.includes(value as UserSource)) throw new ValidationError(`source must be one of ${USER_SOURCES.join(', ')}`);
  return value as UserSource;
}
