import { Injectable } from '@nestjs/common';
import { hashToken, newOpaqueToken } from '../common/crypto/token-hash';
import { AppConfig } from '../config/app-config';
import { EnrollmentTokensRepository } from './enrollment-tokens.repository';

export interface MintedEnrollmentToken {
  /** The only time the plain token exists: returned to the caller, never stored or logged. */
  token: string;
  expiresAt: Date;
  /** Where the user continues the enrollment (DEFGUARD_PUBLIC_URL). */
  enrollmentUrl: string;
}

/** Enrollment tokens minted after an enrollment through the provider (Defguard §4.5 step 3). */
@Injectable()
export class EnrollmentTokensService {
  constructor(
    private readonly tokens: EnrollmentTokensRepository,
    private readonly config: AppConfig,
  ) {}

  /** Revokes the user's unused tokens and mints a new one, in one transaction. */
  mintFor(user: { id: string; email: string }): Promise<MintedEnrollmentToken> {
    const token = newOpaqueToken();
    return this.tokens.transaction(async (manager) => {
      await this.tokens.revokeUnused(manager, user.id);
      const expiresAt = await this.tokens.insert(manager, { tokenHash: hashToken(token), userId: user.id, email: user.email, ttlHours: this.config.enrollmentTokenTtlHours });
      return { token, expiresAt, enrollmentUrl: this.config.defguardPublicUrl };
    });
  }
}
