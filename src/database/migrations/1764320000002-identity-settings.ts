import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The global settings that go with the provider (Defguard's `settings.openid_create_account` and
 * `openid_username_handling`). A singleton row, created here with Defguard's database defaults.
 */
export class IdentitySettings1764320000002 implements MigrationInterface {
  name = 'IdentitySettings1764320000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE identity_settings (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        create_account boolean NOT NULL DEFAULT true,
        username_handling text NOT NULL DEFAULT 'RemoveForbidden'
          CHECK (username_handling IN ('RemoveForbidden', 'ReplaceForbidden', 'PruneEmailDomain')),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await queryRunner.query(`INSERT INTO identity_settings (id) VALUES (1)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE identity_settings`);
  }
}
