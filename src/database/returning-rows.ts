/**
 * TypeORM's PostgreSQL `query()` answers an UPDATE or DELETE with `[rows, affectedCount]` and
 * an INSERT or SELECT with `rows`: this returns the rows of a `... RETURNING` either way.
 */
export function returningRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
