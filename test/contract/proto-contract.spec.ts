// Contract test for proto/defguard/identity/v1: the services, RPCs and key fields that core and
// the acceptance checks rely on (DESIGN.md, "Contracts"), the package's naming rules, and the
// rule that no secret ever crosses the wire.
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import {
  IDENTITY_PROTO_FILES,
  IDENTITY_PROTO_PACKAGE,
  PROTO_LOADER_OPTIONS,
  PROTO_ROOT,
} from '../../src/grpc/proto-files';

interface FieldDescriptor {
  name: string;
  number: number;
  label: string;
  type: string;
  typeName: string;
  oneofIndex: number;
}
interface EnumDescriptor {
  name: string;
  value: { name: string; number: number }[];
}
interface MessageDescriptor {
  name: string;
  field: FieldDescriptor[];
  nestedType: MessageDescriptor[];
  enumType: EnumDescriptor[];
  oneofDecl: { name: string }[];
}

const sut = protoLoader.loadSync([...IDENTITY_PROTO_FILES], PROTO_LOADER_OPTIONS);
const pkg = grpc.loadPackageDefinition(sut);

const fullName = (name: string) => `${IDENTITY_PROTO_PACKAGE}.${name}`;

function service(name: string): protoLoader.ServiceDefinition {
  const definition = sut[fullName(name)];
  if (!definition || 'format' in definition) throw new Error(`no service ${name}`);
  return definition as protoLoader.ServiceDefinition;
}

function message(name: string): MessageDescriptor {
  const definition = sut[fullName(name)] as protoLoader.MessageTypeDefinition<object, object> | undefined;
  if (!definition || definition.format !== 'Protocol Buffer 3 DescriptorProto') {
    throw new Error(`no message ${name}`);
  }
  return definition.type as MessageDescriptor;
}

function topLevelEnum(name: string): EnumDescriptor {
  const definition = sut[fullName(name)] as protoLoader.EnumTypeDefinition | undefined;
  if (!definition || definition.format !== 'Protocol Buffer 3 EnumDescriptorProto') {
    throw new Error(`no enum ${name}`);
  }
  return definition.type as EnumDescriptor;
}

function field(messageName: string, fieldName: string): FieldDescriptor {
  const found = message(messageName).field.find((f) => f.name === fieldName);
  if (!found) throw new Error(`${messageName} has no field ${fieldName}`);
  return found;
}

/** Every message of the package, nested ones included, with its full name. */
function allMessages(): { name: string; type: MessageDescriptor }[] {
  const out: { name: string; type: MessageDescriptor }[] = [];
  const visit = (prefix: string, type: MessageDescriptor) => {
    out.push({ name: `${prefix}${type.name}`, type });
    type.nestedType.forEach((nested) => visit(`${prefix}${type.name}.`, nested));
  };
  for (const definition of Object.values(sut)) {
    if ('format' in definition && definition.format === 'Protocol Buffer 3 DescriptorProto') {
      visit('', definition.type as MessageDescriptor);
    }
  }
  return out;
}

/** Every enum of the package with its scope ('' for package level, else the message name). */
function allEnums(): { scope: string; type: EnumDescriptor }[] {
  const out: { scope: string; type: EnumDescriptor }[] = [];
  for (const definition of Object.values(sut)) {
    if ('format' in definition && definition.format === 'Protocol Buffer 3 EnumDescriptorProto') {
      out.push({ scope: '', type: definition.type as EnumDescriptor });
    }
  }
  for (const { name, type } of allMessages()) {
    type.enumType.forEach((e) => out.push({ scope: name, type: e }));
  }
  return out;
}

/** Serialises a message through an RPC's codec and reads it back as a client would. */
function roundTrip(
  serviceName: string,
  rpc: string,
  side: 'request' | 'response',
  value: object,
): Record<string, unknown> {
  const method = service(serviceName)[rpc];
  const decoded =
    side === 'request'
      ? method.requestDeserialize(method.requestSerialize(value))
      : method.responseDeserialize(method.responseSerialize(value));
  return decoded as Record<string, unknown>;
}

const screamingSnake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

