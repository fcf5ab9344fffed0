import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { chunks } from '../database/postgres-errors';
import { queryPrepared } from '../database/prepared-query';
import { GroupEntity } from './entities/group.entity';
import { UserEntity } from './entities/user.entity';
import type { UserSource } from './user-response';

const USER_COLUMNS = `u.id, u.username, u.email, u.first_name AS "firstName", u.last_name AS "lastName", u.phone,
  u.is_active AS "isActive", u.oidc_issuer AS "oidcIssuer", u.subject, u.directory_id AS "directoryId", u.source,
  u.created_at AS "createdAt", u.updated_at AS "updatedAt"`;

/**
 * RFC 3339 in UTC with milliseconds, exactly what `Date.prototype.toISOString` prints for the
 * value node-postgres would have parsed (both truncate microseconds): the read paths skip the
 * Date round trip.
 */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The user's groups ordered by name, as one json array (the read paths need no second query). */
const USER_GROUPS_JSON = `COALESCE((
    SELECT json_agg(json_build_object('id', g.id, 'name', g.name, 'isAdmin', g.is_admin, 'directoryId', g.directory_id,
      'createdAt', ${iso('g.created_at')}, 'updatedAt', ${iso('g.updated_at')}) ORDER BY g.name)
    FROM group_memberships m JOIN groups g ON g.id = m.group_id WHERE m.user_id = u.id), '[]'::json)`;

const USER_WITH_GROUPS_COLUMNS = `u.id, u.username, u.email, u.first_name AS "firstName", u.last_name AS "lastName", u.phone,
  u.is_active AS "isActive", u.oidc_issuer AS "oidcIssuer", u.subject, u.directory_id AS "directoryId", u.source,
  ${iso('u.created_at')} AS "createdAt", ${iso('u.updated_at')} AS "updatedAt", ${USER_GROUPS_JSON} AS groups`;

/** A group as the read paths return it: timestamps already in RFC 3339 (see `iso`). */
export type GroupRow = Omit<GroupEntity, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string };

/** A user with its groups (ordered by name), read in one query. */
export type UserWithGroupsRow = Omit<UserEntity, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string; groups: GroupRow[] };

/** The unique keys a user is looked up by (`subject` alone is not unique: see listBySubjectWithGroups). */
export type UserKey = 'id' | 'username' | 'email';

/** One fixed statement text per key, so PostgreSQL's plan cache and pg's prepared statements can reuse it. */
const USER_WITH_GROUPS_BY: Record<UserKey, string> = {
  id: `SELECT ${USER_WITH_GROUPS_COLUMNS} FROM users u WHERE u.id = $1`,
  username: `SELECT ${USER_WITH_GROUPS_COLUMNS} FROM users u WHERE u.username = $1`,
  // Case-insensitive and exact: lower() on both sides, never LIKE (no `_`/`%` wildcards).
  email: `SELECT ${USER_WITH_GROUPS_COLUMNS} FROM users u WHERE lower(u.email) = lower($1)`,
};

/** Fields of a new row; the database fills id and the timestamps. */
export interface UserInsert {
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  phone: string | null;
  isActive: boolean;
  oidcIssuer: string | null;
  subject: string | null;
  directoryId: string | null;
  source: UserSource;
}

export type UserPatch = Partial<Omit<UserInsert, 'source'>>;

const PATCH_COLUMNS: Record<keyof UserPatch, string> = {
  username: 'username',
  email: 'email',
  firstName: 'first_name',
  lastName: 'last_name',
  phone: 'phone',
  isActive: 'is_active',
  oidcIssuer: 'oidc_issuer',
  subject: 'subject',
  directoryId: 'directory_id',
};

/** Rows per set-based statement: arrays are one bind parameter each, this bounds memory. */
const BULK_CHUNK = 5000;

/** All SQL on `users`. Every method takes the caller's EntityManager (its transaction). */
@Injectable()
export class UsersRepository {
  private async one(manager: EntityManager, where: string, params: unknown[], lock = ''): Promise<UserEntity | null> {
    const rows: UserEntity[] = await manager.query(`SELECT ${USER_COLUMNS} FROM users u WHERE ${where} ${lock}`, params);
    return rows[0] ?? null;
  }

  getById(manager: EntityManager, id: string, options: { forUpdate?: boolean } = {}): Promise<UserEntity | null> {
    return this.one(manager, 'u.id = $1', [id], options.forUpdate ? 'FOR UPDATE' : '');
  }

  getByUsername(manager: EntityManager, username: string): Promise<UserEntity | null> {
    return this.one(manager, 'u.username = $1', [username]);
  }

  /** Case-insensitive and exact: lower() on both sides, never LIKE (no `_`/`%` wildcards). */
  getByEmail(manager: EntityManager, email: string): Promise<UserEntity | null> {
    return this.one(manager, 'lower(u.email) = lower($1)', [email]);
  }

  getByIssuerSubject(manager: EntityManager, issuer: string, subject: string): Promise<UserEntity | null> {
    return this.one(manager, 'u.oidc_issuer = $1 AND u.subject = $2', [issuer, subject]);
  }

