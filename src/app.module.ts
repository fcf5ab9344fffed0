import { DynamicModule, Module } from '@nestjs/common';
import { CommonModule } from './common/common.module';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DirectorySyncModule } from './directory-sync/directory-sync.module';
import { HealthModule } from './health/health.module';
import { IdentityProviderModule } from './identity-provider/identity-provider.module';
import { ObservabilityModule } from './observability/observability.module';
import { SignInModule } from './sign-in/sign-in.module';
import { UsersModule } from './users/users.module';

/** The whole service. Each capability is its own module; they talk through exported services. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        CommonModule,
        ObservabilityModule,
        DatabaseModule,
        HealthModule,
        UsersModule,
        IdentityProviderModule,
        SignInModule,
        DirectorySyncModule.forRoot(config),
      ],
    };
  }
}
