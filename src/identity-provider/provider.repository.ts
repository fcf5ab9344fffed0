import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { IdentityProviderEntity } from './entities/identity-provider.entity';
import { IdentitySettingsEntity } from './entities/identity-settings.entity';

export type ProviderRow = Omit<IdentityProviderEntity, 'id' | 'createdAt' | 'updatedAt'>;
export type SettingsRow = Pick<IdentitySettingsEntity, 'createAccount' | 'usernameHandling'>;

/** Arbitrary constant key of the advisory lock that serialises provider writes across replicas. */
const PROVIDER_WRITE_LOCK = 7_264_320_001;

/** All SQL on identity_providers and identity_settings. Methods take the transaction's manager when they write. */
@Injectable()
export class ProviderRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Held until commit: a read-merge-write of the provider is then never interleaved with another. */
  async lockForWrite(manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1)', [PROVIDER_WRITE_LOCK]);
  }

  /** The one provider, or null. */
  getActive(manager: EntityManager = this.dataSource.manager): Promise<IdentityProviderEntity | null> {
    return manager.getRepository(IdentityProviderEntity).findOne({ where: {}, order: { id: 'ASC' } });
  }

  getByName(name: string, manager: EntityManager = this.dataSource.manager): Promise<IdentityProviderEntity | null> {
    return manager.getRepository(IdentityProviderEntity).findOne({ where: { name } });
  }

  list(): Promise<IdentityProviderEntity[]> {
    return this.dataSource.getRepository(IdentityProviderEntity).find({ order: { id: 'ASC' } });
  }

  async insert(manager: EntityManager, row: ProviderRow): Promise<void> {
    await manager.getRepository(IdentityProviderEntity).insert(row);
  }

  async update(manager: EntityManager, id: string, row: ProviderRow): Promise<void> {
    await manager.getRepository(IdentityProviderEntity).update({ id }, { ...row, updatedAt: () => 'clock_timestamp()' } as never);
  }

  async delete(manager: EntityManager, id: string): Promise<void> {
    await manager.getRepository(IdentityProviderEntity).delete({ id });
  }

  async getSettings(manager: EntityManager = this.dataSource.manager): Promise<IdentitySettingsEntity> {
    const settings = await manager.getRepository(IdentitySettingsEntity).findOne({ where: { id: 1 } });
    // The migration inserts the row; it is only missing if someone deleted it by hand.
    return settings ?? Object.assign(new IdentitySettingsEntity(), { id: 1, createAccount: true, usernameHandling: 'RemoveForbidden', updatedAt: new Date(0) });
  }

  async saveSettings(manager: EntityManager, settings: SettingsRow): Promise<void> {
    await manager.query(
      `INSERT INTO identity_settings (id, create_account, username_handling, updated_at) VALUES (1, $1, $2, clock_timestamp())
       ON CONFLICT (id) DO UPDATE SET create_account = EXCLUDED.create_account, username_handling = EXCLUDED.username_handling, updated_at = EXCLUDED.updated_at`,
      [settings.createAccount, settings.usernameHandling],
    );
  }

  /**
   * A cheap fingerprint of the stored configuration (provider id + updated_at, settings
   * updated_at): a replica compares it to notice another replica's change.
   */
  async getStamp(): Promise<string> {
    const rows: { stamp: string }[] = await this.dataSource.query(
      `SELECT coalesce((SELECT id::text || '@' || updated_at::text FROM identity_providers ORDER BY id LIMIT 1), 'none')
              || '|' || coalesce((SELECT updated_at::text FROM identity_settings WHERE id = 1), 'none') AS stamp`,
    );
    return rows[0].stamp;
  }
}
