import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort, startEmbeddedPostgres } from '../../src/database/embedded-postgres';

/**
 * One PostgreSQL server for the whole e2e run: DATABASE_URL when set (it must answer: a CI
 * misconfiguration must not hide behind a silent fallback), else one throwaway embedded server.
 * Each test file then creates its own database on it (test/support/database.ts).
 */
export default async function globalSetup(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
    } catch (error) {
      throw new Error(`DATABASE_URL is set but PostgreSQL does not answer there (${(error as Error).message}). Start it or unset DATABASE_URL to use an embedded server.`);
    } finally {
      await client.end().catch(() => undefined);
    }
    process.env.TEST_SERVER_URL = url;
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'defguard-identity-test-pg-'));
  fs.chmodSync(dir, 0o755);
  const server = await startEmbeddedPostgres({ dir: path.join(dir, 'data'), port: await freePort(), persistent: false });
  process.env.TEST_SERVER_URL = server.url;
  (globalThis as Record<string, unknown>).__EMBEDDED_TEST_PG__ = { server, dir };
}
