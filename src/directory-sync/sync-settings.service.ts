import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { FailedPreconditionError } from '../common/errors';
import { SyncSettingsUpdateDto } from './dto/sync-settings.dto';
import { SyncProviderSource } from './sync-provider-source';
import { DEFAULT_SYNC_SETTINGS, SyncSettings, SyncSettingsRepository } from './sync-settings.repository';

@Injectable()
export class SyncSettingsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: SyncSettingsRepository,
    private readonly source: SyncProviderSource,
  ) {}

  /** The settings of a provider: the stored ones, or the defaults. */
  async forProvider(providerId: string): Promise<SyncSettings> {
    const stored = await this.repository.get(this.dataSource.manager, providerId);
    if (!stored) return { ...DEFAULT_SYNC_SETTINGS };
    const { updated_at: _updatedAt, ...settings } = stored;
    return settings;
  }

  async getCurrent(): Promise<SyncSettings> {
    return this.forProvider(await this.requireProviderId());
  }

  async update(changes: SyncSettingsUpdateDto): Promise<SyncSettings> {
    const providerId = await this.requireProviderId();
    const next: SyncSettings = { ...(await this.forProvider(providerId)), ...stripUndefined(changes) };
    await this.repository.upsert(this.dataSource.manager, providerId, next);
    return next;
  }

  private async requireProviderId(): Promise<string> {
    const active = await this.source.getActive();
    if (!active) throw new FailedPreconditionError('No OpenID provider is configured: add one before changing its directory sync settings', 'sync_not_configured');
    return active.providerId;
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
