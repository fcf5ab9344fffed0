import request from 'supertest';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { startTestApp, TestApp } from '../support/app';
import { grpcClient, GrpcTestClient } from '../support/grpc-client';
import { createGroup, createUser, newUserRequest } from './factories';

describe('UserService over gRPC (real PostgreSQL)', () => {
  let app: TestApp;
  let sut: GrpcTestClient;

  beforeAll(async () => {
    app = await startTestApp();
    sut = grpcClient('UserService', app.grpcAddress, app.config.coreGrpcToken);
  });

  afterAll(async () => {
    sut?.close();
    await app?.stop();
  });

  it('answers UNAUTHENTICATED without the core token', async () => {
    const anonymous = grpcClient('UserService', app.grpcAddress, null);
    await expect(anonymous.call('ListUsers')).rejects.toMatchObject({ code: GrpcStatus.UNAUTHENTICATED });
    anonymous.close();
  });

  describe('CRUD and membership cycle', () => {
    it('creates, reads by every key, updates, joins, leaves and deletes a user', async () => {
      const created = await createUser(sut, { username: 'cycle.user', email: 'Cycle.User@Example.com', phone: '+48 123' });
      expect(created).toMatchObject({ username: 'cycle.user', email: 'Cycle.User@Example.com', phone: '+48 123', is_active: true, is_admin: false, source: 'LOCAL', groups: [] });
      expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(new Date(created.created_at).toISOString()).toBe(created.created_at);

      for (const lookup of [{ id: created.id }, { username: 'cycle.user' }, { email: 'cycle.user@example.COM' }]) {
        expect((await sut.call('GetUser', lookup)).user.id).toBe(created.id);
      }

      const updated = (await sut.call('UpdateUser', { id: created.id, first_name: 'Cy', phone: '' })).user;
      expect(updated).toMatchObject({ first_name: 'Cy', last_name: 'Lee', username: 'cycle.user' });
      expect(updated.phone).toBeUndefined();

      const group = await createGroup(sut, 'cycle-staff');
      const added = await sut.call('AddUserToGroup', { user_id: created.id, group_id: group.id });
      expect(added).toEqual({ added: true, membership: { user_id: created.id, username: 'cycle.user', group_id: group.id, group_name: 'cycle-staff' } });
      expect((await sut.call('AddUserToGroup', { user_id: created.id, group_id: group.id })).added).toBe(false);
      expect((await sut.call('GetUserGroups', { user_id: created.id })).groups.map((g: { name: string }) => g.name)).toEqual(['cycle-staff']);
      expect((await sut.call('GetUser', { id: created.id })).user.groups).toHaveLength(1);

      expect(await sut.call('RemoveUserFromGroup', { user_id: created.id, group_id: group.id })).toEqual({ removed: true });
      expect(await sut.call('RemoveUserFromGroup', { user_id: created.id, group_id: group.id })).toEqual({ removed: false });

      await sut.call('DeleteUser', { id: created.id });
      await expect(sut.call('GetUser', { id: created.id })).rejects.toMatchObject({ code: GrpcStatus.NOT_FOUND });
      await sut.call('DeleteGroup', { id: group.id });
      await expect(sut.call('DeleteGroup', { id: group.id })).rejects.toMatchObject({ code: GrpcStatus.NOT_FOUND });
    });

    it('marks members of an is_admin group as admins', async () => {
      const user = await createUser(sut);
      const admins = await createGroup(sut, 'cycle-admins', true);
      await sut.call('AddUserToGroup', { user_id: user.id, group_id: admins.id });
      expect((await sut.call('GetUser', { id: user.id })).user).toMatchObject({ is_admin: true, groups: [{ name: 'cycle-admins', is_admin: true }] });
    });
  });

  describe('uniqueness', () => {
    it('refuses a duplicate username with ALREADY_EXISTS naming the field', async () => {
      await createUser(sut, { username: 'dup.name' });
      await expect(sut.call('CreateUser', newUserRequest({ username: 'dup.name' }))).rejects.toMatchObject({
        code: GrpcStatus.ALREADY_EXISTS,
        details: 'username is already taken by another user',
      });
    });

    it('treats emails that differ only in case as the same address', async () => {
      await createUser(sut, { email: 'Case.Mail@Example.com' });
      await expect(sut.call('CreateUser', newUserRequest({ email: 'case.mail@example.COM' }))).rejects.toMatchObject({
        code: GrpcStatus.ALREADY_EXISTS,
        details: expect.stringMatching(/^email is already used by another user/),
      });
    });

    it('refuses an update to a taken email and leaves the user unchanged', async () => {
      await createUser(sut, { email: 'taken@example.com' });
      const other = await createUser(sut, { first_name: 'Before' });
      await expect(sut.call('UpdateUser', { id: other.id, email: 'TAKEN@example.com', first_name: 'After' })).rejects.toMatchObject({ code: GrpcStatus.ALREADY_EXISTS });
      expect((await sut.call('GetUser', { id: other.id })).user).toMatchObject({ email: other.email, first_name: 'Before' });
    });

    it('matches an email exactly: "_" and "%" are not wildcards', async () => {
      await createUser(sut, { email: 'a_b@example.com' });
      await expect(sut.call('GetUser', { email: 'axb@example.com' })).rejects.toMatchObject({ code: GrpcStatus.NOT_FOUND });
      await expect(sut.call('GetUser', { email: '%@example.com' })).rejects.toMatchObject({ code: GrpcStatus.NOT_FOUND });
      expect((await sut.call('GetUser', { email: 'A_B@example.com' })).user.email).toBe('a_b@example.com');
    });

    it('refuses a duplicate group name', async () => {
      await createGroup(sut, 'dup-group');
      await expect(sut.call('CreateGroup', { name: 'dup-group' })).rejects.toMatchObject({ code: GrpcStatus.ALREADY_EXISTS, details: 'name is already taken by another group' });
    });
  });

  describe('bad input answers INVALID_ARGUMENT with the rule, never INTERNAL', () => {
    it.each([
      [{ username: '' }, 'username must be 1 to 64 characters long (got 0)'],
      [{ username: 'x'.repeat(65) }, 'username must be 1 to 64 characters long (got 65)'],
      [{ username: '_lead' }, 'username must start with an ASCII letter or digit'],
      [{ username: 'has space' }, 'username may contain only ASCII letters, digits, ".", "-" and "_" (found " ")'],
      [{ email: 'not-an-email' }, 'email must be an address such as user@example.com (got "not-an-email")'],
      [{ email: '' }, 'email is required'],
    ])('CreateUser %p', async (overrides, message) => {
      await expect(sut.call('CreateUser', newUserRequest(overrides))).rejects.toMatchObject({ code: GrpcStatus.INVALID_ARGUMENT, details: message });
    });

    it('accepts a 64-character username (Defguard rejects it with a 500)', async () => {
      const user = await createUser(sut, { username: 'a'.repeat(64) });
      expect(user.username).toHaveLength(64);
    });

    it.each([
      ['GetUser', {}, 'set exactly one of id, username, email or subject'],
      ['GetUser', { id: 'not-a-uuid' }, 'id must be a UUID (got "not-a-uuid")'],
      ['DeleteUser', { id: '' }, 'id must be a UUID (got "")'],
      ['ListUsers', { page_size: -1 }, 'page_size must be a non-negative integer (got -1)'],
      ['ListUsers', { page_token: 'garbage!' }, 'page_token is not a token this service issued; start again with an empty page_token'],
      ['CreateGroup', { name: '  ' }, 'name is required'],
      ['AddUserToGroup', { user_id: '00000000-0000-0000-0000-000000000000', group_id: 'x' }, 'group_id must be a UUID (got "x")'],
      ['WatchChanges', { after_sequence: -5 }, 'after_sequence must be a non-negative integer (got "-5")'],
    ])('%s %p', async (method, body, message) => {
      const call = method === 'WatchChanges' ? streamError(sut, body) : sut.call(method, body);
      await expect(call).rejects.toMatchObject({ code: GrpcStatus.INVALID_ARGUMENT, details: message });
    });

    it('answers NOT_FOUND for unknown ids', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      const user = await createUser(sut);
      for (const [method, body] of [
        ['GetUser', { id: unknown }],
        ['UpdateUser', { id: unknown, first_name: 'x' }],
        ['DeleteUser', { id: unknown }],
        ['GetUserGroups', { user_id: unknown }],
        ['AddUserToGroup', { user_id: user.id, group_id: unknown }],
        ['RemoveUserFromGroup', { user_id: unknown, group_id: unknown }],
      ] as const) {
        await expect(sut.call(method, body)).rejects.toMatchObject({ code: GrpcStatus.NOT_FOUND });
      }
    });
  });

  describe('pagination', () => {
    it('walks every user exactly once in username order and clamps oversized pages', async () => {
      for (let i = 0; i < 7; i++) await createUser(sut, { username: `page.${i}`, email: `page.${i}@example.com` });
      const seen: string[] = [];
      let token = '';
      do {
        const page = await sut.call('ListUsers', { page_size: 3, page_token: token });
        expect(page.users.length).toBeLessThanOrEqual(3);
        seen.push(...page.users.map((u: { username: string }) => u.username));
        token = page.next_page_token;
      } while (token);
      expect(seen).toEqual([...seen].sort());
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining(['page.0', 'page.6']));
      const all = await sut.call('ListUsers', { page_size: 1_000_000 });
      expect(all.users).toHaveLength(seen.length);
      expect(all.next_page_token).toBe('');
    });

    it('filters by is_active and source', async () => {
      const disabled = await createUser(sut, { is_active: false });
      const inactive = await sut.call('ListUsers', { page_size: 1000, is_active: false });
      expect(inactive.users.map((u: { id: string }) => u.id)).toContain(disabled.id);
      expect(inactive.users.every((u: { is_active: boolean }) => !u.is_active)).toBe(true);
      expect((await sut.call('ListUsers', { source: 'DIRECTORY' })).users).toEqual([]);
    });
  });

  describe('REST for admins', () => {
    it('requires the admin token', async () => {
      await request(app.httpUrl).get('/api/v1/user').expect(401);
      await request(app.httpUrl).get('/api/v1/group').expect(401);
    });

    it('lists users with filters and a page token', async () => {
      await createUser(sut, { username: 'rest.a', email: 'rest.a@example.com', is_active: false });
      const first = await request(app.httpUrl).get('/api/v1/user?is_active=false&source=LOCAL&page_size=1').set('Authorization', app.adminAuth).expect(200);
      expect(first.body.users).toHaveLength(1);
      expect(first.body.users[0]).toMatchObject({ is_active: false, source: 'LOCAL' });
      expect(typeof first.body.next_page_token).toBe('string');
    });

    it('lists groups filtered by is_admin', async () => {
      await createGroup(sut, 'rest-admins', true);
      const response = await request(app.httpUrl).get('/api/v1/group?is_admin=true').set('Authorization', app.adminAuth).expect(200);
      expect(response.body.groups.map((g: { name: string }) => g.name)).toContain('rest-admins');
      expect(response.body.groups.every((g: { is_admin: boolean }) => g.is_admin)).toBe(true);
    });

    it('answers 400 with the field for bad filters', async () => {
      const response = await request(app.httpUrl).get('/api/v1/user?source=LDAP&is_active=maybe').set('Authorization', app.adminAuth).expect(400);
      expect(response.body.msg).toContain('source must be one of the following values: LOCAL, OIDC, DIRECTORY');
      expect(response.body.msg).toContain('is_active must be a boolean value');
      await request(app.httpUrl).get('/api/v1/user?page_token=garbage!').set('Authorization', app.adminAuth).expect(400);
    });
  });
});

/** The first error of a server stream (the status it ends with). */
function streamError(client: GrpcTestClient, body: object): Promise<never> {
  return new Promise((_resolve, reject) => {
    const stream = client.stream('WatchChanges', body);
    stream.on('data', () => undefined);
    stream.on('error', reject);
  });
}
