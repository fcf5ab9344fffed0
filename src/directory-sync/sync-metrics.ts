import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../observability/metrics.service';
import { SyncCounts } from './sync-plan';

const COUNT_ACTIONS: Record<keyof SyncCounts, string> = {
  usersCreated: 'user.create',
  usersUpdated: 'user.update',
  usersEnabled: 'user.enable',
  usersDisabled: 'user.disable',
  usersDeleted: 'user.delete',
  groupsCreated: 'group.create',
  membershipsAdded: 'membership.add',
  membershipsRemoved: 'membership.remove',
};

/** Directory sync metrics, on the process registry that /metrics serves. */
@Injectable()
export class SyncMetrics {
  readonly runs: Counter<'status' | 'dry_run'>;
  readonly duration: Histogram<'status'>;
  readonly changes: Counter<'action'>;
  readonly failures: Counter<'reason'>;
  readonly lastSuccess: Gauge;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.runs = new Counter({ name: 'directory_sync_runs_total', help: 'Directory sync runs by final status', labelNames: ['status', 'dry_run'], registers });
    this.duration = new Histogram({
      name: 'directory_sync_run_duration_seconds',
      help: 'Duration of directory sync runs',
      labelNames: ['status'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers,
    });
    this.changes = new Counter({ name: 'directory_sync_changes_total', help: 'Changes applied by directory sync', labelNames: ['action'], registers });
    this.failures = new Counter({ name: 'directory_sync_failures_total', help: 'Directory sync runs that did not apply everything (failed, partial, refused)', labelNames: ['reason'], registers });
    this.lastSuccess = new Gauge({ name: 'directory_sync_last_success_timestamp_seconds', help: 'When the last complete (SUCCEEDED, not dry) run finished, Unix time', registers });
  }

  recordChanges(counts: SyncCounts): void {
    for (const [key, action] of Object.entries(COUNT_ACTIONS) as [keyof SyncCounts, string][]) {
      if (counts[key] > 0) this.changes.inc({ action }, counts[key]);
    }
  }
}
