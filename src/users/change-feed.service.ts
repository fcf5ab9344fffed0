import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { OutOfRangeError, UnavailableError, ValidationError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { CHANGE_FEED_CHANNEL, ChangeEventInsert, ChangeFeedRepository } from './change-feed.repository';
import { membershipEntityId, toChangeEventResponse } from './user-mapping';
import { ChangeEventResponse, ChangeEventType, GroupResponse, MembershipResponse, UserResponse } from './user-response';

/** Where a follower writes events: a gRPC stream adapter, or anything with the same contract. */
export interface ChangeEventSink {
  /** false: the consumer's buffer is full; wait for `drained` before writing more. */
  write(event: ChangeEventResponse): boolean;
  drained(signal: AbortSignal): Promise<void>;
}

/** Builders of the events the users module appends; payload = the entity as gRPC shows it. */
export const ChangeEvents = {
  user: (type: 'user.created' | 'user.updated' | 'user.deleted', user: UserResponse): ChangeEventInsert => ({ type, entityId: user.id, payload: user }),
  group: (type: 'group.created' | 'group.updated' | 'group.deleted', group: GroupResponse): ChangeEventInsert => ({ type, entityId: group.id, payload: group }),
  membership: (type: 'membership.added' | 'membership.removed', membership: MembershipResponse): ChangeEventInsert => ({
    type,
    entityId: membershipEntityId(membership),
    payload: membership,
  }),
  /** Events of other modules (provider.updated carries no payload: read the provider). */
  other: (type: ChangeEventType, entityId: string, payload: unknown = null): ChangeEventInsert => ({ type, entityId, payload }),
};

/** Events read per query; a follower holds at most one batch in memory. */
const READ_BATCH = 1000;
/** Safety net for a missed notification (listener reconnecting, another replica's commit). */
const POLL_INTERVAL_MS = 1000;
const LISTENER_RETRY_MS = 1000;
const PURGE_INTERVAL_MS = 60 * 60 * 1000;
const PURGE_BATCH = 10_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The append-only change feed: every change to users, groups and memberships appends its events
 * in the transaction that makes the change (`append`), and `follow` streams them from a sequence
 * number, then live, at least once and in order.
 *
 * Why nothing is missed: `append` takes an advisory lock held until commit, so transactions
 * append one at a time and sequence order equals commit order; a follower that has read
 * sequence N can never later see a smaller sequence commit. Followers resume with
 * `sequence > last`, so a reconnect repeats nothing it had processed.
 */
@Injectable()
export class ChangeFeedService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ChangeFeedService.name);
  private readonly waiters = new Set<() => void>();
  private readonly followers = new Set<AbortController>();
  /** Bumped by every notification: lets a follower notice one that arrived while it was reading. */
  private notifications = 0;
  private listener: Client | undefined;
  private listenerStarting: Promise<void> | undefined;
  private listenerRetry: NodeJS.Timeout | undefined;
  private purgeTimer: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: ChangeFeedRepository,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const purge = () => void this.purgeExpired().catch((error) => this.logger.warn({ err: error }, 'change feed purge failed; retrying next hour'));
    this.purgeTimer = setTimeout(() => {
      purge();
      this.purgeTimer = setInterval(purge, PURGE_INTERVAL_MS).unref();
    }, 10_000).unref();
  }

  /**
   * Ends every open stream (UNAVAILABLE: the client reconnects with its last sequence) so a
   * graceful shutdown is not held up by followers that would otherwise wait forever.
   */
  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    clearTimeout(this.purgeTimer);
    clearInterval(this.purgeTimer);
    clearTimeout(this.listenerRetry);
    for (const follower of this.followers) follower.abort();
    this.wakeFollowers();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  /**
   * Appends events in the caller's transaction. Takes the change-feed lock (held until commit),
   * so call it as late as possible in the transaction, and after LastAdminGuard.protect's lock.
   */
  async append(manager: EntityManager, events: readonly ChangeEventInsert[]): Promise<void> {
    if (events.length === 0) return;
    await this.repository.lockAppends(manager);
    await this.repository.insert(manager, events);
    await this.repository.notify(manager);
  }

  /**
   * Streams every event with sequence > afterSequence into `sink`, then follows new ones until
   * `signal` aborts. Back-pressure: the next batch is read only after the sink has drained.
   * Throws OutOfRangeError when afterSequence is older than the retained window (or newer than
   * the feed, e.g. after a database restore), ValidationError for a malformed sequence and
   * UnavailableError when the service shuts down.
   */
  async follow(afterSequence: string, sink: ChangeEventSink, signal: AbortSignal): Promise<void> {
    if (!/^\d{1,19}$/.test(afterSequence) || BigInt(afterSequence) > BigInt('9223372036854775807')) {
      throw new ValidationError(`after_sequence must be a non-negative integer (got ${JSON.stringify(afterSequence)})`, 'invalid_sequence');
    }
    if (this.closing) throw new UnavailableError('The service is shutting down; reconnect with the last sequence you processed');
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.followers.add(stop);
    try {
      await this.ensureListener();
      await this.followUntilStopped(afterSequence, sink, stop.signal);
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.followers.delete(stop);
    }
    if (this.closing && !signal.aborted) throw new UnavailableError('The service is shutting down; reconnect with the last sequence you processed');
  }

  private async followUntilStopped(afterSequence: string, sink: ChangeEventSink, signal: AbortSignal): Promise<void> {
    const manager = this.dataSource.manager;
    const purged = await this.repository.purgedThrough(manager);
    const latest = await this.repository.latestSequence(manager);
    if (afterSequence !== '0' && BigInt(afterSequence) < BigInt(purged)) throw this.outOfRange(afterSequence, purged);
    if (BigInt(afterSequence) > BigInt(latest)) {
      throw new OutOfRangeError(`after_sequence ${afterSequence} is ahead of the change feed (latest ${latest}); watch again from after_sequence 0 while resynchronising with ListUsers and ListGroups`, 'sequence_ahead');
    }
    // 0 means "from the oldest retained event".
    let last = afterSequence === '0' ? purged : afterSequence;
    while (!signal.aborted) {
      const seen = this.notifications;
      const batch = await this.repository.readAfter(manager, last, READ_BATCH);
      // A purge that committed before this read shows up as a low-water mark past our position.
      if (batch.length > 0 && BigInt(batch[0].sequence) > BigInt(last) + 1n) {
        const now = await this.repository.purgedThrough(manager);
        if (BigInt(now) > BigInt(last)) throw this.outOfRange(last, now);
      }
      for (const event of batch) {
        if (signal.aborted) return;
        last = event.sequence;
        if (!sink.write(toChangeEventResponse(event))) await sink.drained(signal);
      }
      if (batch.length < READ_BATCH && this.notifications === seen) await this.waitForChange(signal);
    }
  }

  private outOfRange(after: string, purgedThrough: string): OutOfRangeError {
    return new OutOfRangeError(
      `after_sequence ${after} is older than the retained change feed (events up to ${purgedThrough} were purged); watch again from after_sequence 0 while resynchronising with ListUsers and ListGroups`,
      'sequence_purged',
    );
  }

  private waitForChange(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, POLL_INTERVAL_MS);
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private wakeFollowers(): void {
    this.notifications++;
    for (const wake of [...this.waiters]) wake();
  }

  /** One LISTEN connection per process, opened by the first follower and reopened if it drops. */
  private ensureListener(): Promise<void> {
    if (this.listener || this.closing) return Promise.resolve();
    this.listenerStarting ??= this.startListener().finally(() => (this.listenerStarting = undefined));
    return this.listenerStarting;
  }

  private async startListener(): Promise<void> {
    const client = new Client({ connectionString: this.config.databaseUrl, connectionTimeoutMillis: 5000 });
    const retry = (error?: unknown) => {
      if (this.listener === client) this.listener = undefined;
      client.end().catch(() => undefined);
      if (this.closing) return;
      if (error) this.logger.warn({ err: error }, 'change feed listener lost; followers poll until it is back');
      clearTimeout(this.listenerRetry);
      this.listenerRetry = setTimeout(() => void this.ensureListener(), LISTENER_RETRY_MS).unref();
    };
    try {
      client.on('notification', () => this.wakeFollowers());
      client.on('error', retry);
      client.on('end', () => (this.listener === client ? retry(new Error('connection ended')) : undefined));
      await client.connect();
      await client.query(`LISTEN ${CHANGE_FEED_CHANNEL}`);
      if (this.closing) {
        await client.end();
        return;
      }
      this.listener = client;
      // Events committed while no listener was up are picked up by this wake-up (or the poll).
      this.wakeFollowers();
    } catch (error) {
      retry(error);
    }
  }

  /** Deletes events older than CHANGE_FEED_RETENTION_DAYS and raises the low-water mark. */
  async purgeExpired(now = new Date()): Promise<{ deleted: number; purgedThrough: string }> {
    const cutoff = new Date(now.getTime() - this.config.changeFeedRetentionDays * DAY_MS);
    let total = 0;
    let purgedThrough = '0';
    for (;;) {
      const { deleted, purgedThrough: mark } = await this.dataSource.transaction((manager) => this.repository.purgeBefore(manager, cutoff, PURGE_BATCH));
      total += deleted;
      purgedThrough = mark;
      if (deleted < PURGE_BATCH || this.closing) break;
    }
    if (total > 0) this.logger.log(`purged ${total} change events; the feed now starts after sequence ${purgedThrough}`);
    return { deleted: total, purgedThrough };
  }

  /** The newest sequence (a consumer that resnapshots resumes from here). */
  latestSequence(): Promise<string> {
    return this.repository.latestSequence(this.dataSource.manager);
  }
}
