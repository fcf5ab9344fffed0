import { Module } from '@nestjs/common';
import { EnrollmentTokensRepository } from './enrollment-tokens.repository';
import { EnrollmentTokensService } from './enrollment-tokens.service';

/** Enrollment tokens (minted by the ENROLLMENT sign-in flow). */
@Module({
  providers: [EnrollmentTokensRepository, EnrollmentTokensService],
  exports: [EnrollmentTokensService],
})
export class EnrollmentModule {}
