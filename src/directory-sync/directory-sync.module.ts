import { DynamicModule, Module, Provider } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config';
import { DIRECTORY_CONNECTION_TESTER, DirectoryConnectionTester, IdentityProviderModule, ProviderService } from '../identity-provider';
import { LOGIN_GROUP_REFRESHER, LoginGroupRefresher } from '../sign-in/ports';
import { UsersModule } from '../users/users.module';
import { ProviderModuleSource, toSyncProviderConfig } from './provider-module.source';
import { DirectoryProviderFactory } from './directory-provider.factory';
import { DirectorySyncController } from './directory-sync.controller';
import { DirectorySyncGrpcController } from './directory-sync.grpc.controller';
import { generateTestDirectory } from './providers/test-directory.generator';
import { TestDirectory, TestProviderSource } from './providers/test-directory.provider';
import { SyncEngineService } from './sync-engine.service';
import { SyncMetrics } from './sync-metrics';
import { SyncProviderSource } from './sync-provider-source';
import { SyncRunsRepository } from './sync-runs.repository';
import { SyncSchedulerService } from './sync-scheduler.service';
import { SyncSettingsRepository } from './sync-settings.repository';
import { SyncSettingsService } from './sync-settings.service';

/**
 * Test mode (DIRECTORY_SYNC_TEST_PROVIDER): an in-memory TestDirectory replaces the provider
 * settings and the adapter. `memory` starts empty (tests fill it through app.get(TestDirectory));
 * `generate:...` builds a synthetic directory with prefetch on (benchmarks).
 */
function testModeProviders(config: AppConfig): Provider[] {
  const spec = config.directorySyncTestProvider;
  if (!spec) return [{ provide: SyncProviderSource, useFactory: (providers: ProviderService) => new ProviderModuleSource(providers), inject: [ProviderService] }];
  return [
    {
      provide: TestDirectory,
      useFactory: () => {
        const directory = new TestDirectory();
        if (spec.mode === 'generate') {
          directory.data = generateTestDirectory(spec);
          directory.configure({ prefetchUsers: true });
        }
        return directory;
      },
    },
    { provide: SyncProviderSource, useFactory: (directory: TestDirectory) => new TestProviderSource(directory), inject: [TestDirectory] },
  ];
}

/**
 * Directory sync: engine, schedule, run history, REST and gRPC (DESIGN: Directory sync). Global
 * so the sign-in module finds LOGIN_GROUP_REFRESHER without importing this module (no cycle).
 */
@Module({})
export class DirectorySyncModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DirectorySyncModule,
      global: true,
      imports: [ScheduleModule.forRoot(), UsersModule, IdentityProviderModule],
      controllers: [DirectorySyncController, DirectorySyncGrpcController],
      providers: [
        ...testModeProviders(config),
        DirectoryProviderFactory,
        SyncRunsRepository,
        SyncSettingsRepository,
        SyncSettingsService,
        SyncMetrics,
        SyncEngineService,
        SyncSchedulerService,
        {
          // GET /api/v1/test_directory_sync (provider module) runs the real adapter through this.
          provide: DIRECTORY_CONNECTION_TESTER,
          useFactory: (engine: SyncEngineService, providers: ProviderService): DirectoryConnectionTester => ({
            testConnection: async (provider) => engine.testConnectionWith(toSyncProviderConfig(provider, (await providers.getSettings()).usernameHandling)),
          }),
          inject: [SyncEngineService, ProviderService],
        },
        {
          // After a sign-in (LOGIN, ENROLLMENT): the user's groups from the directory, through the
          // same plan, guards and apply code as a full run (sync target and last-admin honoured).
          provide: LOGIN_GROUP_REFRESHER,
          useFactory: (engine: SyncEngineService): LoginGroupRefresher => ({
            refreshUserGroups: async (user) => {
              await engine.refreshUserGroups(user.id);
            },
          }),
          inject: [SyncEngineService],
        },
      ],
      exports: [SyncEngineService, LOGIN_GROUP_REFRESHER],
    };
  }
}
