import { Injectable, Logger } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import { FailedPreconditionError, NotFoundError, UpstreamError, ValidationError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { ADVISORY_LOCK } from '../database/advisory-locks';
import { BulkUsersService, SyncStateRow } from '../users/bulk-users.service';
import { LastAdminGuard } from '../users/last-admin.guard';
import { cleanUsername, usernameProblem } from '../users/username';
import { ConnectionTestResult, DirectoryFetchError, DirectoryGroup, DirectoryProvider } from './directory-provider';
import { DirectoryProviderFactory } from './directory-provider.factory';
import { applySyncPlan } from './sync-apply';
import { checkDeletionThreshold, failClosed, protectLastAdmin } from './sync-guards';
import { SyncMetrics } from './sync-metrics';
import { computeSyncPlan, countPlan, SkippedChange, StoredState, SyncCounts, SyncPlan, SyncPolicy } from './sync-plan';
import { SyncProviderConfig, SyncProviderSource } from './sync-provider-source';
import { SyncRunFinish, SyncRunsRepository } from './sync-runs.repository';
import { chooseSyncMode, ModeDecision, RequestedSyncMode } from './sync-mode';
import { SyncChangeResponse, SyncOutcome, SyncRunMode, SyncRunResponse, SyncRunStatus, SyncTrigger, toCountsResponse, ZERO_COUNTS } from './sync-run.types';
import { SyncSettings } from './sync-settings.repository';
import { SyncSettingsService } from './sync-settings.service';
import { DirectorySnapshot, GroupFilter, SnapshotBuilder, SnapshotGroup } from './sync-snapshot';
import { isUuid, requireUuid } from '../common/uuid';

/** Changes kept on a run record (counts are always exact; the change feed holds every change). */
export const MAX_RECORDED_CHANGES = 10_000;
const MAX_RECORDED_ERRORS = 1_000;
/** Members of this many groups are listed at once (adapters bound their own API concurrency too). */
const MEMBER_LISTING_CONCURRENCY = 4;
/** A trigger that loses the lock waits this long for the winner's run record to appear. */
const LOCK_LOSER_WAIT_MS = 3_000;

export interface RunOptions {
  trigger: SyncTrigger;
  dryRun?: boolean;
  force?: boolean;
  /** Absent: the engine chooses (chooseSyncMode). */
  mode?: RequestedSyncMode;
}

export interface SyncRunResult {
  outcome: SyncOutcome;
  run: SyncRunResponse;
}

export interface UserGroupsRefresh {
  outcome: 'applied' | 'skipped';
  reason: string;
  counts: SyncCounts;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Each `next()` of a directory listing must answer within `ms`, or the listing counts as failed. */
async function* withPageTimeout<T>(iterable: AsyncIterable<T>, ms: number, what: string): AsyncIterable<T> {
  const iterator = iterable[Symbol.asyncIterator]();
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DirectoryFetchError(`${what}: no answer within ${ms} ms`)), ms);
      });
      const next = await Promise.race([iterator.next(), timeout]).finally(() => clearTimeout(timer));
      if (next.done) return;
      yield next.value;
    }
  } finally {
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

async function forEachLimit<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function toStoredState(rows: { users: SyncStateRow['users']; groups: SyncStateRow['groups'] }): StoredState {
  // Group ids are interned through the group list so 500k memberships share 2k strings.
  const groupIds = new Map(rows.groups.map((g) => [g.id, g.id]));
  return {
    groups: rows.groups.map((g) => ({ id: g.id, name: g.name, isAdmin: g.is_admin, directoryId: g.directory_id })),
    users: rows.users.map((u) => ({
      id: u.id,
      username: u.username,
      email: u.email,
      directoryId: u.directory_id,
      subject: u.subject,
      source: u.source,
      isActive: u.is_active,
      firstName: u.first_name,
      lastName: u.last_name,
      phone: u.phone,
      groupIds: u.group_ids.map((id) => groupIds.get(id) ?? id),
    })),
  };
}

/** The plan as the run record lists it: applied (or planned) changes first, capped. */
function planChanges(plan: SyncPlan, limit = MAX_RECORDED_CHANGES): { changes: SyncChangeResponse[]; total: number } {
  const changes: SyncChangeResponse[] = [];
  const push = (change: SyncChangeResponse) => {
    if (changes.length < limit) changes.push(change);
  };
  const user = (action: string, c: { userId: string; username: string; email: string; reason: string }) =>
    push({ action, user_id: c.userId, username: c.username, email: c.email, reason: c.reason });
  plan.groupsToCreate.forEach((g) => push({ action: 'group.create', group_name: g.name, reason: 'directory group with no group of that name yet' }));
  plan.usersToCreate.forEach((u) => push({ action: 'user.create', username: u.username, email: u.email, reason: u.reason }));
  plan.usersToUpdate.forEach((u) => push({ action: 'user.update', user_id: u.userId, username: u.username, email: u.email, reason: `${u.reason}: ${Object.keys(u.changes).join(', ')}` }));
  plan.usersToEnable.forEach((c) => user('user.enable', c));
  plan.membershipsToAdd.forEach((m) => push({ action: 'membership.add', ...(m.userId ? { user_id: m.userId } : {}), username: m.username, email: m.email, group_name: m.groupName, reason: m.reason }));
  plan.membershipsToRemove.forEach((m) => push({ action: 'membership.remove', user_id: m.userId!, username: m.username, email: m.email, group_name: m.groupName, reason: m.reason }));
  plan.usersToDisable.forEach((c) => user('user.disable', c));
  plan.usersToDelete.forEach((c) => user('user.delete', c));
  const counts = countPlan(plan);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return { changes, total };
}

function skippedLine(s: SkippedChange): string {
  const who = s.username ?? s.email ?? s.userId ?? '';
  return `skipped ${s.action}${who ? ` of ${who}` : ''}${s.groupName ? ` in ${s.groupName}` : ''}: ${s.reason}`;
}

/**
 * Orchestrates one sync run: lock -> snapshot -> plan -> guards -> apply -> record (STYLE: Sync).
 * One run at a time across every replica: a session-level advisory lock on a dedicated
 * connection, which PostgreSQL releases by itself if this process dies.
 */
@Injectable()
export class SyncEngineService {
  private readonly logger = new Logger(SyncEngineService.name);
  private current: Promise<unknown> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly source: SyncProviderSource,
    private readonly settings: SyncSettingsService,
    private readonly factory: DirectoryProviderFactory,
    private readonly runs: SyncRunsRepository,
    private readonly bulk: BulkUsersService,
    private readonly lastAdmin: LastAdminGuard,
    private readonly metrics: SyncMetrics,
    private readonly config: AppConfig,
  ) {}

  /** The run in progress in this process, if any (graceful shutdown waits for it). */
  get inProgress(): Promise<unknown> | null {
    return this.current;
  }

  async requireConfig(): Promise<SyncProviderConfig> {
    const config = await this.source.getActive();
    if (!config) throw new FailedPreconditionError('Directory sync is not configured: no OpenID provider is set up', 'sync_not_configured');
    if (!config.syncEnabled) throw new FailedPreconditionError('Directory sync is disabled for the current provider (directory_sync_enabled is false)', 'sync_disabled');
    return config;
  }

  async run(options: RunOptions): Promise<SyncRunResult> {
    const config = await this.requireConfig();
    const settings = await this.settings.forProvider(config.providerId);
    const provider = this.factory.create(config, settings);
    const work = this.runLocked(options, config, settings, provider);
    this.current = work;
    try {
      return await work;
    } finally {
      if (this.current === work) this.current = null;
    }
  }

  private async runLocked(options: RunOptions, config: SyncProviderConfig, settings: SyncSettings, provider: DirectoryProvider): Promise<SyncRunResult> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const deadline = Date.now() + LOCK_LOSER_WAIT_MS;
      for (;;) {
        const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [ADVISORY_LOCK.DIRECTORY_SYNC]);
        if (locked) break;
        const running = await this.runs.getRunning(this.dataSource.manager);
        if (running) return this.alreadyRunning(running);
        // The holder is a login-time refresh (milliseconds) or a run not yet recorded: retry.
        if (Date.now() > deadline) return this.alreadyRunning(null);
        await sleep(100);
      }
      try {
        const interrupted = await this.runs.failInterrupted(runner.manager);
        if (interrupted > 0) this.logger.warn(`${interrupted} run(s) left RUNNING by a stopped process were marked FAILED`);
        const last = await this.runs.lastSucceeded(runner.manager);
        const decision = chooseSyncMode({
          requested: options.mode,
          supportsIncremental: provider.supportsIncremental === true,
          providerKind: config.kind,
          lastSucceeded: last.any,
          lastFullSucceeded: last.full,
          fullSyncIntervalSeconds: settings.full_sync_interval_seconds,
          now: new Date(),
        });
        const run = await this.runs.start(runner.manager, { trigger: options.trigger, mode: decision.mode, dryRun: !!options.dryRun, forced: !!options.force, providerKind: config.kind });
        return await this.execute(run, runner, options, config, settings, provider, decision);
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK.DIRECTORY_SYNC]).catch(() => undefined);
      }
    } finally {
      await runner.release().catch(() => undefined);
    }
  }

  private alreadyRunning(running: SyncRunResponse | null): SyncRunResult {
    const message = running ? `already running: run ${running.id} (${running.trigger}) started at ${running.started_at}` : 'already running: another sync holds the lock';
    const run: SyncRunResponse = running
      ? { ...running, status: SyncRunStatus.SkippedLocked, message, finished_at: null }
      : {
          id: '',
          trigger: SyncTrigger.Manual,
          mode: SyncRunMode.Full,
          status: SyncRunStatus.SkippedLocked,
          dry_run: false,
          forced: false,
          provider_kind: null,
          started_at: new Date().toISOString(),
          finished_at: null,
          counts: ZERO_COUNTS,
          api_calls: 0,
          errors: [],
          message,
          changes_total: 0,
        };
    return { outcome: 'skipped_locked', run };
  }

  private policyOf(config: SyncProviderConfig, settings: SyncSettings): SyncPolicy {
    return {
      target: config.target,
      userBehavior: config.userBehavior,
      adminBehavior: config.adminBehavior,
      prefetchUsers: config.prefetchUsers,
      manageLocalUsers: settings.manage_local_users,
      deriveUsername: (user) => {
        const candidate = cleanUsername((user.email ?? '').split('@')[0], config.usernameHandling === 'PruneEmailDomain' ? 'ReplaceForbidden' : config.usernameHandling);
        return usernameProblem(candidate) ? '' : candidate;
      },
    };
  }

  private filterOf(config: SyncProviderConfig, settings: SyncSettings): GroupFilter {
    return { names: [...config.groupMatch, ...settings.group_filter_names], prefixes: settings.group_filter_prefixes, types: settings.group_filter_types };
  }

  private async execute(
    run: SyncRunResponse,
    runner: QueryRunner,
    options: RunOptions,
    config: SyncProviderConfig,
    settings: SyncSettings,
    provider: DirectoryProvider,
    decision: ModeDecision,
  ): Promise<SyncRunResult> {
    const incrementalRun = decision.mode === SyncRunMode.Incremental;
    const startedAt = process.hrtime.bigint();
    let finish: SyncRunFinish;
    let outcome: SyncOutcome;
    try {
      const phase = (name: string, since: bigint) => this.logger.debug(`run ${run.id}: ${name} took ${(Number(process.hrtime.bigint() - since) / 1e9).toFixed(2)} s`);
      let t = process.hrtime.bigint();
      const snapshot = await this.fetchSnapshot(provider, config, settings, decision);
      phase(`${decision.mode} snapshot (${snapshot.users.length} users, ${snapshot.groups.length} groups)`, t);
      await runner.startTransaction();
      try {
        const manager = runner.manager;
        // Serializes with every other admin-reducing transaction; taken before any change-feed append.
        await this.lastAdmin.lock(manager);
        t = process.hrtime.bigint();
        const stored = toStoredState(await this.bulk.loadSyncState(manager));
        phase(`loading ${stored.users.length} accounts`, t);
        t = process.hrtime.bigint();
        let plan = computeSyncPlan(snapshot, stored, this.policyOf(config, settings));
        const incomplete = [...snapshot.incomplete];
        if (!incrementalRun && snapshot.users.length === 0 && plan.managedAccounts > 0) incomplete.push('the directory returned no users while accounts are managed by sync');
        plan = failClosed(plan, incomplete);
        plan = protectLastAdmin(plan, stored);
        const threshold = checkDeletionThreshold(plan, { percent: settings.deletion_threshold_percent, count: settings.deletion_threshold_count });
        const errors = [...incomplete, ...snapshot.warnings, ...plan.skipped.map(skippedLine)];
        phase('plan and guards', t);
        const recorded = planChanges(plan);
        const partial = incomplete.length > 0;
        const statusIfApplied = partial ? SyncRunStatus.Partial : SyncRunStatus.Succeeded;
        const common = { apiCalls: provider.stats().apiCalls, changes: recorded.changes, changesTotal: recorded.total };

        if (threshold.exceeded && !options.force) {
          await runner.rollbackTransaction();
          outcome = 'refused';
          finish = { ...common, status: SyncRunStatus.Refused, counts: toCountsResponse(countPlan(plan)), errors: [threshold.message, ...errors], message: threshold.message };
        } else if (options.dryRun) {
          await runner.rollbackTransaction();
          outcome = partial ? 'partial' : 'completed';
          const forced = threshold.exceeded ? ` (the deletion threshold would refuse it; forced)` : '';
          finish = { ...common, status: statusIfApplied, counts: toCountsResponse(countPlan(plan)), errors, message: `dry run: ${recorded.total} change(s) planned, nothing applied${forced}${partial ? '; destructive changes held back: the snapshot is incomplete' : ''}` };
        } else {
          t = process.hrtime.bigint();
          const applied = await applySyncPlan(manager, plan, this.bulk);
          await runner.commitTransaction();
          phase('apply and commit', t);
          this.metrics.recordChanges(applied);
          outcome = partial ? 'partial' : 'completed';
          const total = Object.values(applied).reduce((a, b) => a + b, 0);
          const forced = threshold.exceeded ? ' past the deletion threshold (forced)' : '';
          finish = {
            ...common,
            status: statusIfApplied,
            counts: toCountsResponse(applied),
            errors,
            message: partial ? `partial: ${total} non-destructive change(s) applied${forced}; nothing disabled, deleted or removed because the snapshot is incomplete` : `${total} change(s) applied${forced}`,
          };
        }
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
    } catch (error) {
      this.logger.error({ err: error }, 'directory sync run failed');
      outcome = 'failed';
      finish = {
        status: SyncRunStatus.Failed,
        counts: ZERO_COUNTS,
        apiCalls: provider.stats().apiCalls,
        errors: [errorMessage(error)],
        message: `failed: nothing was applied (${errorMessage(error)})`,
        changes: [],
        changesTotal: 0,
      };
    }
    finish.errors = finish.errors.slice(0, MAX_RECORDED_ERRORS);
    finish.message = `${finish.message} [${decision.mode.toLowerCase()}: ${decision.reason}]`;
    // Recorded through the pool: the run's own connection may be the one that died.
    const record = await this.runs.finish(this.dataSource.manager, run.id, finish);
    const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    this.metrics.duration.observe({ status: record.status }, seconds);
    this.metrics.runs.inc({ status: record.status, dry_run: String(record.dry_run) });
    if (record.status !== SyncRunStatus.Succeeded) this.metrics.failures.inc({ reason: record.status.toLowerCase() });
    else if (!record.dry_run) this.metrics.lastSuccess.set(Date.now() / 1000);
    this.logger.log(`directory sync ${record.id}: ${record.status} in ${seconds.toFixed(1)} s: ${record.message}`);
    return { outcome, run: record };
  }

  /** Pulls the complete snapshot into memory. A failed listing marks it incomplete; it never throws. */
  /**
   * Pulls the snapshot into memory: the whole directory, or (INCREMENTAL) the users and groups
   * changed since the high-water mark, each changed group with its whole member list. The mark is
   * passed as is: the adapter widens it by its own safety margin. A failed listing marks the
   * snapshot incomplete; it never throws.
   */
  private async fetchSnapshot(provider: DirectoryProvider, config: SyncProviderConfig, settings: SyncSettings, decision: ModeDecision): Promise<DirectorySnapshot> {
    const incremental = decision.mode === SyncRunMode.Incremental && decision.since !== null;
    const builder = new SnapshotBuilder(this.filterOf(config, settings), incremental ? 'incremental' : 'full');
    const since = incremental ? { updatedSince: decision.since! } : {};
    const pageTimeout = this.config.directorySyncPageTimeoutMs;
    try {
      for await (const page of withPageTimeout(provider.listUsers(since), pageTimeout, 'listing users')) builder.addUsers(page);
    } catch (error) {
      builder.markIncomplete(`listing users failed: ${errorMessage(error)}`);
    }
    const listGroups = config.target !== 'users';
    if (listGroups) {
      const groups: { raw: DirectoryGroup; group: SnapshotGroup }[] = [];
      try {
        for await (const page of withPageTimeout(provider.listGroups(incremental ? { updatedSince: decision.since!, membershipUpdatedSince: decision.since! } : {}), pageTimeout, 'listing groups')) {
          for (const raw of page) {
            const group = builder.addGroup(raw);
            if (group) groups.push({ raw, group });
          }
        }
      } catch (error) {
        builder.markIncomplete(`listing groups failed: ${errorMessage(error)}`);
      }
      await forEachLimit(groups, MEMBER_LISTING_CONCURRENCY, async ({ raw, group }) => {
        try {
          for await (const page of withPageTimeout(provider.listGroupMembers(raw), pageTimeout, `listing members of group "${raw.name}"`)) builder.addMembers(group, page);
        } catch (error) {
          builder.markIncomplete(`listing members of group "${raw.name}" failed: ${errorMessage(error)}`);
        }
      });
    }
    return builder.build({ users: true, groups: listGroups });
  }

  /**
   * The login-time refresh of one user's groups (dashboard login and enrollment), through the
   * same plan, guards and apply code as a full run. Fixes of Defguard's version: it honours the
   * sync target (#3516) and the last-admin rule, and it does not race a full run (it yields to
   * one holding the lock: that run reconciles this user anyway).
   */
  async refreshUserGroups(userId: string): Promise<UserGroupsRefresh> {
    const none = { ...countPlan({ usersToCreate: [], usersToUpdate: [], usersToEnable: [], usersToDisable: [], usersToDelete: [], groupsToCreate: [], membershipsToAdd: [], membershipsToRemove: [], skipped: [], managedAccounts: 0 }) };
    const config = await this.source.getActive();
    if (!config || !config.syncEnabled) return { outcome: 'skipped', reason: 'directory sync is not enabled', counts: none };
    if (config.target === 'users') return { outcome: 'skipped', reason: 'the sync target is users: groups are not synchronised', counts: none };
    const settings = await this.settings.forProvider(config.providerId);
    const provider = this.factory.create(config, settings);
    const user = toStoredState(await this.bulk.loadSyncState(this.dataSource.manager, { userIds: [userId] })).users[0];
    if (!user) throw new NotFoundError(`user ${userId} not found`, 'user_not_found');
    if (user.source === 'LOCAL' && !settings.manage_local_users) return { outcome: 'skipped', reason: 'a local account and managing local accounts is off', counts: none };

    let groups: DirectoryGroup[];
    try {
      groups = await provider.getUserGroups({ directoryId: user.directoryId, email: user.email });
    } catch (error) {
      throw new UpstreamError(`The directory did not answer the user's groups: ${errorMessage(error)}`, 'directory_unavailable', { cause: error });
    }

    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [ADVISORY_LOCK.DIRECTORY_SYNC]);
      if (!locked) return { outcome: 'skipped' as const, reason: 'a full sync is running; it reconciles this user', counts: none };
      await this.lastAdmin.lock(manager);
      const stored = toStoredState(await this.bulk.loadSyncState(manager, { userIds: [userId] }));
      const me = stored.users[0];
      if (!me) throw new NotFoundError(`user ${userId} not found`, 'user_not_found');
      const builder = new SnapshotBuilder(this.filterOf(config, settings));
      const directoryId = me.directoryId ?? me.subject ?? `account:${me.id}`;
      builder.addUsers([{ id: directoryId, email: me.email, active: me.isActive, status: 'ACTIVE', firstName: me.firstName, lastName: me.lastName, phone: me.phone ?? undefined }]);
      for (const raw of groups) {
        const group = builder.addGroup(raw);
        if (group) builder.addMembers(group, [{ id: directoryId }]);
      }
      const snapshot = builder.build({ users: true, groups: true });
      let plan = computeSyncPlan(snapshot, stored, { ...this.policyOf(config, settings), target: 'groups', prefetchUsers: false });
      plan = { ...plan, usersToUpdate: [] };
      const adminGroupIds = new Set(stored.groups.filter((g) => g.isAdmin).map((g) => g.id));
      const removesAdmin = plan.membershipsToRemove.some((m) => adminGroupIds.has(m.groupId ?? ''));
      if (removesAdmin) {
        const { mustKeep } = await this.lastAdmin.splitRemovableAdmins(manager, [me.id]);
        if (mustKeep.includes(me.id)) plan = { ...plan, membershipsToRemove: plan.membershipsToRemove.filter((m) => !adminGroupIds.has(m.groupId ?? '')) };
      }
      const counts = await applySyncPlan(manager, plan, this.bulk);
      return { outcome: 'applied' as const, reason: 'groups made equal to the directory', counts };
    });
  }

  /** gRPC TestConnection: the active provider's adapter. Never throws for a connection problem. */
  async testConnection(): Promise<ConnectionTestResult> {
    const config = await this.source.getActive();
    if (!config) return { success: false, message: 'Directory sync is not configured: no OpenID provider is set up' };
    return this.testConnectionWith(config);
  }

  /** The provider module's GET /api/v1/test_directory_sync lands here (DIRECTORY_CONNECTION_TESTER). */
  async testConnectionWith(config: SyncProviderConfig): Promise<ConnectionTestResult> {
    if (!this.factory.supports(config.kind)) return { success: false, message: `The selected provider ${config.kind} is not supported for directory sync` };
    try {
      const provider = this.factory.create(config, await this.settings.forProvider(config.providerId));
      return await provider.testConnection();
    } catch (error) {
      // Defguard reported success when the client could not be built (§6.8): we say what failed.
      return { success: false, message: errorMessage(error) };
    }
  }

  async getRun(id: string): Promise<SyncRunResponse> {
    requireUuid(id, 'id', 'invalid_id');
    const run = await this.runs.getById(this.dataSource.manager, id);
    if (!run) throw new NotFoundError(`sync run ${id} not found`, 'sync_run_not_found');
    return run;
  }

  async listRuns(query: { pageSize?: number; pageToken?: string }): Promise<{ runs: SyncRunResponse[]; next_page_token: string }> {
    const size = query.pageSize === undefined || query.pageSize === 0 ? 50 : query.pageSize;
    if (!Number.isInteger(size) || size < 0) throw new ValidationError('page_size must be a non-negative integer', 'invalid_page_size');
    const limit = Math.min(size, 500);
    let afterId: string | null = null;
    if (query.pageToken) {
      afterId = Buffer.from(query.pageToken, 'base64url').toString('utf8');
      if (!isUuid(afterId)) throw new ValidationError('page_token is not a token this service issued', 'invalid_page_token');
    }
    const rows = await this.runs.list(this.dataSource.manager, limit + 1, afterId);
    const runs = rows.slice(0, limit);
    const next = rows.length > limit ? Buffer.from(runs[runs.length - 1].id, 'utf8').toString('base64url') : '';
    return { runs, next_page_token: next };
  }

  /** For the scheduler: when the newest run of any replica started (null: never). */
  lastRunStartedAt(): Promise<Date | null> {
    return this.runs.lastStartedAt(this.dataSource.manager);
  }

  /** Restores the last-success gauge after a restart. */
  async restoreMetrics(): Promise<void> {
    const at = await this.runs.lastSuccessAt(this.dataSource.manager);
    if (at) this.metrics.lastSuccess.set(at.getTime() / 1000);
  }
}
