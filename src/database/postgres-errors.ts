/** The PostgreSQL error behind a TypeORM QueryFailedError (or the driver error itself). */
function driverError(error: unknown): { code?: string; constraint?: string } | undefined {
  const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } } | undefined;
  return e?.driverError ?? e;
}

/** The name of the unique constraint or index a statement violated (SQLSTATE 23505), if any. */
export function violatedUniqueConstraint(error: unknown): string | undefined {
  const e = driverError(error);
  return e?.code === '23505' ? e.constraint : undefined;
}

/** True when a row referenced by a foreign key vanished (SQLSTATE 23503), e.g. deleted concurrently. */
export function isForeignKeyViolation(error: unknown): boolean {
  return driverError(error)?.code === '23503';
}

/** Bind parameters of one statement must stay under PostgreSQL's limit of 65,535. */
export const MAX_BIND_PARAMETERS = 65_535;

/** Splits `items` into chunks of at most `size`, for set-based statements over large inputs. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
