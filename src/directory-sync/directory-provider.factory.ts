import { Injectable, Logger, Optional } from '@nestjs/common';
import { FailedPreconditionError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import type { ActiveProvider } from '../identity-provider';
import { DirectoryProvider } from './directory-provider';
import { createOktaDirectoryProvider } from './providers/okta/okta-directory.provider';
import { TestDirectory, TestDirectoryProvider } from './providers/test-directory.provider';
import { SyncProviderConfig } from './sync-provider-source';
import { SyncSettings } from './sync-settings.repository';

/** Builds the adapter of one provider kind from the active provider's settings. */
export type DirectoryProviderBuilder = (config: SyncProviderConfig, settings: SyncSettings) => DirectoryProvider;

/**
 * The registry of directory adapters by provider kind (Defguard chose by `name`; we key on
 * `kind`, reference §10.1). A kind with no adapter answers "not supported" (FAILED_PRECONDITION),
 * never a half-run.
 */
@Injectable()
export class DirectoryProviderFactory {
  private readonly builders = new Map<string, DirectoryProviderBuilder>();

  private readonly logger = new Logger('OktaDirectory');

  constructor(
    appConfig: AppConfig,
    @Optional() testDirectory?: TestDirectory,
  ) {
    // Test mode only (DIRECTORY_SYNC_TEST_PROVIDER): the module provides TestDirectory then.
    if (testDirectory) this.builders.set('Test', () => new TestDirectoryProvider(testDirectory));
    this.builders.set('Okta', (config, settings) => {
      // The adapter settings are the active provider (decrypted secrets): they stay in memory here.
      const provider = config.adapterSettings as unknown as ActiveProvider;
      return createOktaDirectoryProvider(
        {
          // Okta's org authorization server and Management API live on the base URL (the org URL).
          orgUrl: provider.baseUrl,
          clientId: provider.oktaDirsyncClientId ?? '',
          privateJwk: provider.oktaPrivateJwk ?? '',
          activeStatuses: settings.okta_active_statuses,
          requestTimeoutMs: appConfig.outboundHttpTimeoutMs,
          allowHttpLoopback: appConfig.allowHttpLoopbackProviders,
        },
        { logger: { debug: (message: string) => this.logger.debug(message), warn: (message: string) => this.logger.warn(message) } },
      );
    });
  }

  register(kind: string, builder: DirectoryProviderBuilder): void {
    this.builders.set(kind, builder);
  }

  supports(kind: string): boolean {
    return this.builders.has(kind);
  }

  create(config: SyncProviderConfig, settings: SyncSettings): DirectoryProvider {
    const builder = this.builders.get(config.kind);
    if (!builder) throw new FailedPreconditionError(`The selected provider ${config.kind} is not supported for directory sync`, 'sync_unsupported_provider');
    return builder(config, settings);
  }
}
