import { ProviderDetails, ProviderWithSettings, SECRET_PLACEHOLDER } from '../provider.types';

/** Defguard's provider JSON, every secret masked: the placeholder when set, null when not. */
export interface ProviderJson {
  id: number;
  name: string;
  base_url: string;
  kind: string;
  client_id: string;
  client_secret: string | null;
  display_name: string | null;
  google_service_account_key: string | null;
  google_service_account_email: string | null;
  admin_email: string | null;
  directory_sync_enabled: boolean;
  directory_sync_interval: number;
  directory_sync_user_behavior: string;
  directory_sync_admin_behavior: string;
  directory_sync_target: string;
  okta_private_jwk: string | null;
  okta_dirsync_client_id: string | null;
  directory_sync_group_match: string[];
  jumpcloud_api_key: string | null;
  prefetch_users: boolean;
}

export interface ProviderWithSettingsJson {
  provider: ProviderJson;
  settings: { create_account: boolean; username_handling: string };
}

const mask = (set: boolean) => (set ? SECRET_PLACEHOLDER : null);

export function toProviderJson(provider: ProviderDetails): ProviderJson {
  return {
    id: Number(provider.id),
    name: provider.name,
    base_url: provider.baseUrl,
    kind: provider.kind,
    client_id: provider.clientId,
    client_secret: mask(provider.secretsSet.clientSecret),
    display_name: provider.displayName,
    google_service_account_key: mask(provider.secretsSet.googleServiceAccountKey),
    google_service_account_email: provider.googleServiceAccountEmail,
    admin_email: provider.adminEmail,
    directory_sync_enabled: provider.directorySync.enabled,
    directory_sync_interval: provider.directorySync.intervalSeconds,
    directory_sync_user_behavior: provider.directorySync.userBehavior,
    directory_sync_admin_behavior: provider.directorySync.adminBehavior,
    directory_sync_target: provider.directorySync.target,
    okta_private_jwk: mask(provider.secretsSet.oktaPrivateJwk),
    okta_dirsync_client_id: provider.oktaDirsyncClientId,
    directory_sync_group_match: provider.directorySync.groupMatch,
    jumpcloud_api_key: mask(provider.secretsSet.jumpcloudApiKey),
    prefetch_users: provider.directorySync.prefetchUsers,
  };
}

export function toProviderWithSettingsJson(value: ProviderWithSettings): ProviderWithSettingsJson {
  return {
    provider: toProviderJson(value.provider),
    settings: { create_account: value.settings.createAccount, username_handling: value.settings.usernameHandling },
  };
}
