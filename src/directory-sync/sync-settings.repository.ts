import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** The sync settings Defguard's provider row does not have (REST: /api/v1/directory_sync/settings). */
export interface SyncSettings {
  deletion_threshold_percent: number;
  deletion_threshold_count: number;
  /** Whether accounts created by hand (source LOCAL) are matched, disabled or deleted by sync (#1623). */
  manage_local_users: boolean;
  group_filter_names: string[];
  group_filter_prefixes: string[];
  group_filter_types: string[];
  /** Okta statuses that count as active (Defguard: only ACTIVE). Passed to the Okta adapter. */
  okta_active_statuses: string[];
  /** For incremental sync: a full listing at least this often (seconds). */
  full_sync_interval_seconds: number;
}

export const DEFAULT_SYNC_SETTINGS: SyncSettings = Object.freeze({
  deletion_threshold_percent: 10,
  deletion_threshold_count: 500,
  manage_local_users: false,
  group_filter_names: [],
  group_filter_prefixes: [],
  group_filter_types: [],
  okta_active_statuses: ['ACTIVE'],
  full_sync_interval_seconds: 86400,
});

const COLUMNS = Object.keys(DEFAULT_SYNC_SETTINGS) as (keyof SyncSettings)[];

@Injectable()
export class SyncSettingsRepository {
  /** The provider's settings, or null when none were saved (the caller applies the defaults). */
  async get(manager: EntityManager, providerId: string): Promise<(SyncSettings & { updated_at: Date }) | null> {
    const rows = await manager.query(`SELECT ${COLUMNS.join(', ')}, updated_at FROM sync_settings WHERE provider_id = $1`, [providerId]);
    return rows[0] ?? null;
  }

  async upsert(manager: EntityManager, providerId: string, settings: SyncSettings): Promise<void> {
    const values = COLUMNS.map((c) => settings[c]);
    const placeholders = COLUMNS.map((_, i) => `$${i + 2}`).join(', ');
    const updates = COLUMNS.map((c) => `${c} = EXCLUDED.${c}`).join(', ');
    await manager.query(
      `INSERT INTO sync_settings (provider_id, ${COLUMNS.join(', ')}) VALUES ($1, ${placeholders})
       ON CONFLICT (provider_id) DO UPDATE SET ${updates}, updated_at = now()`,
      [providerId, ...values],
    );
  }
}
