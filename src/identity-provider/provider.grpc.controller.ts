import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { ProviderService } from './provider.service';
import { IdentitySettings, ProviderDetails } from './provider.types';

/** defguard.identity.v1.Provider: Defguard's JSON with each secret replaced by a *_set flag. */
export function toProviderMessage(provider: ProviderDetails) {
  return {
    name: provider.name,
    kind: provider.kind,
    base_url: provider.baseUrl,
    client_id: provider.clientId,
    display_name: provider.displayName ?? undefined,
    directory_sync_enabled: provider.directorySync.enabled,
    directory_sync_interval: provider.directorySync.intervalSeconds,
    directory_sync_user_behavior: provider.directorySync.userBehavior,
    directory_sync_admin_behavior: provider.directorySync.adminBehavior,
    directory_sync_target: provider.directorySync.target,
    directory_sync_group_match: provider.directorySync.groupMatch,
    prefetch_users: provider.directorySync.prefetchUsers,
    okta_dirsync_client_id: provider.oktaDirsyncClientId ?? undefined,
    google_service_account_email: provider.googleServiceAccountEmail ?? undefined,
    admin_email: provider.adminEmail ?? undefined,
    client_secret_set: provider.secretsSet.clientSecret,
    okta_private_jwk_set: provider.secretsSet.oktaPrivateJwk,
    google_service_account_key_set: provider.secretsSet.googleServiceAccountKey,
    jumpcloud_api_key_set: provider.secretsSet.jumpcloudApiKey,
  };
}

export function toSettingsMessage(settings: IdentitySettings) {
  return { create_account: settings.createAccount, username_handling: settings.usernameHandling };
}

@Controller()
export class ProviderGrpcController {
  constructor(private readonly providers: ProviderService) {}

  @GrpcMethod('ProviderService', 'GetCurrentProvider')
  async getCurrentProvider() {
    const { provider, settings } = await this.providers.getCurrentWithSettings();
    return {
      provider: provider ? toProviderMessage(provider) : undefined,
      settings: toSettingsMessage(settings),
      button_display_name: provider?.buttonDisplayName,
    };
  }
}
