/**
 * Keys of the transaction-level advisory locks (pg_advisory_xact_lock), in one place so two
 * modules never pick the same number by accident.
 *
 * Lock order, to stay deadlock-free: a transaction that takes several takes them in the order
 * listed here (LAST_ADMIN before CHANGE_FEED_APPEND), never the reverse. ChangeFeedRepository
 * .lockAppends takes both, so a caller that appends first and protects later is still in order.
 */
export const ADVISORY_LOCK = {
  /** Serializes every transaction that may reduce the set of active admins (LastAdminGuard). */
  LAST_ADMIN: 7_140_001,
  /** Serializes change-feed appends until commit, so sequence order equals commit order. */
  CHANGE_FEED_APPEND: 7_140_002,
  /**
   * One directory sync run at a time across replicas. A full run holds it session-level on its own
   * connection for the whole run (released by PostgreSQL if the process dies); the login-time
   * refresh tries it transaction-level and yields when a run holds it. Taken before LAST_ADMIN.
   */
  DIRECTORY_SYNC: 7_140_010,
} as const;
