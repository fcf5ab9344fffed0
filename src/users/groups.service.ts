import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { NotFoundError, ValidationError } from '../common/errors';
import { inTransaction } from '../database/transaction';
import { ChangeEvents, ChangeFeedService } from './change-feed.service';
import { GroupEntity } from './entities/group.entity';
import { GroupsRepository } from './groups.repository';
import { LastAdminGuard } from './last-admin.guard';
import { decodePageToken, encodePageToken, pageSize } from './page-token';
import { checkGroupName, checkText } from './user-input';
import { requireUuid } from '../common/uuid';
import { toGroupResponse } from './user-mapping';
import { GroupResponse, MembershipResponse, Page } from './user-response';
import { InTransaction } from './users.service';
import { UsersRepository } from './users.repository';
import { translateWriteError } from './write-errors';

export interface CreateGroupInput {
  name: string;
  is_admin?: boolean;
  directory_id?: string | null;
}

export interface ListGroupsQuery {
  page_size?: number;
  page_token?: string;
  is_admin?: boolean;
}

/** Groups and memberships. Same rules as UsersService: events in the transaction, admins kept. */
@Injectable()
export class GroupsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly groups: GroupsRepository,
    private readonly users: UsersRepository,
    private readonly changeFeed: ChangeFeedService,
    private readonly lastAdmin: LastAdminGuard,
  ) {}

  /** Pages in name order; the page token is the last name. */
  async listGroups(query: ListGroupsQuery): Promise<Page<GroupResponse>> {
    const limit = pageSize(query.page_size);
    if (query.is_admin !== undefined && typeof query.is_admin !== 'boolean') throw new ValidationError('is_admin must be true or false');
    const rows = await this.groups.list(this.dataSource.manager, { limit: limit + 1, afterName: decodePageToken(query.page_token), isAdmin: query.is_admin });
    const page = rows.slice(0, limit);
    return { items: page.map(toGroupResponse), next_page_token: rows.length > limit ? encodePageToken(page[page.length - 1].name) : '' };
  }

  async getById(id: string): Promise<GroupResponse | null> {
    const group = await this.groups.getById(this.dataSource.manager, requireUuid(id, 'id'));
    return group ? toGroupResponse(group) : null;
  }

  async getByName(name: string): Promise<GroupResponse | null> {
    const [group] = await this.groups.listByNames(this.dataSource.manager, [name]);
    return group ? toGroupResponse(group) : null;
  }

  /** NOT_FOUND for an unknown user. */
  async getUserGroups(userId: string): Promise<GroupResponse[]> {
    const manager = this.dataSource.manager;
    const id = requireUuid(userId, 'user_id');
    const user = await this.users.getWithGroups(manager, 'id', id);
    if (!user) throw new NotFoundError(`no user with id ${id}`, 'user_not_found');
    return user.groups.map(toGroupResponse);
  }

  /** ALREADY_EXISTS when the name is taken. */
  async createGroup(input: CreateGroupInput, options: InTransaction = {}): Promise<GroupResponse> {
    const name = checkGroupName(input.name);
    if (input.is_admin !== undefined && typeof input.is_admin !== 'boolean') throw new ValidationError('is_admin must be true or false');
    const directoryId = input.directory_id ? checkText(input.directory_id, 'directory_id', 255) : null;
    return this.write(options, async (manager) => {
      const group = toGroupResponse(await this.groups.insert(manager, { name, isAdmin: input.is_admin ?? false, directoryId }));
      await this.changeFeed.append(manager, [ChangeEvents.group('group.created', group)]);
      return group;
    });
  }

  /** Deletes the group and its memberships. Leaving no active admin: FAILED_PRECONDITION. */
  async deleteGroup(id: string, options: InTransaction = {}): Promise<void> {
    requireUuid(id, 'id');
    await this.write(options, async (manager) => {
      const last = await this.lastAdmin.protect(manager, 'deleting this group', async () => {
        const group = await this.groups.getById(manager, id, { forUpdate: true });
        if (!group) throw new NotFoundError(`no group with id ${id}`, 'group_not_found');
        await this.groups.delete(manager, id);
        return toGroupResponse(group);
      });
      await this.changeFeed.append(manager, [ChangeEvents.group('group.deleted', last)]);
    });
  }

  /** Idempotent: `added` is false (and no event is appended) when the user already was a member. */
  async addUserToGroup(userId: string, groupId: string, options: InTransaction = {}): Promise<{ membership: MembershipResponse; added: boolean }> {
    requireUuid(userId, 'user_id');
    requireUuid(groupId, 'group_id');
    return this.write(options, async (manager) => {
      const { membership } = await this.requirePair(manager, userId, groupId);
      const [added] = await this.groups.addMemberships(manager, [{ userId, groupId }]);
      if (added) await this.changeFeed.append(manager, [ChangeEvents.membership('membership.added', added)]);
      return { membership, added: Boolean(added) };
    });
  }

  /** Idempotent. Stripping the last active admin of admin rights: FAILED_PRECONDITION. */
  async removeUserFromGroup(userId: string, groupId: string, options: InTransaction = {}): Promise<{ removed: boolean }> {
    requireUuid(userId, 'user_id');
    requireUuid(groupId, 'group_id');
    return this.write(options, async (manager) => {
      const [removed] = await this.lastAdmin.protect(manager, 'removing this user from the group', async () => {
        await this.requirePair(manager, userId, groupId);
        return this.groups.removeMemberships(manager, [{ userId, groupId }]);
      });
      if (removed) await this.changeFeed.append(manager, [ChangeEvents.membership('membership.removed', removed)]);
      return { removed: Boolean(removed) };
    });
  }

  private async requirePair(manager: EntityManager, userId: string, groupId: string): Promise<{ group: GroupEntity; membership: MembershipResponse }> {
    const user = await this.users.getById(manager, userId);
    if (!user) throw new NotFoundError(`no user with id ${userId}`, 'user_not_found');
    const group = await this.groups.getById(manager, groupId);
    if (!group) throw new NotFoundError(`no group with id ${groupId}`, 'group_not_found');
    return { group, membership: { user_id: user.id, username: user.username, group_id: group.id, group_name: group.name } };
  }

  private async write<T>(options: InTransaction, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.dataSource, options.manager, work);
    } catch (error) {
      throw translateWriteError(error);
    }
  }
}
