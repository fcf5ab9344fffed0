import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ADVISORY_LOCK } from '../database/advisory-locks';
import { chunks } from '../database/postgres-errors';
import { queryPrepared } from '../database/prepared-query';
import { ChangeEventEntity } from './entities/change-event.entity';

/** The LISTEN/NOTIFY channel that wakes live followers when a transaction with events commits. */
export const CHANGE_FEED_CHANNEL = 'defguard_identity_change_feed';

export interface ChangeEventInsert {
  type: string;
  entityId: string;
  payload: unknown;
}

const APPEND_CHUNK = 5000;

/** A change event as the follower reads it: `occurredAt` already in RFC 3339. */
export type ChangeEventRow = Omit<ChangeEventEntity, 'occurredAt'> & { occurredAt: string };

/**
 * All SQL on `change_events` and `change_feed_state`. Writes that return rows are wrapped in a
 * CTE and a SELECT: TypeORM answers a top-level UPDATE/DELETE with [rows, count], not rows.
 */
@Injectable()
export class ChangeFeedRepository {
  /**
   * Held until commit: appends serialize, so sequence order is commit order. The last-admin lock
   * is taken first (in the same statement, left to right): a transaction that appends and later
   * runs LastAdminGuard.protect then already holds it, so the two locks are always taken in the
   * same order and two multi-step transactions cannot deadlock on them.
   */
  async lockAppends(manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1), pg_advisory_xact_lock($2)', [ADVISORY_LOCK.LAST_ADMIN, ADVISORY_LOCK.CHANGE_FEED_APPEND]);
  }

  async insert(manager: EntityManager, events: readonly ChangeEventInsert[]): Promise<void> {
    for (const chunk of chunks(events, APPEND_CHUNK)) {
      // WITH ORDINALITY + ORDER BY: sequences follow the order the caller listed the events in.
      await manager.query(
        `INSERT INTO change_events (type, entity_id, payload)
         SELECT t, e, p::jsonb FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS x(t, e, p, n) ORDER BY n`,
        [chunk.map((e) => e.type), chunk.map((e) => e.entityId), chunk.map((e) => (e.payload === undefined || e.payload === null ? null : JSON.stringify(e.payload)))],
      );
    }
  }

  /** Queued by PostgreSQL and delivered at commit (never for a rolled-back transaction). */
  async notify(manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_notify($1, $2)', [CHANGE_FEED_CHANNEL, '']);
  }

  /**
   * The next `limit` events after `afterSequence`, only the columns a follower streams;
   * occurred_at arrives as RFC 3339 text (what toISOString would print), so no Date per event.
   */
  readAfter(manager: EntityManager, afterSequence: string, limit: number): Promise<ChangeEventRow[]> {
    return queryPrepared<ChangeEventRow>(
      manager,
      'change_events_read_after',
      // ORDER BY must name the bigint column: a bare `sequence` would bind to the text alias.
      `SELECT e.sequence::text AS sequence, e.type, e.entity_id AS "entityId", e.payload,
         to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "occurredAt"
       FROM change_events e WHERE e.sequence > $1::bigint ORDER BY e.sequence LIMIT $2`,
      [afterSequence, limit],
    );
  }

  /** The highest purged sequence (0 when nothing was ever purged). */
  async purgedThrough(manager: EntityManager): Promise<string> {
    const [row]: { purged_through: string }[] = await manager.query('SELECT purged_through::text FROM change_feed_state');
    return row.purged_through;
  }

  /** The newest sequence a consumer can have seen. */
  async latestSequence(manager: EntityManager): Promise<string> {
    const [row]: { latest: string }[] = await manager.query(
      `SELECT GREATEST(COALESCE((SELECT max(sequence) FROM change_events), 0), (SELECT purged_through FROM change_feed_state))::text AS latest`,
    );
    return row.latest;
  }

  /**
   * Deletes up to `limit` of the oldest events among those that occurred before `cutoff`, as a
   * prefix of the sequence, and raises the low-water mark in the same statement.
   */
  async purgeBefore(manager: EntityManager, cutoff: Date, limit: number): Promise<{ deleted: number; purgedThrough: string }> {
    const [row]: { deleted: number; purged_through: string }[] = await manager.query(
      `WITH bound AS (
         SELECT max(sequence) AS last FROM (
           SELECT sequence FROM change_events
           WHERE sequence <= (SELECT max(sequence) FROM change_events WHERE occurred_at < $1)
           ORDER BY sequence LIMIT $2) s),
       gone AS (DELETE FROM change_events WHERE sequence <= (SELECT last FROM bound) RETURNING sequence),
       mark AS (
         UPDATE change_feed_state SET purged_through = GREATEST(purged_through, COALESCE((SELECT max(sequence) FROM gone), 0))
         RETURNING purged_through)
       SELECT (SELECT count(*) FROM gone)::int AS deleted, purged_through::text FROM mark`,
      [cutoff, limit],
    );
    return { deleted: row.deleted, purgedThrough: row.purged_through };
  }
}
