import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Metadata, ServerWritableStream } from '@grpc/grpc-js';
import { Observable } from 'rxjs';
import { backpressuredStream } from '../grpc/server-stream';
import { ChangeFeedService } from './change-feed.service';
import { GroupsService } from './groups.service';
import { ChangeEventResponse, GroupResponse, MembershipResponse, UserResponse } from './user-response';
import { UpdateUserInput, UserLookup, UsersService } from './users.service';

/** Request shapes as proto-loader hands them over (keepCase, longs and enums as strings). */
interface PageRequest {
  page_size?: number;
  page_token?: string;
}
interface CreateUserRequest {
  username: string;
  email: string;
  first_name?: string;
  last_name?: string;
  phone?: string;
  is_active?: boolean;
}

export function toGroupMessage(group: GroupResponse) {
  return {
    id: group.id,
    name: group.name,
    is_admin: group.is_admin,
    directory_id: group.directory_id ?? undefined,
    created_at: group.created_at,
    updated_at: group.updated_at,
  };
}

export function toUserMessage(user: UserResponse) {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    first_name: user.first_name,
    last_name: user.last_name,
    phone: user.phone ?? undefined,
    is_active: user.is_active,
    is_admin: user.is_admin,
    subject: user.subject ?? undefined,
    directory_id: user.directory_id ?? undefined,
    source: user.source,
    groups: user.groups.map(toGroupMessage),
    created_at: user.created_at,
    updated_at: user.updated_at,
  };
}

export function toMembershipMessage(membership: MembershipResponse) {
  return { user_id: membership.user_id, username: membership.username, group_id: membership.group_id, group_name: membership.group_name };
}

export function toChangeEventMessage(event: ChangeEventResponse) {
  return {
    sequence: event.sequence,
    type: event.type,
    entity_id: event.entity_id,
    occurred_at: event.occurred_at,
    user: event.user && toUserMessage(event.user),
    group: event.group && toGroupMessage(event.group),
    membership: event.membership && toMembershipMessage(event.membership),
  };
}

/** defguard.identity.v1.UserService: translates messages, the services hold every rule. */
@Controller()
export class UsersGrpcController {
  constructor(
    private readonly users: UsersService,
    private readonly groups: GroupsService,
    private readonly changeFeed: ChangeFeedService,
  ) {}

  @GrpcMethod('UserService', 'GetUser')
  async getUser(request: UserLookup) {
    return { user: toUserMessage(await this.users.findUser(request)) };
  }

  @GrpcMethod('UserService', 'ListUsers')
  async listUsers(request: PageRequest & { is_active?: boolean; source?: string }) {
    const page = await this.users.listUsers(request);
    return { users: page.items.map(toUserMessage), next_page_token: page.next_page_token };
  }

  @GrpcMethod('UserService', 'CreateUser')
  async createUser(request: CreateUserRequest) {
    return { user: toUserMessage(await this.users.createUser(request, { source: 'LOCAL' })) };
  }

  @GrpcMethod('UserService', 'UpdateUser')
  async updateUser(request: UpdateUserInput & { id: string }) {
    const { id, ...patch } = request;
    return { user: toUserMessage(await this.users.updateUser(id, onlySetFields(patch))) };
  }

  @GrpcMethod('UserService', 'DeleteUser')
  async deleteUser(request: { id: string }) {
    await this.users.deleteUser(request.id);
    return {};
  }

  @GrpcMethod('UserService', 'ListGroups')
  async listGroups(request: PageRequest) {
    const page = await this.groups.listGroups(request);
    return { groups: page.items.map(toGroupMessage), next_page_token: page.next_page_token };
  }

  @GrpcMethod('UserService', 'GetUserGroups')
  async getUserGroups(request: { user_id: string }) {
    return { groups: (await this.groups.getUserGroups(request.user_id)).map(toGroupMessage) };
  }

  @GrpcMethod('UserService', 'CreateGroup')
  async createGroup(request: { name: string; is_admin: boolean }) {
    return { group: toGroupMessage(await this.groups.createGroup(request)) };
  }

  @GrpcMethod('UserService', 'DeleteGroup')
  async deleteGroup(request: { id: string }) {
    await this.groups.deleteGroup(request.id);
    return {};
  }

  @GrpcMethod('UserService', 'AddUserToGroup')
  async addUserToGroup(request: { user_id: string; group_id: string }) {
    const result = await this.groups.addUserToGroup(request.user_id, request.group_id);
    return { membership: toMembershipMessage(result.membership), added: result.added };
  }

  @GrpcMethod('UserService', 'RemoveUserFromGroup')
  async removeUserFromGroup(request: { user_id: string; group_id: string }) {
    return this.groups.removeUserFromGroup(request.user_id, request.group_id);
  }

  @GrpcMethod('UserService', 'WatchChanges')
  watchChanges(request: { after_sequence: string }, _metadata: Metadata, call: ServerWritableStream<unknown, unknown>): Observable<never> {
    return backpressuredStream(call, toChangeEventMessage, (writer, signal) => this.changeFeed.follow(String(request.after_sequence), writer, signal));
  }
}

/** proto3 `optional` fields arrive only when set (plus a `_field` oneof marker): keep those. */
function onlySetFields<T extends object>(request: T): T {
  return Object.fromEntries(Object.entries(request).filter(([key, value]) => !key.startsWith('_') && value !== undefined)) as T;
}
