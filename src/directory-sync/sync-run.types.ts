import { SyncCounts } from './sync-plan';

export enum SyncTrigger {
  Schedule = 'SCHEDULE',
  Manual = 'MANUAL',
  Startup = 'STARTUP',
}

/** FULL: the whole directory, absence processed. INCREMENTAL: only what changed since the last success. */
export enum SyncRunMode {
  Full = 'FULL',
  Incremental = 'INCREMENTAL',
}

export enum SyncRunStatus {
  Running = 'RUNNING',
  Succeeded = 'SUCCEEDED',
  Partial = 'PARTIAL',
  Refused = 'REFUSED',
  Failed = 'FAILED',
  /** Never stored: the answer to a trigger that found another run holding the lock. */
  SkippedLocked = 'SKIPPED_LOCKED',
}

/** One planned or applied change, as REST and gRPC show it (SyncChange in the proto). */
export interface SyncChangeResponse {
  action: string;
  user_id?: string;
  username?: string;
  email?: string;
  group_name?: string;
  reason: string;
}

export interface SyncCountsResponse {
  users_created: number;
  users_updated: number;
  users_enabled: number;
  users_disabled: number;
  users_deleted: number;
  groups_created: number;
  memberships_added: number;
  memberships_removed: number;
}

/** A run record as REST and gRPC show it (SyncRun in the proto, snake_case). */
export interface SyncRunResponse {
  id: string;
  trigger: SyncTrigger;
  mode: SyncRunMode;
  status: SyncRunStatus;
  dry_run: boolean;
  forced: boolean;
  provider_kind: string | null;
  started_at: string;
  finished_at: string | null;
  counts: SyncCountsResponse;
  api_calls: number;
  errors: string[];
  message: string;
  /** Omitted by the list endpoints. At most MAX_RECORDED_CHANGES; see changes_total. */
  changes?: SyncChangeResponse[];
  changes_total: number;
}

export function toCountsResponse(counts: SyncCounts): SyncCountsResponse {
  return {
    users_created: counts.usersCreated,
    users_updated: counts.usersUpdated,
    users_enabled: counts.usersEnabled,
    users_disabled: counts.usersDisabled,
    users_deleted: counts.usersDeleted,
    groups_created: counts.groupsCreated,
    memberships_added: counts.membershipsAdded,
    memberships_removed: counts.membershipsRemoved,
  };
}

export const ZERO_COUNTS: SyncCountsResponse = toCountsResponse({
  usersCreated: 0,
  usersUpdated: 0,
  usersEnabled: 0,
  usersDisabled: 0,
  usersDeleted: 0,
  groupsCreated: 0,
  membershipsAdded: 0,
  membershipsRemoved: 0,
});

/** What `run()` reports, besides the record (STYLE: an explicit outcome). */
export type SyncOutcome = 'completed' | 'partial' | 'refused' | 'failed' | 'skipped_locked';
