import { Injectable } from '@nestjs/common';
import { returningRows } from '../database/returning-rows';
import { DataSource } from 'typeorm';
import type { SignInFlow } from './sign-in-flow';

export interface NewSignInState {
  stateHash: string;
  flow: SignInFlow;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
  issuer: string;
  mfaChallengeId: string | null;
  mfaToken: string | null;
  expectedUserId: string | null;
  ttlSeconds: number;
}

/** A stored state as the callback reads it back (the hash and the TTL became the row's key and expiry). */
export type SignInStateRow = Omit<NewSignInState, 'stateHash' | 'ttlSeconds'> & { createdAt: Date; expiresAt: Date };

/** Why a state could not be consumed. */
export type StateRefusal = 'state_unknown' | 'state_expired' | 'state_reused';

const ROW = `s.flow, s.nonce, s.code_verifier AS "codeVerifier", s.redirect_uri AS "redirectUri", s.issuer,
  s.mfa_challenge_id AS "mfaChallengeId", old.mfa_token AS "mfaToken", s.expected_user_id AS "expectedUserId",
  s.created_at AS "createdAt", s.expires_at AS "expiresAt"`;

/** SQL of `sign_in_states`: started sign-ins, single use. */
@Injectable()
export class SignInStateRepository {
  constructor(private readonly db: DataSource) {}

  async insert(state: NewSignInState): Promise<Date> {
    const rows: { expires_at: Date }[] = await this.db.query(
      `INSERT INTO sign_in_states (state_hash, flow, nonce, code_verifier, redirect_uri, issuer, mfa_challenge_id, mfa_token, expected_user_id, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + make_interval(secs => $10)) RETURNING expires_at`,
      [state.stateHash, state.flow, state.nonce, state.codeVerifier, state.redirectUri, state.issuer, state.mfaChallengeId, state.mfaToken, state.expectedUserId, state.ttlSeconds],
    );
    return rows[0].expires_at;
  }

  /**
   * Marks the state used and returns it, in one statement, so two concurrent callbacks with the
   * same state cannot both win. When nothing was consumed, says why.
   */
  async consume(stateHash: string): Promise<SignInStateRow | StateRefusal> {
    const rows = returningRows<SignInStateRow>(await this.db.query(
      `UPDATE sign_in_states s SET used_at = now(), mfa_token = NULL
       FROM (SELECT state_hash, mfa_token FROM sign_in_states WHERE state_hash = $1 FOR UPDATE) old
       WHERE s.state_hash = old.state_hash AND s.used_at IS NULL AND s.expires_at > now()
       RETURNING ${ROW}`,
      [stateHash],
    ));

    if (rows.length === 1) return rows[0];
    const seen: { used: boolean }[] = await this.db.query(`SELECT used_at IS NOT NULL AS used FROM sign_in_states WHERE state_hash = $1`, [stateHash]);
    if (seen.length === 0) return 'state_unknown';
    return seen[0].used ? 'state_reused' : 'state_expired';
  }

  /** Drops states that expired more than `graceSeconds` ago (kept a while to say "expired" rather than "unknown"). */
  async purgeExpired(graceSeconds: number): Promise<number> {
    const result: [unknown[], number] = await this.db.query(`DELETE FROM sign_in_states WHERE expires_at < now() - make_interval(secs => $1)`, [graceSeconds]);
    return result[1];
  }
}
