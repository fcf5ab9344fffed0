import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { toAuthResultMessage } from './sign-in-messages';
import { SignInService } from './sign-in.service';

interface GetAuthInfoRequest {
  flow: string;
  mfa_token: string;
}
interface HandleCallbackRequest {
  flow: string;
  code: string;
  state: string;
  error?: string;
  error_description?: string;
}

/** AuthService (auth.proto): maps messages, nothing else. */
@Controller()
export class AuthGrpcController {
  constructor(private readonly signIn: SignInService) {}

  @GrpcMethod('AuthService', 'GetAuthInfo')
  async getAuthInfo(request: GetAuthInfoRequest) {
    const info = await this.signIn.getAuthInfo(request.flow, request.mfa_token);
    return { url: info.url, state: info.state, button_display_name: info.buttonDisplayName ?? undefined, expires_at: info.expiresAt.toISOString() };
  }

  @GrpcMethod('AuthService', 'HandleCallback')
  async handleCallback(request: HandleCallbackRequest) {
    return toAuthResultMessage(await this.signIn.handleCallback(request.flow, request));
  }

  @GrpcMethod('AuthService', 'RedeemAuthResult')
  async redeemAuthResult(request: { result: string }) {
    return toAuthResultMessage(await this.signIn.redeemResult(request.result));
  }
}
