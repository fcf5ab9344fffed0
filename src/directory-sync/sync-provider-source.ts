import { UsernameHandling } from '../users/username';
import { MissingUserBehavior, SyncTarget } from './sync-plan';

/**
 * What the engine needs to know about the active provider: Defguard's directory sync fields
 * (reference §1.1) plus what its adapter needs. Produced by a SyncProviderSource.
 */
export interface SyncProviderConfig {
  /** Keys the sync settings of this provider. */
  providerId: string;
  /** Provider kind: Okta, Google, Microsoft, JumpCloud, Custom, ... or Test. */
  kind: string;
  syncEnabled: boolean;
  intervalSeconds: number;
  userBehavior: MissingUserBehavior;
  adminBehavior: MissingUserBehavior;
  target: SyncTarget;
  /** Defguard's directory_sync_group_match: exact group names (joined with the filter's names). */
  groupMatch: string[];
  prefetchUsers: boolean;
  usernameHandling: UsernameHandling;
  /** The provider row itself (decrypted secrets included), for the adapter factory only. */
  adapterSettings: Record<string, unknown>;
  /** Changes whenever the settings change: the scheduler re-times when it sees a new value. */
  version: string;
}

/** Where the engine reads the active provider's sync configuration from. */
export abstract class SyncProviderSource {
  /** null: no provider configured. */
  abstract getActive(): Promise<SyncProviderConfig | null>;

  /** Called when the settings change (the scheduler re-times at once instead of at its next poll). */
  onChange(_listener: () => void): () => void {
    return () => undefined;
  }
}
