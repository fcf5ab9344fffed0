import { Injectable } from '@nestjs/common';
import { returningRows } from '../database/returning-rows';
import { DataSource } from 'typeorm';

export interface MfaChallengeRow {
  id: string;
  userId: string;
  status: 'PENDING' | 'COMPLETED' | 'FAILED';
  expired: boolean;
  consumed: boolean;
  expiresAt: Date;
}

const ROW = `id, user_id AS "userId", status, expires_at <= now() AS expired, consumed_at IS NOT NULL AS consumed, expires_at AS "expiresAt"`;

/** SQL of `mfa_challenges` (tokens stored as SHA-256). */
@Injectable()
export class MfaChallengesRepository {
  constructor(private readonly db: DataSource) {}

  async insert(tokenHash: string, userId: string, ttlSeconds: number): Promise<{ id: string; expiresAt: Date }> {
    const rows: { id: string; expiresAt: Date }[] = await this.db.query(
      `INSERT INTO mfa_challenges (token_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING id, expires_at AS "expiresAt"`,
      [tokenHash, userId, ttlSeconds],
    );
    return rows[0];
  }

  async getByTokenHash(tokenHash: string): Promise<MfaChallengeRow | null> {
    const rows: MfaChallengeRow[] = await this.db.query(`SELECT ${ROW} FROM mfa_challenges WHERE token_hash = $1`, [tokenHash]);
    return rows[0] ?? null;
  }

  /** PENDING -> COMPLETED, only while unexpired. */
  async complete(id: string): Promise<boolean> {
    const result: [unknown[], number] = await this.db.query(
      `UPDATE mfa_challenges SET status = 'COMPLETED', finished_at = now() WHERE id = $1 AND status = 'PENDING' AND expires_at > now()`,
      [id],
    );
    return result[1] === 1;
  }

  /** PENDING -> FAILED with the refusal's code. */
  async fail(id: string, failureCode: string): Promise<void> {
    await this.db.query(`UPDATE mfa_challenges SET status = 'FAILED', failure_code = $2, finished_at = now() WHERE id = $1 AND status = 'PENDING'`, [id, failureCode]);
  }

  /** Reads a COMPLETED challenge exactly once: marks it consumed and returns it. */
  async consumeCompleted(tokenHash: string): Promise<MfaChallengeRow | null> {
    const rows = returningRows<MfaChallengeRow>(await this.db.query(
      `UPDATE mfa_challenges SET consumed_at = now() WHERE token_hash = $1 AND status = 'COMPLETED' AND consumed_at IS NULL RETURNING ${ROW}`,
      [tokenHash],
    ));

    return rows[0] ?? null;
  }

  async purgeExpired(graceSeconds: number): Promise<void> {
    await this.db.query(`DELETE FROM mfa_challenges WHERE expires_at < now() - make_interval(secs => $1)`, [graceSeconds]);
  }
}
