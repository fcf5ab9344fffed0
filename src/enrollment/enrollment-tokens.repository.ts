import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** SQL of `enrollment_tokens` (only SHA-256 hashes of the tokens are stored). */
@Injectable()
export class EnrollmentTokensRepository {
  constructor(private readonly db: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  async revokeUnused(manager: EntityManager, userId: string): Promise<number> {
    const result: [unknown[], number] = await manager.query(
      `UPDATE enrollment_tokens SET revoked_at = now() WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL`,
      [userId],
    );
    return result[1];
  }

  async insert(manager: EntityManager, token: { tokenHash: string; userId: string; email: string; ttlHours: number }): Promise<Date> {
    const rows: { expires_at: Date }[] = await manager.query(
      `INSERT INTO enrollment_tokens (token_hash, user_id, email, expires_at) VALUES ($1, $2, $3, now() + make_interval(hours => $4)) RETURNING expires_at`,
      [token.tokenHash, token.userId, token.email, token.ttlHours],
    );
    return rows[0].expires_at;
  }
}
