/**
 * What a directory (Okta, Google, Entra, JumpCloud, the test provider) offers the sync engine.
 * Adapters only fetch: every listing is an async iterator of pages, never capped, and any failure
 * is thrown (never swallowed) so the engine can fail closed. The engine alone decides what
 * changes.
 */

export interface DirectoryUser {
  /** The directory's own id (Okta `00u...`); stored on the account as `directory_id`. */
  id: string;
  /** Null when the directory has none; such a user cannot be matched by email. */
  email: string | null;
  /** Whether the account may sign in, after the provider's status mapping. */
  active: boolean;
  /** The directory's raw status (Okta: ACTIVE, SUSPENDED, DEPROVISIONED, ...), for the run record. */
  status: string;
  login?: string;
  firstName?: string;
  lastName?: string;
  phone?: string;
  /** RFC 3339; drives incremental sync. */
  lastUpdated?: string;
}

export interface DirectoryGroup {
  id: string;
  name: string;
  /** Okta: OKTA_GROUP, APP_GROUP, BUILT_IN (e.g. "Everyone"). */
  type?: string;
  lastUpdated?: string;
  lastMembershipUpdated?: string;
}

/** A member as group listings return it: the id always, the email when the listing has it. */
export interface DirectoryMember {
  id: string;
  email?: string | null;
}

export interface ListOptions {
  /** Incremental sync: only objects changed after this instant (the adapter may widen it). */
  updatedSince?: Date;
}

export interface ConnectionTestResult {
  success: boolean;
  /** For the admin: what works, or what to fix (e.g. which scope to grant). */
  message: string;
}

/** Counters the run record and the benchmarks report. */
export interface DirectoryRequestStats {
  apiCalls: number;
  rateLimited: number;
  retries: number;
}

export interface DirectoryProvider {
  /** Provider kind, as in the settings (Okta, Google, ...; "Test" for the test provider). */
  readonly kind: string;
  /**
   * Whether `listUsers({ updatedSince })` and `listGroups({ updatedSince, membershipUpdatedSince })`
   * return every user / group changed since then (every status included, a deprovisioned user
   * among them), so the engine may run incrementally. The adapter widens the instant by its own
   * safety margin. Absent: full runs only.
   */
  readonly supportsIncremental?: boolean;
  listUsers(options?: ListOptions): AsyncIterable<DirectoryUser[]>;
  listGroups(options?: ListOptions & { membershipUpdatedSince?: Date }): AsyncIterable<DirectoryGroup[]>;
  listGroupMembers(group: DirectoryGroup): AsyncIterable<DirectoryMember[]>;
  /** One user's groups, for the login-time refresh: by directory id when known, else by email. */
  getUserGroups(user: { directoryId?: string | null; email: string }): Promise<DirectoryGroup[]>;
  testConnection(): Promise<ConnectionTestResult>;
  stats(): DirectoryRequestStats;
}

/**
 * Thrown by an adapter when a listing cannot be completed (after its own retries). The engine
 * treats the snapshot as partial: no disable, delete or membership removal in that run.
 */
export class DirectoryFetchError extends Error {
  constructor(
    message: string,
    readonly details: { endpoint?: string; status?: number; providerCode?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.name = 'DirectoryFetchError';
  }
}
