import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs `work` in the caller's transaction when it passes one (a sync apply, a sign-in that
 * creates and links in one commit), else in a new transaction of its own.
 */
export function inTransaction<T>(dataSource: DataSource, manager: EntityManager | undefined, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  return manager ? work(manager) : dataSource.transaction(work);
}
