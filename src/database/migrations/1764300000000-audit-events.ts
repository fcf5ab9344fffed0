import { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditEvents1764300000000 implements MigrationInterface {
  name = 'AuditEvents1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        action text NOT NULL,
        entity_type text NOT NULL,
        entity_id text,
        changed_fields text[] NOT NULL DEFAULT '{}',
        details jsonb NOT NULL DEFAULT '{}'
      )`);
    await queryRunner.query(`CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id, occurred_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_events`);
  }
}
