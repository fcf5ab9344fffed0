import { Module } from '@nestjs/common';
import { EnrollmentModule } from '../enrollment/enrollment.module';
import { IdentityProviderModule } from '../identity-provider';
import { MfaGrpcController } from '../mfa/mfa.grpc.controller';
import { MfaModule } from '../mfa/mfa.module';
import { UsersModule } from '../users/users.module';
import { AuthResultsRepository } from './auth-results.repository';
import { AuthGrpcController } from './auth.grpc.controller';
import { BrowserSignInController } from './browser-sign-in.controller';
import { OidcStrategyFactory } from './oidc-strategy.factory';
import { SignInProviderSource, SignInUserDirectory } from './ports';
import { PostgresStateStore } from './postgres-state-store';
import { IdentityProviderSource, UsersDirectory } from './sign-in.adapters';
import { SignInStateRepository } from './sign-in-state.repository';
import { SignInService } from './sign-in.service';

/**
 * Sign in with the provider: LOGIN, ENROLLMENT and MFA through one hardened Passport OIDC
 * strategy, over gRPC (AuthService, MfaService) and HTTP (browser endpoints). The directory-sync
 * module may provide LOGIN_GROUP_REFRESHER (ports.ts) globally; without it the step is skipped.
 */
@Module({
  imports: [IdentityProviderModule, UsersModule, EnrollmentModule, MfaModule],
  controllers: [AuthGrpcController, MfaGrpcController, BrowserSignInController],
  providers: [
    { provide: SignInProviderSource, useClass: IdentityProviderSource },
    { provide: SignInUserDirectory, useClass: UsersDirectory },
    SignInStateRepository,
    AuthResultsRepository,
    PostgresStateStore,
    OidcStrategyFactory,
    SignInService,
  ],
  exports: [SignInService],
})
export class SignInModule {}
