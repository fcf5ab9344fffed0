import { SyncRunMode } from './sync-run.types';

/** What a manual trigger may ask for; absent: the scheduler's choice. */
export type RequestedSyncMode = 'full' | 'incremental';

export interface ModeInput {
  requested?: RequestedSyncMode;
  /** The adapter's capability (DirectoryProvider.supportsIncremental). */
  supportsIncremental: boolean;
  providerKind: string;
  /** The last SUCCEEDED, applied run of any mode, and the last FULL one. */
  lastSucceeded: { startedAt: Date; providerKind: string | null } | null;
  lastFullSucceeded: Date | null;
  fullSyncIntervalSeconds: number;
  now: Date;
}

export interface ModeDecision {
  mode: SyncRunMode;
  /** INCREMENTAL: the high-water mark (the last success's start; the adapter subtracts its margin). */
  since: Date | null;
  /** Why, for the run record. */
  reason: string;
}

/**
 * FULL when nothing can be trusted as a base (no successful run, another provider kind), when the
 * adapter lists only in full, when the last full reconciliation is older than the interval (only
 * a full run sees deletions), or when asked; INCREMENTAL otherwise, or when asked and possible.
 */
export function chooseSyncMode(input: ModeInput): ModeDecision {
  const full = (reason: string): ModeDecision => ({ mode: SyncRunMode.Full, since: null, reason });
  if (input.requested === 'full') return full('full run requested');
  if (!input.supportsIncremental) return full(`the ${input.providerKind} adapter lists in full only`);
  if (!input.lastSucceeded) return full('no previous successful run');
  if (input.lastSucceeded.providerKind !== input.providerKind) return full(`the previous successful run was against another provider (${input.lastSucceeded.providerKind})`);
  const since = input.lastSucceeded.startedAt;
  const incremental: ModeDecision = { mode: SyncRunMode.Incremental, since, reason: `changes since ${since.toISOString()}` };
  if (input.requested === 'incremental') return incremental;
  const dueMs = input.fullSyncIntervalSeconds * 1000;
  if (!input.lastFullSucceeded) return full('no previous successful full run');
  if (input.now.getTime() - input.lastFullSucceeded.getTime() >= dueMs) return full(`the last full run is older than full_sync_interval_seconds (${input.fullSyncIntervalSeconds})`);
  return incremental;
}