  /** Up to two users with this subject under any issuer (two means ambiguous). */
  listBySubject(manager: EntityManager, subject: string): Promise<UserEntity[]> {
    return manager.query(`SELECT ${USER_COLUMNS} FROM users u WHERE u.subject = $1 ORDER BY u.created_at LIMIT 2`, [subject]);
  }

  listByIds(manager: EntityManager, ids: readonly string[]): Promise<UserEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return manager.query(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = ANY($1::uuid[]) ORDER BY u.username`, [ids]);
  }

  /** One page in username order, after `afterUsername` (keyset pagination). */
  list(manager: EntityManager, filter: { limit: number; afterUsername?: string; isActive?: boolean; source?: UserSource }): Promise<UserEntity[]> {
    const params: unknown[] = [filter.limit];
    const where: string[] = [];
    if (filter.afterUsername !== undefined) where.push(`u.username > $${params.push(filter.afterUsername)}`);
    if (filter.isActive !== undefined) where.push(`u.is_active = $${params.push(filter.isActive)}`);
    if (filter.source !== undefined) where.push(`u.source = $${params.push(filter.source)}`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    return manager.query(`SELECT ${USER_COLUMNS} FROM users u ${clause} ORDER BY u.username LIMIT $1`, params);
  }

  // ---- read paths: the user and its groups in one statement -------------------------------

  async getWithGroups(manager: EntityManager, key: UserKey, value: string): Promise<UserWithGroupsRow | null> {
    const rows = await queryPrepared<UserWithGroupsRow>(manager, `users_with_groups_by_${key}`, USER_WITH_GROUPS_BY[key], [value]);
    return rows[0] ?? null;
  }

  /** Up to two users with this subject under any issuer (two means ambiguous), with their groups. */
  listBySubjectWithGroups(manager: EntityManager, subject: string): Promise<UserWithGroupsRow[]> {
    return manager.query(`SELECT ${USER_WITH_GROUPS_COLUMNS} FROM users u WHERE u.subject = $1 ORDER BY u.created_at LIMIT 2`, [subject]);
  }

  getByIssuerSubjectWithGroups(manager: EntityManager, issuer: string, subject: string): Promise<UserWithGroupsRow | null> {
    return manager
      .query(`SELECT ${USER_WITH_GROUPS_COLUMNS} FROM users u WHERE u.oidc_issuer = $1 AND u.subject = $2`, [issuer, subject])
      .then((rows: UserWithGroupsRow[]) => rows[0] ?? null);
  }

  /** `list` with each user's groups: one statement per page (never one per user). */
  listWithGroups(manager: EntityManager, filter: { limit: number; afterUsername?: string; isActive?: boolean; source?: UserSource }): Promise<UserWithGroupsRow[]> {
    const params: unknown[] = [filter.limit];
    const where: string[] = [];
    const shape: string[] = [];
    if (filter.afterUsername !== undefined) {
      where.push(`u.username > $${params.push(filter.afterUsername)}`);
      shape.push('after');
    }
    if (filter.isActive !== undefined) {
      where.push(`u.is_active = $${params.push(filter.isActive)}`);
      shape.push('active');
    }
    if (filter.source !== undefined) {
      where.push(`u.source = $${params.push(filter.source)}`);
      shape.push('source');
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    // The page first (keyset on the username index), then the groups of those rows only. One
    // statement text per combination of filters (eight at most), each prepared once.
    return queryPrepared<UserWithGroupsRow>(
      manager,
      `users_with_groups_page_${shape.join('_') || 'all'}`,
      `SELECT ${USER_WITH_GROUPS_COLUMNS} FROM (SELECT * FROM users u ${clause} ORDER BY u.username LIMIT $1) u ORDER BY u.username`,
      params,
    );
  }

  async insert(manager: EntityManager, user: UserInsert): Promise<UserEntity> {
    const [created] = await this.insertMany(manager, [user]);
    return created;
  }

  /** Set-based insert through unnest(): five array parameters per chunk whatever its size. */
  async insertMany(manager: EntityManager, users: readonly UserInsert[]): Promise<UserEntity[]> {
    const created: UserEntity[] = [];
    for (const chunk of chunks(users, BULK_CHUNK)) {
      const column = <K extends keyof UserInsert>(key: K) => chunk.map((u) => u[key]);
      const rows: UserEntity[] = await manager.query(
        `WITH u AS (
           INSERT INTO users (username, email, first_name, last_name, phone, is_active, oidc_issuer, subject, directory_id, source)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::text[], $8::text[], $9::text[], $10::text[])
           RETURNING *)
         SELECT ${USER_COLUMNS} FROM u`,
        [
          column('username'),
          column('email'),
          column('firstName'),
          column('lastName'),
          column('phone'),
          column('isActive'),
          column('oidcIssuer'),
          column('subject'),
          column('directoryId'),
          column('source'),
        ],
      );
      created.push(...rows);
    }
    return created;
  }

  /** Applies the fields present in `patch`; null when no such user. */
  async update(manager: EntityManager, id: string, patch: UserPatch): Promise<UserEntity | null> {
    const params: unknown[] = [id];
    const sets = (Object.keys(patch) as (keyof UserPatch)[])
      .filter((key) => patch[key] !== undefined)
      .map((key) => `${PATCH_COLUMNS[key]} = $${params.push(patch[key])}`);
    const rows: UserEntity[] = await manager.query(
      `WITH u AS (UPDATE users SET ${sets.concat('updated_at = now()').join(', ')} WHERE id = $1 RETURNING *) SELECT ${USER_COLUMNS} FROM u`,
      params,
    );
    return rows[0] ?? null;
  }

  /** Replaces the directory-owned profile fields; returns only the rows that changed. */
  async updateProfiles(
    manager: EntityManager,
    profiles: readonly { id: string; email: string; firstName: string; lastName: string; phone: string | null; directoryId: string | null }[],
  ): Promise<UserEntity[]> {
    const changed: UserEntity[] = [];
    for (const chunk of chunks(profiles, BULK_CHUNK)) {
      const rows: UserEntity[] = await manager.query(
        `WITH u AS (
           UPDATE users t SET email = x.email, first_name = x.first_name, last_name = x.last_name, phone = x.phone, directory_id = x.directory_id, updated_at = now()
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS x(id, email, first_name, last_name, phone, directory_id)
           WHERE t.id = x.id
             AND (t.email, t.first_name, t.last_name, t.phone, t.directory_id) IS DISTINCT FROM (x.email, x.first_name, x.last_name, x.phone, x.directory_id)
           RETURNING t.*)
         SELECT ${USER_COLUMNS} FROM u`,
        [chunk.map((p) => p.id), chunk.map((p) => p.email), chunk.map((p) => p.firstName), chunk.map((p) => p.lastName), chunk.map((p) => p.phone), chunk.map((p) => p.directoryId)],
      );
      changed.push(...rows);
    }
    return changed;
  }

  /** Sets is_active on the listed users; returns only the rows whose flag actually changed. */
  async setActive(manager: EntityManager, ids: readonly string[], isActive: boolean): Promise<UserEntity[]> {
    const changed: UserEntity[] = [];
    for (const chunk of chunks(ids, BULK_CHUNK)) {
      const rows: UserEntity[] = await manager.query(
        `WITH u AS (UPDATE users SET is_active = $2, updated_at = now() WHERE id = ANY($1::uuid[]) AND is_active <> $2 RETURNING *) SELECT ${USER_COLUMNS} FROM u`,
        [chunk, isActive],
      );
      changed.push(...rows);
    }
    return changed;
  }

  /** Deletes the listed users (memberships cascade); returns the ids that existed. */
  async deleteMany(manager: EntityManager, ids: readonly string[]): Promise<string[]> {
    const deleted: string[] = [];
    for (const chunk of chunks(ids, BULK_CHUNK)) {
      const rows: { id: string }[] = await manager.query(`WITH d AS (DELETE FROM users WHERE id = ANY($1::uuid[]) RETURNING id) SELECT id FROM d`, [chunk]);
      deleted.push(...rows.map((r) => r.id));
    }
    return deleted;
  }

  /** Active users who belong to at least one is_admin group, oldest first. */
  async activeAdminIds(manager: EntityManager): Promise<string[]> {
    const rows: { id: string }[] = await manager.query(
      `SELECT u.id FROM users u
       WHERE u.is_active AND EXISTS (
         SELECT 1 FROM group_memberships m JOIN groups g ON g.id = m.group_id WHERE m.user_id = u.id AND g.is_admin)
       ORDER BY u.created_at, u.id`,
    );
    return rows.map((r) => r.id);
  }

  async countActiveAdmins(manager: EntityManager): Promise<number> {
    const [row]: { n: number }[] = await manager.query(
      `SELECT count(DISTINCT m.user_id)::int AS n
       FROM group_memberships m JOIN groups g ON g.id = m.group_id JOIN users u ON u.id = m.user_id
       WHERE g.is_admin AND u.is_active`,
    );
    return row.n;
  }

  /**
   * Directory sync's view of every account (or of `userIds`), with its group ids: one statement
   * for any number of users (group ids aggregated per user), read inside the sync transaction.
   */
  async syncState(manager: EntityManager, userIds?: readonly string[]): Promise<SyncStateUserRow[]> {
    const where = userIds ? 'WHERE u.id = ANY($1::uuid[])' : '';
    return manager.query(
      `SELECT u.id, u.username, u.email, u.directory_id, u.subject, u.source, u.is_active, u.first_name, u.last_name, u.phone,
              coalesce((SELECT array_agg(m.group_id::text) FROM group_memberships m WHERE m.user_id = u.id), '{}') AS group_ids
       FROM users u ${where}`,
      userIds ? [userIds] : [],
    );
  }
}

/** One account as directory sync reads it (snake_case, as stored). */
export interface SyncStateUserRow {
  id: string;
  username: string;
  email: string;
  directory_id: string | null;
  subject: string | null;
  source: UserSource;
  is_active: boolean;
  first_name: string;
  last_name: string;
  phone: string | null;
  group_ids: string[];
}
