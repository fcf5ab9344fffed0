import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { AppConfig } from './app-config';

const APP_CONFIG_KEY = 'app';

/**
 * Holds the configuration parsed and validated by `parseEnvironment` before the application is
 * created (main.ts, tests). Registered in @nestjs/config so ConfigService users see the same
 * values; everything in this service injects the typed `AppConfig`.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ [APP_CONFIG_KEY]: config })] })],
      providers: [
        { provide: AppConfig, useFactory: (configService: ConfigService) => configService.getOrThrow(APP_CONFIG_KEY), inject: [ConfigService] },
      ],
      exports: [AppConfig],
    };
  }
}
