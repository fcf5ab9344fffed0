import { ValidationError } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids of this service are UUIDs; anything else is refused before it reaches a query. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** The id, lower-cased, or a ValidationError naming the field (INVALID_ARGUMENT / 400). */
export function requireUuid(value: unknown, field: string, code = 'invalid_argument'): string {
  if (!isUuid(value)) throw new ValidationError(`${field} must be a UUID (got ${JSON.stringify(value ?? '')})`, code);
  return value.toLowerCase();
}
