import type { Pool, QueryResultRow } from 'pg';
import { EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * Runs a fixed statement as a named prepared statement: node-postgres parses it once per pooled
 * connection and PostgreSQL reuses the plan, which the hot read paths (GetUser, ListUsers,
 * WatchChanges) otherwise pay for on every call. `name` must be unique to `text`.
 *
 * Outside a transaction the statement goes to TypeORM's pg pool directly (TypeORM's `query`
 * has no way to name it); inside one (the manager has a query runner) it runs on that
 * transaction's connection through TypeORM as usual, unprepared.
 */
export async function queryPrepared<T extends QueryResultRow>(manager: EntityManager, name: string, text: string, values: unknown[]): Promise<T[]> {
  if (manager.queryRunner) return manager.query(text, values);
  const pool = (manager.connection.driver as PostgresDriver).master as Pool;
  const result = await pool.query<T>({ name, text, values });
  return result.rows;
}
