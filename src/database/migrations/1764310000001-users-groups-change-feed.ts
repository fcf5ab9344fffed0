import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users, groups, memberships and the change feed.
 *
 * Usernames and group names use the "C" collation: ordering (and so keyset pagination) is the
 * same bytewise order on every server whatever its locale. Emails are unique case-insensitively
 * through an expression index on lower(email), which is also what lookups use.
 */
export class UsersGroupsChangeFeed1764310000001 implements MigrationInterface {
  name = 'UsersGroupsChangeFeed1764310000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text COLLATE "C" NOT NULL,
        email text NOT NULL,
        first_name text NOT NULL DEFAULT '',
        last_name text NOT NULL DEFAULT '',
        phone text,
        is_active boolean NOT NULL DEFAULT true,
        oidc_issuer text,
        subject text,
        directory_id text,
        source text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_username_key UNIQUE (username),
        CONSTRAINT users_source_check CHECK (source IN ('LOCAL', 'OIDC', 'DIRECTORY')),
        CONSTRAINT users_subject_needs_issuer_check CHECK ((subject IS NULL) = (oidc_issuer IS NULL))
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_issuer_subject_key ON users (oidc_issuer, subject) WHERE subject IS NOT NULL`);
    // GetUser by subject alone (any issuer).
    await queryRunner.query(`CREATE INDEX users_subject_idx ON users (subject) WHERE subject IS NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_directory_id_key ON users (directory_id) WHERE directory_id IS NOT NULL`);

    await queryRunner.query(`
      CREATE TABLE groups (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text COLLATE "C" NOT NULL,
        is_admin boolean NOT NULL DEFAULT false,
        directory_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT groups_name_key UNIQUE (name)
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX groups_directory_id_key ON groups (directory_id) WHERE directory_id IS NOT NULL`);

    await queryRunner.query(`
      CREATE TABLE group_memberships (
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        group_id uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, group_id)
      )`);
    await queryRunner.query(`CREATE INDEX group_memberships_group_idx ON group_memberships (group_id, user_id)`);

    // Appends are serialized by an advisory lock held until commit (ChangeFeedService.append), so
    // sequence order is commit order and a reader never sees N+1 committed while N is in flight.
    await queryRunner.query(`
      CREATE TABLE change_events (
        sequence bigserial PRIMARY KEY,
        type text NOT NULL,
        entity_id text NOT NULL,
        payload jsonb,
        occurred_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await queryRunner.query(`CREATE INDEX change_events_occurred_at_idx ON change_events (occurred_at)`);
    // One row: the highest sequence ever purged (low-water mark), so OUT_OF_RANGE is exact.
    await queryRunner.query(`
      CREATE TABLE change_feed_state (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        purged_through bigint NOT NULL DEFAULT 0
      )`);
    await queryRunner.query(`INSERT INTO change_feed_state DEFAULT VALUES`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE change_feed_state`);
    await queryRunner.query(`DROP TABLE change_events`);
    await queryRunner.query(`DROP TABLE group_memberships`);
    await queryRunner.query(`DROP TABLE groups`);
    await queryRunner.query(`DROP TABLE users`);
  }
}
