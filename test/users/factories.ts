import { randomBytes } from 'node:crypto';
import { GrpcTestClient } from '../support/grpc-client';

let counter = 0;

/** A unique, valid username and email for each call. */
export function newUserRequest(overrides: Record<string, unknown> = {}) {
  const tag = `${Date.now().toString(36)}${(counter++).toString(36)}${randomBytes(2).toString('hex')}`;
  return { username: `user.${tag}`, email: `user.${tag}@example.com`, first_name: 'Ann', last_name: 'Lee', ...overrides };
}

export async function createUser(client: GrpcTestClient, overrides: Record<string, unknown> = {}) {
  return (await client.call('CreateUser', newUserRequest(overrides))).user;
}

export async function createGroup(client: GrpcTestClient, name: string, isAdmin = false) {
  return (await client.call('CreateGroup', { name, is_admin: isAdmin })).group;
}

/** An active admin: a new user in the given is_admin group. */
export async function createAdmin(client: GrpcTestClient, adminGroupId: string) {
  const user = await createUser(client);
  await client.call('AddUserToGroup', { user_id: user.id, group_id: adminGroupId });
  return user;
}
