import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Directory sync: the record of every run, and the sync settings that Defguard's provider row
 * does not have. sync_settings is keyed by the provider's id as text with no foreign key, so this
 * module does not depend on the provider module's table; a missing row means the defaults.
 */
export class DirectorySync1764330000001 implements MigrationInterface {
  name = 'DirectorySync1764330000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sync_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        trigger text NOT NULL,
        status text NOT NULL,
        dry_run boolean NOT NULL DEFAULT false,
        forced boolean NOT NULL DEFAULT false,
        provider_kind text,
        started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        finished_at timestamptz,
        counts jsonb NOT NULL DEFAULT '{}',
        api_calls integer NOT NULL DEFAULT 0,
        errors text[] NOT NULL DEFAULT '{}',
        message text NOT NULL DEFAULT '',
        -- The first MAX_RECORDED_CHANGES changes (counts are always exact); the change feed has all.
        changes jsonb NOT NULL DEFAULT '[]',
        changes_total integer NOT NULL DEFAULT 0,
        CONSTRAINT sync_runs_trigger_check CHECK (trigger IN ('SCHEDULE', 'MANUAL', 'STARTUP')),
        CONSTRAINT sync_runs_status_check CHECK (status IN ('RUNNING', 'SUCCEEDED', 'PARTIAL', 'REFUSED', 'FAILED'))
      )`);
    // ListSyncRuns: newest first, keyset on (started_at, id).
    await queryRunner.query(`CREATE INDEX sync_runs_started_idx ON sync_runs (started_at DESC, id DESC)`);
    await queryRunner.query(`CREATE INDEX sync_runs_running_idx ON sync_runs (status) WHERE status = 'RUNNING'`);

    await queryRunner.query(`
      CREATE TABLE sync_settings (
        provider_id text PRIMARY KEY,
        deletion_threshold_percent integer NOT NULL DEFAULT 10,
        deletion_threshold_count integer NOT NULL DEFAULT 500,
        manage_local_users boolean NOT NULL DEFAULT false,
        group_filter_names text[] NOT NULL DEFAULT '{}',
        group_filter_prefixes text[] NOT NULL DEFAULT '{}',
        group_filter_types text[] NOT NULL DEFAULT '{}',
        okta_active_statuses text[] NOT NULL DEFAULT '{ACTIVE}',
        full_sync_interval_seconds integer NOT NULL DEFAULT 86400,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sync_settings_percent_check CHECK (deletion_threshold_percent BETWEEN 0 AND 100),
        CONSTRAINT sync_settings_count_check CHECK (deletion_threshold_count >= 0),
        CONSTRAINT sync_settings_full_interval_check CHECK (full_sync_interval_seconds >= 60)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE sync_settings`);
    await queryRunner.query(`DROP TABLE sync_runs`);
  }
}
