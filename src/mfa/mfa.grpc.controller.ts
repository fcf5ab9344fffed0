import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { SignInService } from '../sign-in/sign-in.service';
import { MfaChallengesService } from './mfa-challenges.service';

/** MfaService (mfa.proto): maps messages, nothing else. */
@Controller()
export class MfaGrpcController {
  constructor(
    private readonly signIn: SignInService,
    private readonly challenges: MfaChallengesService,
  ) {}

  @GrpcMethod('MfaService', 'StartMfa')
  async startMfa(request: { user_id: string }) {
    const started = await this.signIn.startMfa(request.user_id);
    return { mfa_token: started.mfaToken, url: started.url, expires_at: started.expiresAt.toISOString() };
  }

  @GrpcMethod('MfaService', 'GetMfaStatus')
  async getMfaStatus(request: { mfa_token: string }) {
    const { status, userId } = await this.challenges.status(request.mfa_token);
    return { status, user_id: userId };
  }
}
