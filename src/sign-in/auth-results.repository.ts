import { Injectable } from '@nestjs/common';
import { returningRows } from '../database/returning-rows';
import { DataSource } from 'typeorm';

/** SQL of `auth_results`: one-time handles of finished browser callbacks (stored as SHA-256). */
@Injectable()
export class AuthResultsRepository {
  constructor(private readonly db: DataSource) {}

  async insert(handleHash: string, flow: string, result: unknown, ttlSeconds: number): Promise<void> {
    await this.db.query(`INSERT INTO auth_results (handle_hash, flow, result, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`, [
      handleHash,
      flow,
      JSON.stringify(result),
      ttlSeconds,
    ]);
  }

  /** Single use, atomically; null when unknown, expired or used. */
  async consume(handleHash: string): Promise<unknown | null> {
    const rows = returningRows<{ result: unknown }>(await this.db.query(
      `UPDATE auth_results SET used_at = now() WHERE handle_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING result`,
      [handleHash],
    ));

    return rows[0]?.result ?? null;
  }

  async purgeExpired(graceSeconds: number): Promise<void> {
    await this.db.query(`DELETE FROM auth_results WHERE expires_at < now() - make_interval(secs => $1)`, [graceSeconds]);
  }
}
