import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The external identity provider (Defguard's `openidprovider`). Secrets live only in the
 * `*_encrypted` columns (SecretBox ciphertexts). One provider at a time, as in Defguard, enforced
 * here too: the unique index on a constant lets a second row never commit, whatever the API does.
 */
export class IdentityProviders1764320000001 implements MigrationInterface {
  name = 'IdentityProviders1764320000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE identity_providers (
        id bigserial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        kind text NOT NULL DEFAULT 'Custom'
          CHECK (kind IN ('Custom', 'Google', 'Microsoft', 'Okta', 'JumpCloud', 'Zitadel')),
        base_url text NOT NULL,
        client_id text NOT NULL,
        client_secret_encrypted text NOT NULL,
        display_name text,
        google_service_account_key_encrypted text,
        google_service_account_email text,
        admin_email text,
        okta_private_jwk_encrypted text,
        okta_dirsync_client_id text,
        jumpcloud_api_key_encrypted text,
        directory_sync_enabled boolean NOT NULL DEFAULT false,
        directory_sync_interval integer NOT NULL DEFAULT 600 CHECK (directory_sync_interval >= 60),
        directory_sync_user_behavior text NOT NULL DEFAULT 'keep' CHECK (directory_sync_user_behavior IN ('keep', 'disable', 'delete')),
        directory_sync_admin_behavior text NOT NULL DEFAULT 'keep' CHECK (directory_sync_admin_behavior IN ('keep', 'disable', 'delete')),
        directory_sync_target text NOT NULL DEFAULT 'all' CHECK (directory_sync_target IN ('all', 'users', 'groups')),
        directory_sync_group_match text[] NOT NULL DEFAULT '{}',
        prefetch_users boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX identity_providers_single_active ON identity_providers ((true))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE identity_providers`);
  }
}
