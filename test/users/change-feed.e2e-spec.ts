import { status as GrpcStatus } from '@grpc/grpc-js';
import { ChangeEventSink, ChangeFeedService } from '../../src/users/change-feed.service';
import { ChangeEventResponse } from '../../src/users/user-response';
import { startTestApp, TestApp } from '../support/app';
import { createTestDatabase, TestDatabase } from '../support/database';
import { grpc, grpcClient, GrpcTestClient } from '../support/grpc-client';
import { createGroup, createUser } from './factories';

interface Event {
  sequence: string;
  type: string;
  entity_id: string;
  entity?: string;
  user?: { id: string; username: string; is_active: boolean };
  group?: { id: string; name: string };
  membership?: { user_id: string; group_id: string; group_name: string };
}

/** Collects a WatchChanges stream; `until` resolves once `n` events arrived. */
function watch(client: GrpcTestClient, afterSequence: string | number) {
  const events: Event[] = [];
  const stream = client.stream('WatchChanges', { after_sequence: String(afterSequence) });
  let ended: Promise<grpc.ServiceError | null>;
  ended = new Promise((resolve) => {
    stream.on('error', (error: grpc.ServiceError) => resolve(error));
    stream.on('end', () => resolve(null));
  });
  const waiters: { n: number; resolve: () => void }[] = [];
  stream.on('data', (event: Event) => {
    events.push(event);
    for (const w of waiters.filter((w) => events.length >= w.n)) w.resolve();
  });
  return {
    events,
    ended,
    until: (n: number, timeoutMs = 10_000) =>
      new Promise<Event[]>((resolve, reject) => {
        if (events.length >= n) return resolve(events);
        const timer = setTimeout(() => reject(new Error(`only ${events.length} of ${n} events arrived`)), timeoutMs);
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve(events)) });
      }),
    cancel: () => stream.cancel(),
  };
}

const sequences = (events: Event[]) => events.map((e) => BigInt(e.sequence));

