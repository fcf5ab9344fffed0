import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ChangeEvents, ChangeFeedService } from './change-feed.service';
import { GroupsRepository, MembershipKey } from './groups.repository';
import { LastAdminGuard } from './last-admin.guard';
import { checkGroupName, checkText, normalizeEmail } from './user-input';
import { requireUuid } from '../common/uuid';
import { toGroupResponse } from './user-mapping';
import { GroupResponse, MembershipResponse, UserResponse, UserSource } from './user-response';
import { CreateUserInput, UsersService } from './users.service';
import { SyncStateUserRow, UsersRepository } from './users.repository';
import { translateWriteError } from './write-errors';

/**
 * Set-based writes for directory sync, which applies a whole plan in one transaction it owns:
 * every method takes that transaction's EntityManager, runs a bounded number of statements
 * whatever the input size (unnest arrays, chunked), and appends its change events. Methods that
 * may reduce the active admins run through LastAdminGuard.protect; call
 * `LastAdminGuard.splitRemovableAdmins` first to skip (rather than fail on) the last admin.
 */
/** What directory sync diffs against: the accounts with their group ids, and every group. */
export interface SyncStateRow {
  users: SyncStateUserRow[];
  groups: { id: string; name: string; is_admin: boolean; directory_id: string | null }[];
}

@Injectable()
export class BulkUsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly groups: GroupsRepository,
    private readonly usersService: UsersService,
    private readonly changeFeed: ChangeFeedService,
    private readonly lastAdmin: LastAdminGuard,
  ) {}

  /**
   * The stored state directory sync diffs against, in two statements whatever the size (call it
   * inside the transaction that applies the plan). `userIds` narrows the users (login refresh).
   */
  async loadSyncState(manager: EntityManager, options: { userIds?: readonly string[] } = {}): Promise<SyncStateRow> {
    const [users, groups] = [await this.users.syncState(manager, options.userIds), await this.groups.syncState(manager)];
    return { users, groups };
  }

  /** Creates the accounts (username rules applied to each). ALREADY_EXISTS names the field. */
  async createUsers(manager: EntityManager, inputs: readonly CreateUserInput[], options: { source: UserSource }): Promise<UserResponse[]> {
    const rows = inputs.map((input) => this.usersService.checkNewUser(input, options.source));
    return this.guard(async () => {
      const responses = await this.usersService.buildResponses(manager, await this.users.insertMany(manager, rows));
      await this.changeFeed.append(manager, responses.map((user) => ChangeEvents.user('user.created', user)));
      return responses;
    });
  }

  /**
   * Replaces the profile fields the directory owns (email, names, phone, directory_id) on the
   * listed users; appends user.updated for the users that actually changed.
   */
  async updateProfiles(
    manager: EntityManager,
    profiles: readonly { id: string; email: string; first_name: string; last_name: string; phone: string | null; directory_id: string | null }[],
  ): Promise<UserResponse[]> {
    const checked = profiles.map((p) => ({
      id: requireUuid(p.id, 'id'),
      email: normalizeEmail(p.email),
      firstName: checkText(p.first_name, 'first_name', 256),
      lastName: checkText(p.last_name, 'last_name', 256),
      phone: checkText(p.phone, 'phone', 64) || null,
      directoryId: p.directory_id ? checkText(p.directory_id, 'directory_id', 255) : null,
    }));
    return this.guard(async () => {
      const changed = await this.users.updateProfiles(manager, checked);
      const responses = await this.usersService.buildResponses(manager, changed);
      await this.changeFeed.append(manager, responses.map((user) => ChangeEvents.user('user.updated', user)));
      return responses;
    });
  }

  /** Sets is_active; returns (and appends user.updated for) only the users that changed. */
  async setActive(manager: EntityManager, userIds: readonly string[], isActive: boolean): Promise<UserResponse[]> {
    const ids = userIds.map((id) => requireUuid(id, 'user_id'));
    return this.guard(async () => {
      const change = () => this.users.setActive(manager, ids, isActive);
      const changed = isActive ? await change() : await this.lastAdmin.protect(manager, `disabling ${ids.length} users`, change);
      const responses = await this.usersService.buildResponses(manager, changed);
      await this.changeFeed.append(manager, responses.map((user) => ChangeEvents.user('user.updated', user)));
      return responses;
    });
  }

  /** Deletes the users (memberships cascade); appends user.deleted with each one's last state. */
  async deleteUsers(manager: EntityManager, userIds: readonly string[]): Promise<UserResponse[]> {
    const ids = userIds.map((id) => requireUuid(id, 'user_id'));
    return this.guard(async () => {
      const deleted = await this.lastAdmin.protect(manager, `deleting ${ids.length} users`, async () => {
        const last = await this.usersService.buildResponses(manager, await this.users.listByIds(manager, ids));
        await this.users.deleteMany(manager, ids);
        return last;
      });
      await this.changeFeed.append(manager, deleted.map((user) => ChangeEvents.user('user.deleted', user)));
      return deleted;
    });
  }

  /** Returns every listed group, creating (group.created) those whose name is not taken yet. */
  async ensureGroups(manager: EntityManager, groups: readonly { name: string; directory_id?: string | null }[]): Promise<GroupResponse[]> {
    const wanted = groups.map((g) => ({ name: checkGroupName(g.name), isAdmin: false, directoryId: g.directory_id ?? null }));
    return this.guard(async () => {
      const created = (await this.groups.insertMissing(manager, wanted)).map(toGroupResponse);
      await this.changeFeed.append(manager, created.map((group) => ChangeEvents.group('group.created', group)));
      return (await this.groups.listByNames(manager, [...new Set(wanted.map((g) => g.name))])).map(toGroupResponse);
    });
  }

  /** Adds the memberships that do not exist yet; returns those it added. */
  async addMemberships(manager: EntityManager, keys: readonly MembershipKey[]): Promise<MembershipResponse[]> {
    const checked = keys.map((k) => ({ userId: requireUuid(k.userId, 'user_id'), groupId: requireUuid(k.groupId, 'group_id') }));
    return this.guard(async () => {
      const added = await this.groups.addMemberships(manager, checked);
      await this.changeFeed.append(manager, added.map((m) => ChangeEvents.membership('membership.added', m)));
      return added;
    });
  }

  /** Removes the listed memberships that exist; returns those it removed. */
  async removeMemberships(manager: EntityManager, keys: readonly MembershipKey[]): Promise<MembershipResponse[]> {
    const checked = keys.map((k) => ({ userId: requireUuid(k.userId, 'user_id'), groupId: requireUuid(k.groupId, 'group_id') }));
    return this.guard(async () => {
      const removed = await this.lastAdmin.protect(manager, `removing ${checked.length} memberships`, () => this.groups.removeMemberships(manager, checked));
      await this.changeFeed.append(manager, removed.map((m) => ChangeEvents.membership('membership.removed', m)));
      return removed;
    });
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw translateWriteError(error);
    }
  }
}
