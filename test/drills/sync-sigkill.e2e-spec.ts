import { createTestDatabase, type TestDatabase } from '../support/database';
import { grpcClient } from '../support/grpc-client';
import { committedFeed, startSpawnedService, waitFor, watchChanges, type SpawnedService } from './drill-support';

const USERS = 6000;
const ENV = { DIRECTORY_SYNC_TEST_PROVIDER: `generate:users=${USERS},groups=40,memberships=${USERS * 2},changed=0`, DIRECTORY_SYNC_SCHEDULER: 'false', LOG_LEVEL: 'debug' };

async function state(db: TestDatabase) {
  const [row] = await db.query<{ users: string; memberships: string; groups: string; events: string }>(
    `SELECT (SELECT count(*) FROM users)::text AS users, (SELECT count(*) FROM group_memberships)::text AS memberships,
            (SELECT count(*) FROM groups)::text AS groups, (SELECT count(*) FROM change_events)::text AS events`,
  );
  return row;
}

/** A backend of this database (not ours) whose transaction has written something: the apply. */
const applyInFlight = async (db: TestDatabase) =>
  (await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL`)).length > 0;

/**
 * Drill: SIGKILL of the service process while a sync applies its plan. PostgreSQL rolls the
 * apply back, so the database holds the old state; after a restart the next run completes, and the
 * change feed obeys the rules of the README's "Fault drills" (numbers may skip, events never do).
 */
describe('drill: SIGKILL in the middle of a sync apply', () => {
  let db: TestDatabase;
  let sut: SpawnedService | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await sut?.kill();
    await db?.drop();
  });

  it('leaves the old state, the next run completes, and a consumer resuming from its last sequence misses nothing', async () => {
    sut = await startSpawnedService(db.url, ENV);
    const users = grpcClient('UserService', sut.grpcAddress, sut.coreToken);
    // Old state: a few hand-made accounts and their events.
    for (let i = 0; i < 3; i++) await users.call('CreateUser', { username: `local.${i}`, email: `local.${i}@example.test` });
    const consumer = watchChanges(users, 0);
    await consumer.until(3);
    const before = await state(db);
    const feedBefore = await committedFeed(db);

    void fetch(`${sut.httpUrl}/api/v1/directory_sync/run`, { method: 'POST', headers: { authorization: sut.adminAuth, 'content-type': 'application/json' }, body: '{}' }).catch(() => undefined);
    await sut.process.waitForOutput(/plan and guards took/, 20_000);
    await waitFor('the apply transaction to have written rows', () => applyInFlight(db), 10_000, 10);
    await sut.kill();
    users.close();
    await consumer.ended;
    // PostgreSQL notices the closed connection and rolls the apply back.
    await waitFor('the killed apply to be rolled back', async () => !(await applyInFlight(db)), 10_000, 50);

    expect(await state(db)).toEqual(before);
    expect(await committedFeed(db)).toEqual(feedBefore);
    expect(await db.query(`SELECT status FROM sync_runs`)).toEqual([{ status: 'RUNNING' }]);

    sut = await startSpawnedService(db.url, ENV);
    const again = grpcClient('UserService', sut.grpcAddress, sut.coreToken);
    const sync = grpcClient('DirectorySyncService', sut.grpcAddress, sut.coreToken);
    try {
      const lastSeen = consumer.events[consumer.events.length - 1].sequence;
      const resumed = watchChanges(again, lastSeen);
      const run = await sync.call('RunSync', {});
      expect(run.run.status).toBe('SUCCEEDED');
      const after = await state(db);
      expect(Number(after.users)).toBe(USERS + 3);
      const runs = await db.query<{ status: string; message: string }>(`SELECT status, message FROM sync_runs ORDER BY started_at`);
      expect(runs.map((r) => r.status)).toEqual(['FAILED', 'SUCCEEDED']);

      // Feed rule 2: nothing committed behind the consumer; it resumes and gets every later event.
      const feedAfter = await committedFeed(db);
      expect(feedAfter.slice(0, feedBefore.length)).toEqual(feedBefore);
      const newer = feedAfter.slice(feedBefore.length);
      expect(newer.every((e) => BigInt(e.sequence) > BigInt(feedBefore[feedBefore.length - 1].sequence))).toBe(true);
      await resumed.until(newer.length, 20_000);
      expect(resumed.events.map((e) => e.sequence)).toEqual(newer.map((e) => e.sequence));
      // Feed rule 3: every user has its user.created event.
      expect(await db.query(`SELECT u.id FROM users u WHERE NOT EXISTS (SELECT 1 FROM change_events e WHERE e.type = 'user.created' AND e.entity_id = u.id::text)`)).toEqual([]);
      resumed.cancel();
    } finally {
      again.close();
      sync.close();
    }
    expect(await sut.stop()).toBe(0);
    sut = undefined;
  }, 60_000);
});
