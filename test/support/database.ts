import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

function serverUrl(): string {
  const url = process.env.TEST_SERVER_URL;
  if (!url) throw new Error('TEST_SERVER_URL is not set: run e2e tests through jest (globalSetup starts the database)');
  return url;
}

async function admin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  url: string;
  name: string;
  /** A plain pg client on this database, for assertions the API does not expose. */
  query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one test file, so files run in parallel without sharing rows;
 * the service applies its migrations to it when it starts.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `di_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`));
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  const query = async <R extends Record<string, unknown>>(sql: string, params: unknown[] = []) => {
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as R[];
    } finally {
      await client.end();
    }
  };
  return {
    url: url.toString(),
    name,
    query,
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
