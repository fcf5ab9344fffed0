import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Metadata, ServerWritableStream } from '@grpc/grpc-js';
import { Observable } from 'rxjs';
import { backpressuredStream } from '../grpc/server-stream';
import { ChangeFeedService } from './change-feed.service';
import { GroupsService } from './groups.service';
import { toChangeEventMessage, toGroupMessage, toMembershipMessage, toUserMessage } from './user-messages';
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
