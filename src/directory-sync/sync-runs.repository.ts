import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SyncChangeResponse, SyncCountsResponse, SyncRunMode, SyncRunResponse, SyncRunStatus, SyncTrigger, ZERO_COUNTS } from './sync-run.types';

interface SyncRunRow {
  id: string;
  trigger: SyncTrigger;
  mode: SyncRunMode;
  status: SyncRunStatus;
  dry_run: boolean;
  forced: boolean;
  provider_kind: string | null;
  started_at: Date;
  finished_at: Date | null;
  counts: Partial<SyncCountsResponse>;
  api_calls: number;
  errors: string[];
  message: string;
  changes?: SyncChangeResponse[];
  changes_total: number;
}

export interface SyncRunFinish {
  status: Exclude<SyncRunStatus, SyncRunStatus.Running | SyncRunStatus.SkippedLocked>;
  counts: SyncCountsResponse;
  apiCalls: number;
  errors: string[];
  message: string;
  changes: SyncChangeResponse[];
  changesTotal: number;
}

const LIST_COLUMNS = 'id, trigger, mode, status, dry_run, forced, provider_kind, started_at, finished_at, counts, api_calls, errors, message, changes_total';

function toResponse(row: SyncRunRow): SyncRunResponse {
  return {
    id: row.id,
    trigger: row.trigger,
    mode: row.mode,
    status: row.status,
    dry_run: row.dry_run,
    forced: row.forced,
    provider_kind: row.provider_kind,
    started_at: row.started_at.toISOString(),
    finished_at: row.finished_at ? row.finished_at.toISOString() : null,
    counts: { ...ZERO_COUNTS, ...row.counts },
    api_calls: row.api_calls,
    errors: row.errors,
    message: row.message,
    ...(row.changes ? { changes: row.changes } : {}),
    changes_total: row.changes_total,
  };
}

/** The sync_runs table: one row per run, written when it starts and when it ends. */
@Injectable()
export class SyncRunsRepository {
  async start(manager: EntityManager, run: { trigger: SyncTrigger; mode: SyncRunMode; dryRun: boolean; forced: boolean; providerKind: string | null }): Promise<SyncRunResponse> {
    const rows: SyncRunRow[] = await manager.query(
      `INSERT INTO sync_runs (trigger, mode, status, dry_run, forced, provider_kind) VALUES ($1, $2, 'RUNNING', $3, $4, $5) RETURNING *`,
      [run.trigger, run.mode, run.dryRun, run.forced, run.providerKind],
    );
    return toResponse(rows[0]);
  }

  async finish(manager: EntityManager, id: string, result: SyncRunFinish): Promise<SyncRunResponse> {
    // TypeORM's postgres driver answers UPDATE ... RETURNING with [rows, affected].
    const [rows]: [SyncRunRow[], number] = await manager.query(
      `UPDATE sync_runs SET status = $2, finished_at = clock_timestamp(), counts = $3, api_calls = $4, errors = $5, message = $6, changes = $7, changes_total = $8
       WHERE id = $1 RETURNING *`,
      [id, result.status, JSON.stringify(result.counts), result.apiCalls, result.errors, result.message, JSON.stringify(result.changes), result.changesTotal],
    );
    return toResponse(rows[0]);
  }

  /**
   * Runs left RUNNING by a process that died mid-run (its lock went with its connection). Only
   * called by the holder of the sync lock, so no live run is touched.
   */
  async failInterrupted(manager: EntityManager): Promise<number> {
    const [rows]: [unknown[], number] = await manager.query(
      `UPDATE sync_runs SET status = 'FAILED', finished_at = clock_timestamp(), message = 'interrupted: the service stopped during the run; nothing of it was applied'
       WHERE status = 'RUNNING' RETURNING id`,
    );
    return rows.length;
  }

  async getRunning(manager: EntityManager): Promise<SyncRunResponse | null> {
    const rows: SyncRunRow[] = await manager.query(`SELECT ${LIST_COLUMNS} FROM sync_runs WHERE status = 'RUNNING' ORDER BY started_at DESC LIMIT 1`);
    return rows[0] ? toResponse(rows[0]) : null;
  }

  async getById(manager: EntityManager, id: string): Promise<SyncRunResponse | null> {
    const rows: SyncRunRow[] = await manager.query(`SELECT * FROM sync_runs WHERE id = $1`, [id]);
    return rows[0] ? toResponse(rows[0]) : null;
  }

  /** Newest first; `afterId` is the last run of the previous page (keyset: exact at any precision). */
  async list(manager: EntityManager, limit: number, afterId: string | null): Promise<SyncRunResponse[]> {
    const rows: SyncRunRow[] = afterId
      ? await manager.query(
          `SELECT ${LIST_COLUMNS} FROM sync_runs WHERE (started_at, id) < (SELECT started_at, id FROM sync_runs WHERE id = $1) ORDER BY started_at DESC, id DESC LIMIT $2`,
          [afterId, limit],
        )
      : await manager.query(`SELECT ${LIST_COLUMNS} FROM sync_runs ORDER BY started_at DESC, id DESC LIMIT $1`, [limit]);
    return rows.map(toResponse);
  }

  /** When the newest run (not a dry run) of any replica started. */
  async lastStartedAt(manager: EntityManager): Promise<Date | null> {
    const rows = await manager.query(`SELECT max(started_at) AS at FROM sync_runs WHERE NOT dry_run`);
    return rows[0]?.at ?? null;
  }

  /**
   * When the last SUCCEEDED run that applied its changes (not a dry run) started, of any mode and
   * of FULL mode, with its provider kind: what the engine chooses the next run's mode by.
   */
  async lastSucceeded(manager: EntityManager): Promise<{ any: { startedAt: Date; providerKind: string | null } | null; full: Date | null }> {
    const rows: { mode: SyncRunMode; started_at: Date; provider_kind: string | null }[] = await manager.query(
      `(SELECT mode, started_at, provider_kind FROM sync_runs WHERE status = 'SUCCEEDED' AND NOT dry_run ORDER BY started_at DESC LIMIT 1)
       UNION ALL
       (SELECT mode, started_at, provider_kind FROM sync_runs WHERE status = 'SUCCEEDED' AND NOT dry_run AND mode = 'FULL' ORDER BY started_at DESC LIMIT 1)`,
    );
    const last = rows[0] ?? null;
    const full = rows.find((r) => r.mode === SyncRunMode.Full) ?? null;
    return { any: last ? { startedAt: last.started_at, providerKind: last.provider_kind } : null, full: full?.started_at ?? null };
  }

  /** When the last run that applied a complete snapshot finished (metrics after a restart). */
  async lastSuccessAt(manager: EntityManager): Promise<Date | null> {
    const rows = await manager.query(`SELECT max(finished_at) AS at FROM sync_runs WHERE status = 'SUCCEEDED' AND NOT dry_run`);
    return rows[0]?.at ?? null;
  }
}