describe('the change feed (WatchChanges)', () => {
  let db: TestDatabase;
  let app: TestApp;
  let sut: GrpcTestClient;

  const latest = async () => (await db.query<{ s: string }>('SELECT COALESCE(max(sequence), 0)::text AS s FROM change_events'))[0].s;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestApp({ db });
    sut = grpcClient('UserService', app.grpcAddress, app.config.coreGrpcToken);
  });

  afterAll(async () => {
    sut?.close();
    await app?.stop();
    await db?.drop();
  });

  it('replays every change with its entity as the payload, in order', async () => {
    const from = await latest();
    const user = await createUser(sut, { username: 'feed.ann', email: 'feed.ann@example.com' });
    // A failed write appends nothing.
    await expect(sut.call('CreateUser', { username: 'feed.ann', email: 'other@example.com' })).rejects.toMatchObject({ code: GrpcStatus.ALREADY_EXISTS });
    const group = await createGroup(sut, 'feed-staff');
    await sut.call('AddUserToGroup', { user_id: user.id, group_id: group.id });
    await sut.call('UpdateUser', { id: user.id, is_active: false });
    await sut.call('UpdateUser', { id: user.id, is_active: false }); // no change: no event
    await sut.call('RemoveUserFromGroup', { user_id: user.id, group_id: group.id });
    await sut.call('DeleteGroup', { id: group.id });
    await sut.call('DeleteUser', { id: user.id });

    const stream = watch(sut, from);
    const events = await stream.until(7);
    stream.cancel();
    expect(events.map((e) => [e.type, e.entity])).toEqual([
      ['user.created', 'user'],
      ['group.created', 'group'],
      ['membership.added', 'membership'],
      ['user.updated', 'user'],
      ['membership.removed', 'membership'],
      ['group.deleted', 'group'],
      ['user.deleted', 'user'],
    ]);
    expect(events[0].user).toMatchObject({ id: user.id, username: 'feed.ann', is_active: true });
    expect(events[2]).toMatchObject({ entity_id: `${user.id}:${group.id}`, membership: { user_id: user.id, group_id: group.id, group_name: 'feed-staff' } });
    expect(events[3].user).toMatchObject({ is_active: false });
    expect(events[6].user).toMatchObject({ id: user.id, username: 'feed.ann' });
    const seqs = sequences(events);
    expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : 1)));
  });

  it('follows new events live after the replay', async () => {
    const stream = watch(sut, await latest());
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const user = await createUser(sut);
    const [event] = await stream.until(1);
    // LISTEN/NOTIFY, not the 1 s fallback poll.
    expect(Date.now() - started).toBeLessThan(900);
    expect(event).toMatchObject({ type: 'user.created', user: { id: user.id } });
    stream.cancel();
  });

  it('misses nothing and repeats nothing while many writers commit concurrently', async () => {
    const from = await latest();
    const stream = watch(sut, from);
    const writers = Array.from({ length: 4 }, () => grpcClient('UserService', app.grpcAddress, app.config.coreGrpcToken));
    await Promise.all(writers.map(async (writer) => {
      for (let i = 0; i < 25; i++) await createUser(writer);
    }));
    writers.forEach((w) => w.close());
    const committed = (await db.query<{ s: string }>('SELECT sequence::text AS s FROM change_events WHERE sequence > $1 ORDER BY sequence', [from])).map((r) => BigInt(r.s));
    expect(committed).toHaveLength(100);
    const events = await stream.until(100);
    stream.cancel();
    expect(sequences(events)).toEqual(committed);
  });

  it('resumes across a restart of the service with no gap and no duplicate', async () => {
    const from = await latest();
    for (let i = 0; i < 5; i++) await createUser(sut);
    const first = watch(sut, from);
    const seen = await first.until(5);
    const lastProcessed = seen[4].sequence;

    // Shutdown ends the open stream (UNAVAILABLE: reconnect) instead of holding shutdown up.
    const stopping = Date.now();
    await app.stop();
    expect(Date.now() - stopping).toBeLessThan(4000);
    expect(await first.ended).toMatchObject({ code: GrpcStatus.UNAVAILABLE, details: expect.stringContaining('reconnect') });
    sut.close();

    app = await startTestApp({ db });
    sut = grpcClient('UserService', app.grpcAddress, app.config.coreGrpcToken);
    for (let i = 0; i < 5; i++) await createUser(sut);
    const second = watch(sut, lastProcessed);
    const resumed = await second.until(5);
    await createUser(sut);
    await second.until(6);
    second.cancel();
    const all = sequences([...seen, ...resumed]);
    const committed = (await db.query<{ s: string }>('SELECT sequence::text AS s FROM change_events WHERE sequence > $1 ORDER BY sequence', [from])).map((r) => BigInt(r.s));
    expect(all).toEqual(committed);
  });

  it('answers OUT_OF_RANGE for a sequence older than the retained window, exactly at the low-water mark', async () => {
    for (let i = 0; i < 3; i++) await createUser(sut);
    const feed = app.app.get(ChangeFeedService);
    const { purgedThrough } = await feed.purgeExpired(new Date(Date.now() + 31 * 24 * 3600 * 1000));
    expect(BigInt(purgedThrough)).toBeGreaterThan(0n);

    const tooOld = watch(sut, String(BigInt(purgedThrough) - 1n));
    expect(await tooOld.ended).toMatchObject({ code: GrpcStatus.OUT_OF_RANGE, details: expect.stringContaining('older than the retained change feed') });

    const atMark = watch(sut, purgedThrough);
    const fromZero = watch(sut, 0);
    const user = await createUser(sut);
    expect((await atMark.until(1))[0].user!.id).toBe(user.id);
    expect((await fromZero.until(1))[0].user!.id).toBe(user.id);
    atMark.cancel();
    fromZero.cancel();

    const ahead = watch(sut, '999999999');
    expect(await ahead.ended).toMatchObject({ code: GrpcStatus.OUT_OF_RANGE, details: expect.stringContaining('ahead of the change feed') });
  });

  it('reads the next batch only after the consumer has drained (back-pressure), in numeric sequence order', async () => {
    const from = await latest();
    await db.query(`INSERT INTO change_events (type, entity_id, payload) SELECT 'group.updated', g::text, NULL FROM generate_series(1, 3000) g`);
    const feed = app.app.get(ChangeFeedService);
    const received: ChangeEventResponse[] = [];
    let release!: () => void;
    const sink: ChangeEventSink = {
      // A consumer whose buffer is always full: one write, then wait for drain.
      write: (event) => (received.push(event), false),
      drained: () => new Promise<void>((resolve) => (release = resolve)),
    };
    const stop = new AbortController();
    const following = feed.follow(from, sink, stop.signal);
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toHaveLength(1);
    // The consumer catches up: the rest flows without waiting.
    sink.write = (event) => (received.push(event), true);
    release();
    while (received.length < 3000) await new Promise((r) => setTimeout(r, 10));
    expect(received.map((e) => e.entity_id)).toEqual(Array.from({ length: 3000 }, (_, i) => String(i + 1)));
    stop.abort();
    release();
    await following;
  });
});
