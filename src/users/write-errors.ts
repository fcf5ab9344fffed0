import { ConflictError, NotFoundError } from '../common/errors';
import { isForeignKeyViolation, violatedUniqueConstraint } from '../database/postgres-errors';

/** Unique constraints and indexes -> the message that names the field a caller must change. */
const UNIQUE_FIELDS: Record<string, { field: string; message: string }> = {
  users_username_key: { field: 'username', message: 'username is already taken by another user' },
  users_email_lower_key: { field: 'email', message: 'email is already used by another user (emails are compared case-insensitively)' },
  users_issuer_subject_key: { field: 'subject', message: 'subject is already linked to another user for this issuer' },
  users_directory_id_key: { field: 'directory_id', message: 'directory_id is already used by another user' },
  groups_name_key: { field: 'name', message: 'name is already taken by another group' },
  groups_directory_id_key: { field: 'directory_id', message: 'directory_id is already used by another group' },
};

/**
 * Turns a database write failure that the caller caused into a domain error: a unique violation
 * into ALREADY_EXISTS naming the field, a vanished foreign row into NOT_FOUND. Anything else is
 * returned unchanged (and ends as INTERNAL or UNAVAILABLE at the edge).
 */
export function translateWriteError(error: unknown): unknown {
  const constraint = violatedUniqueConstraint(error);
  const known = constraint ? UNIQUE_FIELDS[constraint] : undefined;
  if (known) return new ConflictError(known.message, `${known.field}_taken`, { cause: error });
  if (isForeignKeyViolation(error)) return new NotFoundError('the user or group was deleted meanwhile', 'not_found', { cause: error });
  return error;
}
