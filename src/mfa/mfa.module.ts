import { Module } from '@nestjs/common';
import { MfaChallengesRepository } from './mfa-challenges.repository';
import { MfaChallengesService } from './mfa-challenges.service';

/**
 * MFA challenges. The MfaService gRPC controller (mfa.grpc.controller.ts) is registered by
 * SignInModule, because StartMfa needs the sign-in provider check and the MFA callback is a
 * sign-in flow: this module stays a leaf both can import.
 */
@Module({
  providers: [MfaChallengesRepository, MfaChallengesService],
  exports: [MfaChallengesService],
})
export class MfaModule {}
