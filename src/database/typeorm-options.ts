import { DataSourceOptions } from 'typeorm';
import { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { MIGRATIONS } from './migrations';
import { SnakeNamingStrategy } from './snake-naming.strategy';

export const DB_POOL_SIZE = 10;

/** One definition of the connection, shared by the application, the migration CLI and tests. */
export function dataSourceOptions(url: string): PostgresConnectionOptions & DataSourceOptions {
  return {
    type: 'postgres',
    url,
    namingStrategy: new SnakeNamingStrategy(),
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // A query that hangs on a dead server must fail fast and let /health answer 503.
    connectTimeoutMS: 5000,
    extra: { max: DB_POOL_SIZE, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000 },
  };
}
