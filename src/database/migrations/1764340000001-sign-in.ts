import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Server-side sign-in state (no cookies, any replica finishes a flow), the one-time result
 * handles of the browser callbacks, enrollment tokens and MFA challenges. Every secret value
 * (state, result handle, enrollment token, MFA token) is stored as its SHA-256 only.
 */
export class SignIn1764340000001 implements MigrationInterface {
  name = 'SignIn1764340000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE mfa_challenges (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash text NOT NULL UNIQUE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED')),
        failure_code text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        finished_at timestamptz,
        consumed_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX mfa_challenges_expires_idx ON mfa_challenges (expires_at)`);
    await queryRunner.query(`
      CREATE TABLE sign_in_states (
        state_hash text PRIMARY KEY,
        flow text NOT NULL CHECK (flow IN ('LOGIN', 'ENROLLMENT', 'MFA')),
        nonce text NOT NULL,
        code_verifier text NOT NULL,
        redirect_uri text NOT NULL,
        issuer text NOT NULL,
        mfa_challenge_id uuid REFERENCES mfa_challenges (id) ON DELETE CASCADE,
        -- The MFA token (5 minutes) kept only until the callback consumes the state, so the
        -- result can name the challenge it completed; cleared by the consuming UPDATE.
        mfa_token text,
        expected_user_id uuid REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        CONSTRAINT sign_in_states_mfa_check CHECK ((flow = 'MFA') = (mfa_challenge_id IS NOT NULL))
      )`);
    await queryRunner.query(`CREATE INDEX sign_in_states_expires_idx ON sign_in_states (expires_at)`);
    await queryRunner.query(`
      CREATE TABLE auth_results (
        handle_hash text PRIMARY KEY,
        flow text NOT NULL,
        result jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX auth_results_expires_idx ON auth_results (expires_at)`);
    await queryRunner.query(`
      CREATE TABLE enrollment_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash text NOT NULL UNIQUE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        email text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX enrollment_tokens_user_idx ON enrollment_tokens (user_id) WHERE used_at IS NULL AND revoked_at IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE enrollment_tokens`);
    await queryRunner.query(`DROP TABLE auth_results`);
    await queryRunner.query(`DROP TABLE sign_in_states`);
    await queryRunner.query(`DROP TABLE mfa_challenges`);
  }
}
