import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { chunks } from '../database/postgres-errors';
import { GroupEntity } from './entities/group.entity';
import type { MembershipResponse } from './user-response';

const GROUP_COLUMNS = `g.id, g.name, g.is_admin AS "isAdmin", g.directory_id AS "directoryId", g.created_at AS "createdAt", g.updated_at AS "updatedAt"`;
const BULK_CHUNK = 5000;

export interface MembershipKey {
  userId: string;
  groupId: string;
}

/** All SQL on `groups` and `group_memberships`. Every method takes the caller's EntityManager. */
@Injectable()
export class GroupsRepository {
  async getById(manager: EntityManager, id: string, options: { forUpdate?: boolean } = {}): Promise<GroupEntity | null> {
    const rows: GroupEntity[] = await manager.query(`SELECT ${GROUP_COLUMNS} FROM groups g WHERE g.id = $1 ${options.forUpdate ? 'FOR UPDATE' : ''}`, [id]);
    return rows[0] ?? null;
  }

  listByNames(manager: EntityManager, names: readonly string[]): Promise<GroupEntity[]> {
    if (names.length === 0) return Promise.resolve([]);
    return manager.query(`SELECT ${GROUP_COLUMNS} FROM groups g WHERE g.name = ANY($1::text[]) ORDER BY g.name`, [names]);
  }

  list(manager: EntityManager, filter: { limit: number; afterName?: string; isAdmin?: boolean }): Promise<GroupEntity[]> {
    const params: unknown[] = [filter.limit];
    const where: string[] = [];
    if (filter.afterName !== undefined) where.push(`g.name > $${params.push(filter.afterName)}`);
    if (filter.isAdmin !== undefined) where.push(`g.is_admin = $${params.push(filter.isAdmin)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    return manager.query(`SELECT ${GROUP_COLUMNS} FROM groups g ${clause} ORDER BY g.name LIMIT $1`, params);
  }

  async insert(manager: EntityManager, group: { name: string; isAdmin: boolean; directoryId: string | null }): Promise<GroupEntity> {
    const rows: GroupEntity[] = await manager.query(
      `WITH g AS (INSERT INTO groups (name, is_admin, directory_id) VALUES ($1, $2, $3) RETURNING *) SELECT ${GROUP_COLUMNS} FROM g`,
      [group.name, group.isAdmin, group.directoryId],
    );
    return rows[0];
  }

  /** Inserts the groups whose name is free; returns only the rows it created. */
  async insertMissing(manager: EntityManager, groups: readonly { name: string; isAdmin: boolean; directoryId: string | null }[]): Promise<GroupEntity[]> {
    const created: GroupEntity[] = [];
    for (const chunk of chunks(groups, BULK_CHUNK)) {
      const rows: GroupEntity[] = await manager.query(
        `WITH g AS (
           INSERT INTO groups (name, is_admin, directory_id)
           SELECT * FROM unnest($1::text[], $2::boolean[], $3::text[])
           ON CONFLICT (name) DO NOTHING RETURNING *)
         SELECT ${GROUP_COLUMNS} FROM g ORDER BY g.name`,
        [chunk.map((g) => g.name), chunk.map((g) => g.isAdmin), chunk.map((g) => g.directoryId)],
      );
      created.push(...rows);
    }
    return created;
  }

  async delete(manager: EntityManager, id: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(`WITH d AS (DELETE FROM groups WHERE id = $1 RETURNING id) SELECT id FROM d`, [id]);
    return rows.length > 0;
  }

  /** The groups of each listed user, each list ordered by name. */
  async groupsOfUsers(manager: EntityManager, userIds: readonly string[]): Promise<Map<string, GroupEntity[]>> {
    const byUser = new Map<string, GroupEntity[]>(userIds.map((id) => [id, []]));
    if (userIds.length === 0) return byUser;
    const rows: (GroupEntity & { userId: string })[] = await manager.query(
      `SELECT m.user_id AS "userId", ${GROUP_COLUMNS}
       FROM group_memberships m JOIN groups g ON g.id = m.group_id
       WHERE m.user_id = ANY($1::uuid[]) ORDER BY g.name`,
      [userIds],
    );
    for (const { userId, ...group } of rows) byUser.get(userId)?.push(group);
    return byUser;
  }

  /** Adds the memberships that do not exist yet; returns only those it added. */
  addMemberships(manager: EntityManager, keys: readonly MembershipKey[]): Promise<MembershipResponse[]> {
    return writeMemberships(
      manager,
      keys,
      `INSERT INTO group_memberships (user_id, group_id)
       SELECT * FROM unnest($1::uuid[], $2::uuid[])
       ON CONFLICT DO NOTHING RETURNING user_id, group_id`,
    );
  }

  /** Removes the listed memberships; returns only those that existed. */
  removeMemberships(manager: EntityManager, keys: readonly MembershipKey[]): Promise<MembershipResponse[]> {
    return writeMemberships(
      manager,
      keys,
      `DELETE FROM group_memberships gm USING unnest($1::uuid[], $2::uuid[]) AS k(user_id, group_id)
       WHERE gm.user_id = k.user_id AND gm.group_id = k.group_id
       RETURNING gm.user_id, gm.group_id`,
    );
  }

  /** Every group, for directory sync (a few thousand rows at most). */
  syncState(manager: EntityManager): Promise<{ id: string; name: string; is_admin: boolean; directory_id: string | null }[]> {
    return manager.query(`SELECT id, name, is_admin, directory_id FROM groups`);
  }
}

/**
 * Runs a membership INSERT or DELETE (`$1` user ids, `$2` group ids, RETURNING user_id, group_id)
 * in chunks under PostgreSQL's bind limits, and returns the rows it changed as responses.
 */
async function writeMemberships(manager: EntityManager, keys: readonly MembershipKey[], change: string): Promise<MembershipResponse[]> {
  const changed: MembershipResponse[] = [];
  for (const chunk of chunks(keys, BULK_CHUNK)) {
    const rows: MembershipResponse[] = await manager.query(
      `WITH m AS (${change})
       SELECT m.user_id::text, u.username, m.group_id::text, g.name AS group_name
       FROM m JOIN users u ON u.id = m.user_id JOIN groups g ON g.id = m.group_id
       ORDER BY u.username, g.name`,
      [chunk.map((k) => k.userId), chunk.map((k) => k.groupId)],
    );
    changed.push(...rows);
  }
  return changed;
}
