import { ActiveProvider, ProviderService } from '../identity-provider';
import { UsernameHandling } from '../users/username';
import { SyncProviderConfig, SyncProviderSource } from './sync-provider-source';

/** The active provider's fields as the sync engine reads them. */
export function toSyncProviderConfig(provider: ActiveProvider, usernameHandling: UsernameHandling): SyncProviderConfig {
  const sync = provider.directorySync;
  return {
    providerId: provider.id,
    kind: provider.kind,
    syncEnabled: sync.enabled,
    intervalSeconds: sync.intervalSeconds,
    userBehavior: sync.userBehavior,
    adminBehavior: sync.adminBehavior,
    target: sync.target,
    groupMatch: sync.groupMatch,
    prefetchUsers: sync.prefetchUsers,
    usernameHandling,
    adapterSettings: provider as unknown as Record<string, unknown>,
    version: provider.updatedAt.toISOString(),
  };
}

/** Production: the provider module's active provider (decrypted secrets for the adapter only). */
export class ProviderModuleSource extends SyncProviderSource {
  constructor(private readonly providers: ProviderService) {
    super();
  }

  async getActive(): Promise<SyncProviderConfig | null> {
    const provider = await this.providers.getActiveProvider();
    if (!provider) return null;
    const settings = await this.providers.getSettings();
    return toSyncProviderConfig(provider, settings.usernameHandling);
  }

  override onChange(listener: () => void): () => void {
    return this.providers.onChange(() => listener());
  }
}