// [service, rpc, request type, response type, server streaming]
const CONTRACT: [string, string, string, string, boolean][] = [
  ['AuthService', 'GetAuthInfo', 'GetAuthInfoRequest', 'GetAuthInfoResponse', false],
  ['AuthService', 'HandleCallback', 'HandleCallbackRequest', 'AuthResult', false],
  ['AuthService', 'RedeemAuthResult', 'RedeemAuthResultRequest', 'AuthResult', false],
  ['MfaService', 'StartMfa', 'StartMfaRequest', 'StartMfaResponse', false],
  ['MfaService', 'GetMfaStatus', 'GetMfaStatusRequest', 'GetMfaStatusResponse', false],
  ['UserService', 'GetUser', 'GetUserRequest', 'GetUserResponse', false],
  ['UserService', 'ListUsers', 'ListUsersRequest', 'ListUsersResponse', false],
  ['UserService', 'CreateUser', 'CreateUserRequest', 'CreateUserResponse', false],
  ['UserService', 'UpdateUser', 'UpdateUserRequest', 'UpdateUserResponse', false],
  ['UserService', 'DeleteUser', 'DeleteUserRequest', 'DeleteUserResponse', false],
  ['UserService', 'ListGroups', 'ListGroupsRequest', 'ListGroupsResponse', false],
  ['UserService', 'GetUserGroups', 'GetUserGroupsRequest', 'GetUserGroupsResponse', false],
  ['UserService', 'CreateGroup', 'CreateGroupRequest', 'CreateGroupResponse', false],
  ['UserService', 'DeleteGroup', 'DeleteGroupRequest', 'DeleteGroupResponse', false],
  ['UserService', 'AddUserToGroup', 'AddUserToGroupRequest', 'AddUserToGroupResponse', false],
  ['UserService', 'RemoveUserFromGroup', 'RemoveUserFromGroupRequest', 'RemoveUserFromGroupResponse', false],
  ['UserService', 'WatchChanges', 'WatchChangesRequest', 'ChangeEvent', true],
  ['DirectorySyncService', 'TestConnection', 'TestConnectionRequest', 'TestConnectionResponse', false],
  ['DirectorySyncService', 'RunSync', 'RunSyncRequest', 'RunSyncResponse', false],
  ['DirectorySyncService', 'GetSyncRun', 'GetSyncRunRequest', 'GetSyncRunResponse', false],
  ['DirectorySyncService', 'ListSyncRuns', 'ListSyncRunsRequest', 'ListSyncRunsResponse', false],
  ['ProviderService', 'GetCurrentProvider', 'GetCurrentProviderRequest', 'GetCurrentProviderResponse', false],
];

describe('proto files', () => {
  it('resolves PROTO_ROOT to an absolute folder holding every listed file', () => {
    expect(isAbsolute(PROTO_ROOT)).toBe(true);
    for (const file of IDENTITY_PROTO_FILES) expect(existsSync(join(PROTO_ROOT, file))).toBe(true);
  });

  it('lists every .proto file of the package folder', () => {
    const onDisk = readdirSync(join(PROTO_ROOT, 'defguard/identity/v1'))
      .filter((f) => f.endsWith('.proto'))
      .map((f) => `defguard/identity/v1/${f}`);
    expect([...IDENTITY_PROTO_FILES].sort()).toEqual(onDisk.sort());
  });

  it('uses the agreed loader options', () => {
    expect(PROTO_LOADER_OPTIONS).toMatchObject({
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
      includeDirs: [PROTO_ROOT],
    });
  });
});

describe('services and RPCs (DESIGN.md "Contracts")', () => {
  it.each(CONTRACT)('%s.%s takes %s and returns %s', (svc, rpc, request, response, serverStreaming) => {
    const method = service(svc)[rpc];
    expect(method).toBeDefined();
    expect(method.path).toBe(`/${IDENTITY_PROTO_PACKAGE}.${svc}/${rpc}`);
    expect(method.requestStream).toBe(false);
    expect(method.responseStream).toBe(serverStreaming);
    expect((method.requestType.type as MessageDescriptor).name).toBe(request);
    expect((method.responseType.type as MessageDescriptor).name).toBe(response);
  });

  it('has exactly the contract RPCs on every service, and no other service', () => {
    const expected = new Map<string, string[]>();
    for (const [svc, rpc] of CONTRACT) expected.set(svc, [...(expected.get(svc) ?? []), rpc]);
    const services = Object.entries(sut)
      .filter(([, definition]) => !('format' in definition))
      .map(([name]) => name.slice(IDENTITY_PROTO_PACKAGE.length + 1));
    expect(services.sort()).toEqual([...expected.keys()].sort());
    for (const [svc, rpcs] of expected) expect(Object.keys(service(svc)).sort()).toEqual(rpcs.sort());
  });

  it('gives every RPC its own request message', () => {
    const requests = CONTRACT.map(([, , request]) => request);
    expect(new Set(requests).size).toBe(requests.length);
  });

  it('builds client constructors with grpc.loadPackageDefinition', () => {
    const identity = (pkg.defguard as grpc.GrpcObject).identity as grpc.GrpcObject;
    const v1 = identity.v1 as grpc.GrpcObject;
    for (const [svc, rpc, , , serverStreaming] of CONTRACT) {
      const client = v1[svc] as grpc.ServiceClientConstructor;
      expect(typeof client).toBe('function');
      expect(client.service[rpc]).toMatchObject({
        path: `/${IDENTITY_PROTO_PACKAGE}.${svc}/${rpc}`,
        requestStream: false,
        responseStream: serverStreaming,
      });
    }
  });
});

