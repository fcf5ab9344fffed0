import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { ValidationError } from '../common/errors';
import { SyncEngineService } from './sync-engine.service';
import { SyncRunResponse, SyncTrigger } from './sync-run.types';

/** SyncRun as the proto has it (proto-loader: keepCase, enums as strings; null -> absent). */
export function toSyncRunMessage(run: SyncRunResponse, withChanges: boolean) {
  return {
    id: run.id,
    trigger: run.trigger,
    mode: run.mode,
    status: run.status,
    dry_run: run.dry_run,
    forced: run.forced,
    started_at: run.started_at,
    finished_at: run.finished_at ?? undefined,
    counts: run.counts,
    api_calls: run.api_calls,
    errors: run.errors,
    message: run.message,
    changes: withChanges ? (run.changes ?? []).map((c) => ({ ...c })) : [],
  };
}

@Controller()
export class DirectorySyncGrpcController {
  constructor(private readonly engine: SyncEngineService) {}

  @GrpcMethod('DirectorySyncService', 'TestConnection')
  testConnection() {
    return this.engine.testConnection();
  }

  @GrpcMethod('DirectorySyncService', 'RunSync')
  async runSync(request: { dry_run?: boolean; force?: boolean; mode?: string }) {
    const mode = request.mode ? request.mode.toLowerCase() : undefined;
    if (mode !== undefined && mode !== 'full' && mode !== 'incremental') throw new ValidationError(`mode must be "full", "incremental" or empty (got ${JSON.stringify(request.mode)})`, 'invalid_mode');
    const result = await this.engine.run({ trigger: SyncTrigger.Manual, dryRun: !!request.dry_run, force: !!request.force, mode });
    return { run: toSyncRunMessage(result.run, true) };
  }

  @GrpcMethod('DirectorySyncService', 'GetSyncRun')
  async getSyncRun(request: { id?: string }) {
    return { run: toSyncRunMessage(await this.engine.getRun(request.id ?? ''), true) };
  }

  @GrpcMethod('DirectorySyncService', 'ListSyncRuns')
  async listSyncRuns(request: { page_size?: number; page_token?: string }) {
    const page = await this.engine.listRuns({ pageSize: request.page_size, pageToken: request.page_token });
    return { runs: page.runs.map((run) => toSyncRunMessage(run, false)), next_page_token: page.next_page_token };
  }
}
