import { MigrationInterface, QueryRunner } from 'typeorm';

/** A sync run is FULL (the whole directory) or INCREMENTAL (what changed since the last success). */
export class SyncRunMode1764350000001 implements MigrationInterface {
  name = 'SyncRunMode1764350000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sync_runs ADD COLUMN mode text NOT NULL DEFAULT 'FULL' CONSTRAINT sync_runs_mode_check CHECK (mode IN ('FULL', 'INCREMENTAL'))`);
    // The scheduler's questions: the last successful run, and the last successful full run.
    await queryRunner.query(`CREATE INDEX sync_runs_succeeded_idx ON sync_runs (mode, started_at DESC) WHERE status = 'SUCCEEDED' AND NOT dry_run`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX sync_runs_succeeded_idx`);
    await queryRunner.query(`ALTER TABLE sync_runs DROP COLUMN mode`);
  }
}