describe('key messages', () => {
  it('User carries identity, admin flag, provider link, source, groups and timestamps', () => {
    expect(field('User', 'id').type).toBe('TYPE_STRING');
    for (const name of ['username', 'email', 'first_name', 'last_name', 'phone', 'subject', 'directory_id']) {
      expect(field('User', name).type).toBe('TYPE_STRING');
    }
    expect(field('User', 'is_active').type).toBe('TYPE_BOOL');
    expect(field('User', 'is_admin').type).toBe('TYPE_BOOL');
    expect(field('User', 'source')).toMatchObject({ type: 'TYPE_ENUM', typeName: 'UserSource' });
    expect(field('User', 'groups')).toMatchObject({ label: 'LABEL_REPEATED', typeName: 'Group' });
    expect(field('User', 'created_at').type).toBe('TYPE_STRING');
    expect(field('User', 'updated_at').type).toBe('TYPE_STRING');
  });

  it('leaves phone, subject and directory_id absent (not empty) when unset', () => {
    const { user } = roundTrip('UserService', 'GetUser', 'response', { user: { id: 'u1', username: 'alice' } });
    expect(user).toMatchObject({ id: 'u1', username: 'alice', is_admin: false, groups: [] });
    expect(user).not.toHaveProperty('phone');
    expect(user).not.toHaveProperty('subject');
    expect(user).not.toHaveProperty('directory_id');
  });

  it('Group carries is_admin; Membership names both sides', () => {
    expect(field('Group', 'is_admin').type).toBe('TYPE_BOOL');
    for (const name of ['id', 'name', 'directory_id', 'created_at', 'updated_at']) field('Group', name);
    for (const name of ['user_id', 'username', 'group_id', 'group_name']) field('Membership', name);
  });

  it('GetUserRequest has oneof lookup {id, username, email, subject}', () => {
    const type = message('GetUserRequest');
    const lookup = type.oneofDecl.findIndex((o) => o.name === 'lookup');
    expect(lookup).toBeGreaterThanOrEqual(0);
    expect(type.field.map((f) => f.name).sort()).toEqual(['email', 'id', 'subject', 'username']);
    for (const f of type.field) expect(f.oneofIndex).toBe(lookup);
    expect(roundTrip('UserService', 'GetUser', 'request', { subject: 'okta|00u1' })).toEqual({
      subject: 'okta|00u1',
      lookup: 'subject',
    });
  });

  it('ListUsers and ListGroups are paginated; ListUsers filters by is_active and source', () => {
    for (const request of ['ListUsersRequest', 'ListGroupsRequest', 'ListSyncRunsRequest']) {
      expect(field(request, 'page_size').type).toBe('TYPE_INT32');
      expect(field(request, 'page_token').type).toBe('TYPE_STRING');
    }
    expect(field('ListUsersResponse', 'users')).toMatchObject({ label: 'LABEL_REPEATED', typeName: 'User' });
    expect(field('ListGroupsResponse', 'groups')).toMatchObject({ label: 'LABEL_REPEATED', typeName: 'Group' });
    for (const response of ['ListUsersResponse', 'ListGroupsResponse', 'ListSyncRunsResponse']) {
      field(response, 'next_page_token');
    }
    const empty = roundTrip('UserService', 'ListUsers', 'request', {});
    expect(empty).not.toHaveProperty('is_active');
    expect(empty).not.toHaveProperty('source');
    expect(roundTrip('UserService', 'ListUsers', 'request', { is_active: false, source: 'DIRECTORY' })).toMatchObject({
      is_active: false,
      source: 'DIRECTORY',
    });
  });

  it('UpdateUser changes only the fields that are set', () => {
    field('UpdateUserRequest', 'id');
    const decoded = roundTrip('UserService', 'UpdateUser', 'request', { id: 'u1', is_active: false });
    expect(decoded).toMatchObject({ id: 'u1', is_active: false });
    for (const name of ['username', 'email', 'first_name', 'last_name', 'phone']) {
      field('UpdateUserRequest', name);
      expect(decoded).not.toHaveProperty(name);
    }
  });

  it('group membership RPCs take user_id and group_id', () => {
    for (const request of ['AddUserToGroupRequest', 'RemoveUserFromGroupRequest']) {
      expect(message(request).field.map((f) => f.name).sort()).toEqual(['group_id', 'user_id']);
    }
    expect(field('CreateGroupRequest', 'is_admin').type).toBe('TYPE_BOOL');
  });

  it('WatchChanges resumes from an int64 sequence and streams ChangeEvent with a oneof entity', () => {
    expect(field('WatchChangesRequest', 'after_sequence').type).toBe('TYPE_INT64');
    expect(field('ChangeEvent', 'sequence').type).toBe('TYPE_INT64');
    for (const name of ['type', 'entity_id', 'occurred_at']) expect(field('ChangeEvent', name).type).toBe('TYPE_STRING');
    const type = message('ChangeEvent');
    const entity = type.oneofDecl.findIndex((o) => o.name === 'entity');
    expect(entity).toBeGreaterThanOrEqual(0);
    for (const name of ['user', 'group', 'membership']) expect(field('ChangeEvent', name).oneofIndex).toBe(entity);
    const event = roundTrip('UserService', 'WatchChanges', 'response', {
      sequence: '9007199254740993',
      type: 'membership.added',
      membership: { user_id: 'u1', group_id: 'g1' },
    });
    expect(event).toMatchObject({ sequence: '9007199254740993', entity: 'membership' });
  });

  it('AuthService carries flow, state and the sign-in outcome', () => {
    expect(topLevelEnum('AuthFlow').value.map((v) => v.name)).toEqual([
      'AUTH_FLOW_UNSPECIFIED',
      'LOGIN',
      'ENROLLMENT',
      'MFA',
    ]);
    expect(field('GetAuthInfoRequest', 'flow').typeName).toBe('AuthFlow');
    field('GetAuthInfoRequest', 'mfa_token');
    for (const name of ['url', 'state', 'button_display_name', 'expires_at']) field('GetAuthInfoResponse', name);
    for (const name of ['flow', 'code', 'state', 'error', 'error_description']) field('HandleCallbackRequest', name);
    field('RedeemAuthResultRequest', 'result');
    expect(field('AuthResult', 'user').typeName).toBe('User');
    expect(field('AuthResult', 'created').type).toBe('TYPE_BOOL');
    expect(field('AuthResult', 'linked').type).toBe('TYPE_BOOL');
    field('AuthResult', 'enrollment_token');
    field('AuthResult', 'enrollment_url');
    expect(field('AuthResult', 'mfa_status').typeName).toBe('MfaStatus');
  });

  it('MfaService starts a challenge and reports its status', () => {
    expect(topLevelEnum('MfaStatus').value.map((v) => v.name)).toEqual([
      'MFA_STATUS_UNSPECIFIED',
      'PENDING',
      'COMPLETED',
      'FAILED',
      'EXPIRED',
    ]);
    field('StartMfaRequest', 'user_id');
    for (const name of ['mfa_token', 'url', 'expires_at']) field('StartMfaResponse', name);
    field('GetMfaStatusRequest', 'mfa_token');
    expect(field('GetMfaStatusResponse', 'status').typeName).toBe('MfaStatus');
    field('GetMfaStatusResponse', 'user_id');
  });

  it('UserSource is LOCAL, OIDC or DIRECTORY', () => {
    expect(topLevelEnum('UserSource').value.map((v) => v.name)).toEqual([
      'USER_SOURCE_UNSPECIFIED',
      'LOCAL',
      'OIDC',
      'DIRECTORY',
    ]);
  });

  it('SyncRun records trigger, status (incl. REFUSED and PARTIAL), counts, errors and changes', () => {
    const run = message('SyncRun');
    const status = run.enumType.find((e) => e.name === 'Status');
    const trigger = run.enumType.find((e) => e.name === 'Trigger');
    expect(status?.value.map((v) => v.name)).toEqual([
      'STATUS_UNSPECIFIED',
      'RUNNING',
      'SUCCEEDED',
      'PARTIAL',
      'REFUSED',
      'FAILED',
      'SKIPPED_LOCKED',
    ]);
    expect(trigger?.value.map((v) => v.name)).toEqual(['TRIGGER_UNSPECIFIED', 'SCHEDULE', 'MANUAL', 'STARTUP']);
    for (const name of ['id', 'dry_run', 'forced', 'started_at', 'finished_at', 'api_calls', 'message']) {
      field('SyncRun', name);
    }
    expect(field('SyncRun', 'counts').typeName).toBe('SyncCounts');
    expect(field('SyncRun', 'errors')).toMatchObject({ label: 'LABEL_REPEATED', type: 'TYPE_STRING' });
    expect(field('SyncRun', 'changes')).toMatchObject({ label: 'LABEL_REPEATED', typeName: 'SyncChange' });
    expect(message('SyncCounts').field.map((f) => [f.name, f.type])).toEqual(
      [
        'users_created',
        'users_updated',
        'users_enabled',
        'users_disabled',
        'users_deleted',
        'groups_created',
        'memberships_added',
        'memberships_removed',
      ].map((name) => [name, 'TYPE_INT32']),
    );
    for (const name of ['action', 'user_id', 'username', 'email', 'group_name', 'reason']) field('SyncChange', name);
    for (const name of ['dry_run', 'force']) expect(field('RunSyncRequest', name).type).toBe('TYPE_BOOL');
    expect(field('TestConnectionResponse', 'success').type).toBe('TYPE_BOOL');
    field('TestConnectionResponse', 'message');
    expect(roundTrip('DirectorySyncService', 'RunSync', 'response', { run: { status: 'REFUSED' } })).toMatchObject({
      run: { status: 'REFUSED' },
    });
  });

  it('GetCurrentProvider mirrors the REST provider with *_set flags and leaves provider absent when none', () => {
    for (const name of [
      'name',
      'kind',
      'base_url',
      'client_id',
      'display_name',
      'directory_sync_enabled',
      'directory_sync_interval',
      'directory_sync_user_behavior',
      'directory_sync_admin_behavior',
      'directory_sync_target',
      'directory_sync_group_match',
      'prefetch_users',
      'okta_dirsync_client_id',
      'google_service_account_email',
      'admin_email',
    ]) {
      field('Provider', name);
    }
    for (const name of ['client_secret_set', 'okta_private_jwk_set', 'google_service_account_key_set', 'jumpcloud_api_key_set']) {
      expect(field('Provider', name).type).toBe('TYPE_BOOL');
    }
    expect(field('Provider', 'directory_sync_group_match').label).toBe('LABEL_REPEATED');
    field('ProviderSettings', 'create_account');
    field('ProviderSettings', 'username_handling');
    const none = roundTrip('ProviderService', 'GetCurrentProvider', 'response', { settings: { create_account: true } });
    expect(none).not.toHaveProperty('provider');
    expect(none).not.toHaveProperty('button_display_name');
  });
});

