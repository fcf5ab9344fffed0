import type { UsernameHandling } from '../users/username';
import type { DirectorySyncBehavior, DirectorySyncTarget, ProviderKind, ProviderKindRules } from './provider-kind';

/**
 * What every read returns in place of a secret that is set. Sending it back on an update (the
 * Defguard edit form round-trips what it read) keeps the stored secret, as does an empty string.
 */
export const SECRET_PLACEHOLDER = '********';

/** The global settings that go with the provider. */
export interface IdentitySettings {
  /** Create an account on first sign-in when no user matches by sub or email. */
  createAccount: boolean;
  usernameHandling: UsernameHandling;
}

export interface DirectorySyncSettings {
  enabled: boolean;
  intervalSeconds: number;
  userBehavior: DirectorySyncBehavior;
  adminBehavior: DirectorySyncBehavior;
  target: DirectorySyncTarget;
  /** Exact group names to restrict the sync to; empty means all groups. */
  groupMatch: string[];
  prefetchUsers: boolean;
}

/** The provider as any reader may see it: secrets are only flags. */
export interface ProviderDetails {
  id: string;
  name: string;
  kind: ProviderKind;
  baseUrl: string;
  clientId: string;
  displayName: string | null;
  /** Label of the "Sign in with ..." button: display_name, else the name. */
  buttonDisplayName: string;
  googleServiceAccountEmail: string | null;
  adminEmail: string | null;
  oktaDirsyncClientId: string | null;
  directorySync: DirectorySyncSettings;
  secretsSet: { clientSecret: boolean; googleServiceAccountKey: boolean; oktaPrivateJwk: boolean; jumpcloudApiKey: boolean };
  updatedAt: Date;
}

export interface ProviderWithSettings {
  provider: ProviderDetails;
  settings: IdentitySettings;
}

/**
 * The active provider WITH its decrypted secrets, for the sign-in and directory-sync modules
 * only. Never return it from a controller or log it.
 */
export interface ActiveProvider extends Omit<ProviderDetails, 'secretsSet'> {
  clientSecret: string;
  googleServiceAccountKey: string | null;
  oktaPrivateJwk: string | null;
  jumpcloudApiKey: string | null;
  rules: ProviderKindRules;
}

export interface ProviderChange {
  /** Increases by one on every change this process sees. */
  version: number;
  /** `external`: another replica changed the provider or the settings (noticed on a read). */
  reason: 'saved' | 'deleted' | 'external';
}

export interface DirectorySyncTestResult {
  success: boolean;
  message: string;
}

/**
 * Provided by the directory-sync module: tests the connection to the directory API with the
 * active provider. Looked up at call time, so this module needs no import of the sync module.
 */
export interface DirectoryConnectionTester {
  testConnection(provider: ActiveProvider): Promise<DirectorySyncTestResult>;
}

export const DIRECTORY_CONNECTION_TESTER = Symbol('DIRECTORY_CONNECTION_TESTER');
