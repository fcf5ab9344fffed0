import { Client } from 'pg';
import { freePort } from '../../src/database/embedded-postgres';
import { testEnvironment } from '../support/app';
import type { TestDatabase } from '../support/database';
import { grpc, type GrpcTestClient } from '../support/grpc-client';
import type { ControllablePostgres } from '../support/postgres-process';
import { spawnService, type ServiceProcess } from '../support/service-process';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

/** A TestDatabase view of a database on a ControllablePostgres (assertion queries only). */
export function databaseOn(postgres: ControllablePostgres): TestDatabase {
  return {
    url: postgres.url,
    name: 'postgres',
    query: async <R extends Record<string, unknown>>(sql: string, params: unknown[] = []) => {
      const client = new Client({ connectionString: postgres.url });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as R[];
      } finally {
        await client.end();
      }
    },
    drop: async () => undefined,
  };
}

export interface SpawnedService {
  process: ServiceProcess;
  httpUrl: string;
  grpcAddress: string;
  coreToken: string;
  adminAuth: string;
  /** SIGKILL, no goodbye. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
}

/** `node dist/main.js` on `databaseUrl`, healthy before it resolves (needs `npx nest build`). */
export async function startSpawnedService(databaseUrl: string, env: Record<string, string> = {}): Promise<SpawnedService> {
  const httpPort = await freePort();
  const environment = await testEnvironment(databaseUrl, { HTTP_PORT: String(httpPort), LOG_LEVEL: 'info', ...env });
  const sut = spawnService(environment);
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  await waitFor('the spawned service to answer /health with 200', async () => (await fetch(`${httpUrl}/health`)).status === 200, 30_000, 150).catch((error) => {
    sut.child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${sut.output().slice(-2000)}`);
  });
  return {
    process: sut,
    httpUrl,
    grpcAddress: `127.0.0.1:${environment.GRPC_PORT}`,
    coreToken: environment.CORE_GRPC_TOKEN,
    adminAuth: `Bearer ${environment.ADMIN_TOKEN}`,
    kill: async () => {
      sut.child.kill('SIGKILL');
      await sut.exited;
    },
    stop: async () => {
      if (sut.child.exitCode === null && sut.child.signalCode === null) sut.child.kill('SIGTERM');
      return sut.exited;
    },
  };
}

export interface FeedEvent {
  sequence: string;
  type: string;
  entity_id: string;
  user?: { id: string; username: string; is_active: boolean };
  group?: { id: string; name: string };
  membership?: { user_id: string; group_id: string };
}

/** A WatchChanges consumer that records every event; `until(n)` waits for n of them. */
export function watchChanges(client: GrpcTestClient, afterSequence: string | number = 0) {
  const events: FeedEvent[] = [];
  const stream = client.stream('WatchChanges', { after_sequence: String(afterSequence) });
  const ended = new Promise<grpc.ServiceError | null>((resolve) => {
    stream.on('error', (error: grpc.ServiceError) => resolve(error));
    stream.on('end', () => resolve(null));
  });
  stream.on('data', (event: FeedEvent) => events.push(event));
  return {
    events,
    ended,
    until: (n: number, timeoutMs = 10_000) => waitFor(`${n} change events (have ${events.length})`, async () => events.length >= n && events, timeoutMs, 25),
    cancel: () => stream.cancel(),
  };
}

/** The committed feed, straight from the table: what every consumer must eventually see. */
export async function committedFeed(db: TestDatabase, afterSequence: string | number = 0): Promise<{ sequence: string; type: string; entity_id: string }[]> {
  return db.query(`SELECT sequence::text AS sequence, type, entity_id::text AS entity_id FROM change_events WHERE change_events.sequence > $1 ORDER BY change_events.sequence`, [String(afterSequence)]);
}