describe('package rules', () => {
  it('never carries a secret: no message has a secret field, only *_set flags', () => {
    const forbidden = ['client_secret', 'okta_private_jwk', 'google_service_account_key', 'jumpcloud_api_key'];
    const offenders = allMessages().flatMap(({ name, type }) =>
      type.field
        .filter((f) => forbidden.includes(f.name) || (/secret|private_jwk|_key$|api_key/.test(f.name) && !f.name.endsWith('_set')))
        .map((f) => `${name}.${f.name}`),
    );
    expect(offenders).toEqual([]);
  });

  it('names every enum zero value <ENUM_NAME>_UNSPECIFIED', () => {
    for (const { type } of allEnums()) {
      expect(type.value[0]).toEqual(expect.objectContaining({ name: `${screamingSnake(type.name)}_UNSPECIFIED`, number: 0 }));
    }
  });

  it('keeps enum value names unique within their scope (package level and per message)', () => {
    const byScope = new Map<string, string[]>();
    for (const { scope, type } of allEnums()) {
      byScope.set(scope, [...(byScope.get(scope) ?? []), ...type.value.map((v) => v.name)]);
    }
    for (const names of byScope.values()) expect(names.length).toBe(new Set(names).size);
  });

  it('names every field in snake_case', () => {
    const bad = allMessages().flatMap(({ name, type }) =>
      type.field.filter((f) => !/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(f.name)).map((f) => `${name}.${f.name}`),
    );
    expect(bad).toEqual([]);
  });
});
