import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { FailedPreconditionError } from '../common/errors';
import { ADVISORY_LOCK } from '../database/advisory-locks';
import { UsersRepository } from './users.repository';

export class LastAdminError extends FailedPreconditionError {
  constructor(operation: string) {
    super(`${operation} would remove the last active admin; make another user an active admin first`, 'last_admin');
  }
}

/**
 * The one place that keeps at least one active admin (an active user in an is_admin group) once
 * there has been one. Every path that may reduce the admins (delete, disable, leaving an admin
 * group, deleting a group, directory sync) runs its change through `protect` inside its
 * transaction.
 *
 * Concurrency: `protect` first takes a transaction-level advisory lock, so two transactions that
 * each remove a different admin run one after the other; the second counts after the first has
 * committed and fails. The lock is taken before any change-feed append (see advisory-locks.ts).
 */
@Injectable()
export class LastAdminGuard {
  constructor(private readonly users: UsersRepository) {}

  /** Serializes admin-reducing transactions until this one commits. Reentrant. */
  async lock(manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCK.LAST_ADMIN]);
  }

  /**
   * Runs `change` in the caller's transaction and throws LastAdminError (FAILED_PRECONDITION) if
   * it took the number of active admins from at least one to zero; the caller's transaction then
   * rolls back as a whole. `operation` names the change in the message ("deleting user alice").
   */
  async protect<T>(manager: EntityManager, operation: string, change: () => Promise<T>): Promise<T> {
    await this.lock(manager);
    const before = await this.users.countActiveAdmins(manager);
    const result = await change();
    if (before > 0 && (await this.users.countActiveAdmins(manager)) === 0) throw new LastAdminError(operation);
    return result;
  }

  /**
   * For directory sync, which must skip rather than fail: given the users a plan would delete,
   * disable or strip of admin groups, which of them must be kept so one active admin remains.
   * Keeps the oldest active admin when every active admin is a candidate. Takes the lock, so call
   * it inside the transaction that applies the plan.
   */
  async splitRemovableAdmins(manager: EntityManager, candidateUserIds: Iterable<string>): Promise<{ removable: string[]; mustKeep: string[] }> {
    await this.lock(manager);
    const candidates = [...new Set(candidateUserIds)];
    const admins = await this.users.activeAdminIds(manager);
    const candidateSet = new Set(candidates);
    if (admins.length === 0 || admins.some((id) => !candidateSet.has(id))) return { removable: candidates, mustKeep: [] };
    const keep = admins[0];
    return { removable: candidates.filter((id) => id !== keep), mustKeep: [keep] };
  }

  /** How many active admins there are now (for dashboards and sync reports). */
  countActiveAdmins(manager: EntityManager): Promise<number> {
    return this.users.countActiveAdmins(manager);
  }
}
