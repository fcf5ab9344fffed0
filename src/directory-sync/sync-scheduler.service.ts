import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config';
import { DirectoryProviderFactory } from './directory-provider.factory';
import { SyncEngineService } from './sync-engine.service';
import { SyncProviderConfig, SyncProviderSource } from './sync-provider-source';
import { SyncTrigger } from './sync-run.types';

const TIMER = 'directory-sync';
const WATCH = 'directory-sync-settings';
/** First run after start-up (or sooner, if the interval is shorter). */
export const STARTUP_DELAY_MS = 10_000;
/** How often the settings are re-read, so a changed interval or enabled flag applies without a restart. */
export const SETTINGS_POLL_MS = 15_000;

/** Up to 10% of the delay (at most 30 s), so replicas started together do not tick together. */
function jitter(delayMs: number): number {
  return Math.floor(Math.random() * Math.min(delayMs * 0.1, 30_000));
}

/**
 * Keeps directory sync on its schedule: the interval comes from the provider settings and is
 * re-read every SETTINGS_POLL_MS (a new settings version re-times the next run). The tick only
 * asks the engine for a run; the engine's lock keeps it to one run at a time across replicas,
 * and a replica skips its tick when any replica started a run within the interval.
 */
@Injectable()
export class SyncSchedulerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SyncSchedulerService.name);
  private version: string | null = null;
  private intervalMs: number | null = null;
  private nextAt = 0;
  private running = false;
  private closing = false;
  private first = true;
  private unsubscribe: () => void = () => undefined;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly engine: SyncEngineService,
    private readonly source: SyncProviderSource,
    private readonly factory: DirectoryProviderFactory,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    void this.engine.restoreMetrics().catch(() => undefined);
    if (!this.config.directorySyncScheduler) return;
    this.registry.addInterval(WATCH, setInterval(() => void this.watch(), SETTINGS_POLL_MS).unref());
    this.unsubscribe = this.source.onChange(() => void this.watch());
    void this.watch();
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    this.unsubscribe();
    this.clearTimer();
    if (this.registry.doesExist('interval', WATCH)) this.registry.deleteInterval(WATCH);
    // Give a run in progress a moment; if it is cut off, its transaction rolls back and the next
    // run marks its record FAILED (interrupted).
    const inProgress = this.engine.inProgress;
    if (inProgress) await Promise.race([inProgress.catch(() => undefined), new Promise((r) => setTimeout(r, 3_000).unref())]);
  }

  /** When the next run is due (for tests and /health-like introspection); null when not armed. */
  get nextRunAt(): Date | null {
    return this.registry.doesExist('timeout', TIMER) ? new Date(this.nextAt) : null;
  }

  /** The config to schedule by; null when sync is off; 'unreadable' when the read failed. */
  private async active(): Promise<SyncProviderConfig | null | 'unreadable'> {
    try {
      const config = await this.source.getActive();
      return config && config.syncEnabled && this.factory.supports(config.kind) ? config : null;
    } catch (error) {
      this.logger.warn({ err: error }, 'could not read the provider settings; the schedule is unchanged');
      return 'unreadable';
    }
  }

  /** Re-reads the settings; arms, re-times or disarms the timer when they changed. */
  private async watch(): Promise<void> {
    if (this.closing) return;
    const config = await this.active();
    if (config === 'unreadable') return;
    if (!config) {
      if (this.version !== null) this.logger.log('directory sync is off: the schedule is disarmed');
      this.version = null;
      this.intervalMs = null;
      this.clearTimer();
      return;
    }
    if (config.version === this.version && this.registry.doesExist('timeout', TIMER)) return;
    this.version = config.version;
    this.intervalMs = Math.max(1, config.intervalSeconds) * 1000;
    if (this.running) return; // the run in progress arms the next one with the new interval
    const delay = this.first ? Math.min(STARTUP_DELAY_MS, this.intervalMs) : await this.untilDue(this.intervalMs);
    this.arm(delay + jitter(delay), this.first ? SyncTrigger.Startup : SyncTrigger.Schedule);
  }

  /** Time left until `interval` after the newest run of any replica. */
  private async untilDue(intervalMs: number): Promise<number> {
    const last = await this.engine.lastRunStartedAt().catch(() => null);
    return last ? Math.max(0, last.getTime() + intervalMs - Date.now()) : 0;
  }

  private arm(delayMs: number, trigger: SyncTrigger): void {
    this.clearTimer();
    if (this.closing) return;
    this.nextAt = Date.now() + delayMs;
    this.registry.addTimeout(TIMER, setTimeout(() => void this.tick(trigger), delayMs).unref());
  }

  private clearTimer(): void {
    if (this.registry.doesExist('timeout', TIMER)) this.registry.deleteTimeout(TIMER);
  }

  private async tick(trigger: SyncTrigger): Promise<void> {
    if (this.registry.doesExist('timeout', TIMER)) this.registry.deleteTimeout(TIMER);
    if (this.closing || this.running) return;
    this.running = true;
    this.first = false;
    try {
      const config = await this.active();
      if (config === 'unreadable' || !config) return;
      this.intervalMs = Math.max(1, config.intervalSeconds) * 1000;
      this.version = config.version;
      // Another replica ran within the interval: this tick is not due (no double runs per interval).
      const wait = trigger === SyncTrigger.Startup ? 0 : await this.untilDue(this.intervalMs);
      if (wait > 1000) return;
      const result = await this.engine.run({ trigger });
      if (result.outcome === 'skipped_locked') this.logger.log(`scheduled sync skipped: ${result.run.message}`);
    } catch (error) {
      this.logger.error({ err: error }, 'scheduled directory sync could not start');
    } finally {
      this.running = false;
      if (!this.closing && this.intervalMs !== null) {
        const delay = await this.untilDue(this.intervalMs);
        this.arm(delay + jitter(this.intervalMs), SyncTrigger.Schedule);
      }
    }
  }
}
