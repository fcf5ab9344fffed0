import { Injectable } from '@nestjs/common';
import { NotFoundError, ValidationError } from '../common/errors';
import { hashToken, newOpaqueToken } from '../common/crypto/token-hash';
import { MFA_CHALLENGE_TTL_SECONDS } from '../sign-in/sign-in-flow';
import { MfaChallengesRepository, type MfaChallengeRow } from './mfa-challenges.repository';

export type MfaStatus = 'PENDING' | 'COMPLETED' | 'FAILED' | 'EXPIRED';

export interface StartedMfaChallenge {
  id: string;
  /** Plain token: returned once, stored hashed. */
  token: string;
  expiresAt: Date;
}

function checkTokenShape(token: unknown): string {
  if (typeof token !== 'string' || token.length === 0) throw new ValidationError('mfa_token is required', 'mfa_token_missing');
  if (token.length > 256) throw new ValidationError('mfa_token is too long', 'invalid_argument');
  return token;
}

/** MFA challenges: one per StartMfa, completed by an MFA sign-in of exactly that user. */
@Injectable()
export class MfaChallengesService {
  constructor(private readonly challenges: MfaChallengesRepository) {}

  async start(userId: string): Promise<StartedMfaChallenge> {
    const token = newOpaqueToken();
    const { id, expiresAt } = await this.challenges.insert(hashToken(token), userId, MFA_CHALLENGE_TTL_SECONDS);
    return { id, token, expiresAt };
  }

  /** For GetAuthInfo(MFA): the challenge must exist, be PENDING and unexpired (NOT_FOUND otherwise). */
  async requirePending(token: unknown): Promise<MfaChallengeRow> {
    const row = await this.challenges.getByTokenHash(hashToken(checkTokenShape(token)));
    if (!row) throw new NotFoundError('No MFA challenge has this mfa_token', 'mfa_challenge_unknown');
    if (row.status !== 'PENDING') throw new NotFoundError(`The MFA challenge is already ${row.status}`, 'mfa_challenge_finished');
    if (row.expired) throw new NotFoundError('The MFA challenge expired: start MFA again', 'mfa_challenge_expired');
    return row;
  }

  complete(id: string): Promise<boolean> {
    return this.challenges.complete(id);
  }

  fail(id: string, failureCode: string): Promise<void> {
    return this.challenges.fail(id, failureCode);
  }

  /** PENDING until the sign-in, COMPLETED exactly once (then consumed: NOT_FOUND), FAILED, EXPIRED. */
  async status(token: unknown): Promise<{ status: MfaStatus; userId: string }> {
    const hash = hashToken(checkTokenShape(token));
    const consumed = await this.challenges.consumeCompleted(hash);
    if (consumed) return { status: 'COMPLETED', userId: consumed.userId };
    const row = await this.challenges.getByTokenHash(hash);
    if (!row) throw new NotFoundError('No MFA challenge has this mfa_token', 'mfa_challenge_unknown');
    if (row.consumed) throw new NotFoundError('This MFA challenge was completed and its status already read', 'mfa_token_used');
    if (row.status === 'FAILED') return { status: 'FAILED', userId: row.userId };
    if (row.expired) return { status: 'EXPIRED', userId: row.userId };
    return { status: row.status, userId: row.userId };
  }
}
