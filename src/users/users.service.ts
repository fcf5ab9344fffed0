import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { FailedPreconditionError, NotFoundError, ValidationError } from '../common/errors';
import { inTransaction } from '../database/transaction';
import { ChangeEvents, ChangeFeedService } from './change-feed.service';
import { UserEntity } from './entities/user.entity';
import { GroupsRepository } from './groups.repository';
import { LastAdminGuard } from './last-admin.guard';
import { decodePageToken, encodePageToken, pageSize } from './page-token';
import { checkText, normalizeEmail, optionalSource } from './user-input';
import { requireUuid } from '../common/uuid';
import { toUserResponse } from './user-mapping';
import { Page, UserResponse, UserSource } from './user-response';
import { cleanUsername, UsernameHandling, validateUsername } from './username';
import { UserInsert, UserPatch, UsersRepository, UserWithGroupsRow } from './users.repository';
import { translateWriteError } from './write-errors';

const NAME_MAX_LENGTH = 256;
const PHONE_MAX_LENGTH = 64;
const SUBJECT_MAX_LENGTH = 255;

/** A new account (field names as CreateUserRequest, plus the identity links). */
export interface CreateUserInput {
  username: string;
  email: string;
  first_name?: string;
  last_name?: string;
  phone?: string | null;
  /** Default true. */
  is_active?: boolean;
  /** Set both to link the account to an OIDC identity at creation. */
  oidc_issuer?: string | null;
  subject?: string | null;
  directory_id?: string | null;
}

/** Only the fields that are set change; an empty phone clears it. */
export interface UpdateUserInput {
  username?: string;
  email?: string;
  first_name?: string;
  last_name?: string;
  phone?: string | null;
  is_active?: boolean;
}

/** GetUser: exactly one of the fields. */
export interface UserLookup {
  id?: string;
  username?: string;
  email?: string;
  subject?: string;
}

export interface ListUsersQuery {
  page_size?: number;
  page_token?: string;
  is_active?: boolean;
  source?: string;
}

const respondWithGroups = (user: UserWithGroupsRow | null): UserResponse | null => (user ? toUserResponse(user, user.groups) : null);

/** Options of every write that other modules may run inside a transaction they own. */
export interface InTransaction {
  manager?: EntityManager;
}

/**
 * Users: lookups, the account lifecycle and the identity links. Every write appends its change
 * events in the same transaction; every write that may reduce the active admins runs through
 * LastAdminGuard. Returns response objects (user-response.ts), never entities.
 */
@Injectable()
export class UsersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UsersRepository,
    private readonly groups: GroupsRepository,
    private readonly changeFeed: ChangeFeedService,
    private readonly lastAdmin: LastAdminGuard,
  ) {}

  // ---- reads ------------------------------------------------------------------------------

  async getById(id: string, options: InTransaction = {}): Promise<UserResponse | null> {
    const manager = options.manager ?? this.dataSource.manager;
    return respondWithGroups(await this.users.getWithGroups(manager, 'id', requireUuid(id, 'id')));
  }

  async getByUsername(username: string): Promise<UserResponse | null> {
    return respondWithGroups(await this.users.getWithGroups(this.dataSource.manager, 'username', username));
  }

  /** Case-insensitive exact match (never a LIKE pattern). */
  async getByEmail(email: string, options: InTransaction = {}): Promise<UserResponse | null> {
    const manager = options.manager ?? this.dataSource.manager;
    return respondWithGroups(await this.users.getWithGroups(manager, 'email', email.trim()));
  }

  /** The account linked to this OIDC identity (issuer URL + `sub`), if any. */
  async getByIssuerSubject(issuer: string, subject: string, options: InTransaction = {}): Promise<UserResponse | null> {
    const manager = options.manager ?? this.dataSource.manager;
    return respondWithGroups(await this.users.getByIssuerSubjectWithGroups(manager, issuer, subject));
  }

  /**
   * GetUser. A `subject` alone matches under any issuer only when exactly one user has it;
   * when two issuers share it the lookup is refused (FAILED_PRECONDITION) rather than guessed.
   * One statement per call: the user and its groups together.
   */
  async findUser(lookup: UserLookup): Promise<UserResponse> {
    const given = (['id', 'username', 'email', 'subject'] as const).filter((key) => typeof lookup[key] === 'string' && lookup[key] !== '');
    if (given.length !== 1) throw new ValidationError('set exactly one of id, username, email or subject');
    const key = given[0];
    const value = lookup[key]!;
    const manager = this.dataSource.manager;
    let user: UserWithGroupsRow | null;
    if (key === 'id') user = await this.users.getWithGroups(manager, 'id', requireUuid(value, 'id'));
    else if (key === 'username') user = await this.users.getWithGroups(manager, 'username', value);
    else if (key === 'email') user = await this.users.getWithGroups(manager, 'email', value.trim());
    else {
      const matches = await this.users.listBySubjectWithGroups(manager, value);
      if (matches.length > 1) throw new FailedPreconditionError('subject is linked under more than one issuer; look the user up by id', 'ambiguous_subject');
      user = matches[0] ?? null;
    }
    if (!user) throw new NotFoundError(`no user with this ${key}`, 'user_not_found');
    return toUserResponse(user, user.groups);
  }

  /** Pages in username order; the page token is the last username, so pages stay stable. */
  async listUsers(query: ListUsersQuery): Promise<Page<UserResponse>> {
    const limit = pageSize(query.page_size);
    const isActive = query.is_active;
    if (isActive !== undefined && typeof isActive !== 'boolean') throw new ValidationError('is_active must be true or false');
    const manager = this.dataSource.manager;
    const rows = await this.users.listWithGroups(manager, { limit: limit + 1, afterUsername: decodePageToken(query.page_token), isActive, source: optionalSource(query.source) });
    const page = rows.slice(0, limit);
    return {
      items: page.map((user) => toUserResponse(user, user.groups)),
      next_page_token: rows.length > limit ? encodePageToken(page[page.length - 1].username) : '',
    };
  }

  // ---- writes -----------------------------------------------------------------------------

  /**
   * Creates an account. With `usernameHandling` the username is first cleaned as Defguard does
   * (a claim from the provider); either way it must then pass the username rules
   * (INVALID_ARGUMENT naming the rule). ALREADY_EXISTS names the taken field.
   */
  async createUser(input: CreateUserInput, options: InTransaction & { source: UserSource; usernameHandling?: UsernameHandling }): Promise<UserResponse> {
    const row = this.checkNewUser(input, options.source, options.usernameHandling);
    return this.write(options, async (manager) => {
      const created = await this.users.insert(manager, row);
      const response = toUserResponse(created, []);
      await this.changeFeed.append(manager, [ChangeEvents.user('user.created', response)]);
      return response;
    });
  }

  /** Validates and normalises one new account (shared with the bulk path). */
  checkNewUser(input: CreateUserInput, source: UserSource, usernameHandling?: UsernameHandling): UserInsert {
    if (typeof input.username !== 'string') throw new ValidationError('username is required', 'invalid_username');
    const username = usernameHandling ? cleanUsername(input.username, usernameHandling) : input.username;
    validateUsername(username);
    const issuer = input.oidc_issuer ? checkText(input.oidc_issuer, 'oidc_issuer', 2048) : null;
    const subject = input.subject ? checkText(input.subject, 'subject', SUBJECT_MAX_LENGTH) : null;
    if (Boolean(issuer) !== Boolean(subject)) throw new ValidationError('oidc_issuer and subject must be set together');
    if (input.is_active !== undefined && input.is_active !== null && typeof input.is_active !== 'boolean') throw new ValidationError('is_active must be true or false');
    return {
      username,
      email: normalizeEmail(input.email),
      firstName: checkText(input.first_name, 'first_name', NAME_MAX_LENGTH),
      lastName: checkText(input.last_name, 'last_name', NAME_MAX_LENGTH),
      phone: checkText(input.phone, 'phone', PHONE_MAX_LENGTH) || null,
      isActive: input.is_active ?? true,
      oidcIssuer: issuer,
      subject,
      directoryId: input.directory_id ? checkText(input.directory_id, 'directory_id', 255) : null,
      source,
    };
  }

  /** Changes the fields that are set. Deactivating the last active admin: FAILED_PRECONDITION. */
  async updateUser(id: string, input: UpdateUserInput, options: InTransaction = {}): Promise<UserResponse> {
    requireUuid(id, 'id');
    const patch: UserPatch = {};
    if (input.username !== undefined) {
      validateUsername(input.username);
      patch.username = input.username;
    }
    if (input.email !== undefined) patch.email = normalizeEmail(input.email);
    if (input.first_name !== undefined) patch.firstName = checkText(input.first_name, 'first_name', NAME_MAX_LENGTH);
    if (input.last_name !== undefined) patch.lastName = checkText(input.last_name, 'last_name', NAME_MAX_LENGTH);
    if (input.phone !== undefined) patch.phone = checkText(input.phone, 'phone', PHONE_MAX_LENGTH) || null;
    if (input.is_active !== undefined) {
      if (typeof input.is_active !== 'boolean') throw new ValidationError('is_active must be true or false');
      patch.isActive = input.is_active;
    }
    return this.applyPatch(id, patch, options);
  }

  /** Links the account to an OIDC identity (sign-in matched it by email). */
  linkSubject(userId: string, issuer: string, subject: string, options: InTransaction = {}): Promise<UserResponse> {
    requireUuid(userId, 'user_id');
    if (!issuer || !subject) throw new ValidationError('issuer and subject are required');
    return this.applyPatch(userId, { oidcIssuer: checkText(issuer, 'oidc_issuer', 2048), subject: checkText(subject, 'subject', SUBJECT_MAX_LENGTH) }, options);
  }

  /** Enables or disables the account. Disabling the last active admin: FAILED_PRECONDITION. */
  setActive(userId: string, isActive: boolean, options: InTransaction = {}): Promise<UserResponse> {
    requireUuid(userId, 'user_id');
    return this.applyPatch(userId, { isActive }, options);
  }

  private applyPatch(id: string, patch: UserPatch, options: InTransaction): Promise<UserResponse> {
    return this.write(options, async (manager) => {
      const change = async (): Promise<{ response: UserResponse; changed: boolean }> => {
        const before = await this.users.getById(manager, id, { forUpdate: true });
        if (!before) throw new NotFoundError(`no user with id ${id}`, 'user_not_found');
        const changed = (Object.keys(patch) as (keyof UserPatch)[]).some((key) => patch[key] !== undefined && patch[key] !== before[key]);
        // Nothing to change: no write, no event (retries and idempotent callers stay quiet).
        if (!changed) return { response: (await this.respond(manager, before))!, changed };
        return { response: (await this.respond(manager, await this.users.update(manager, id, patch)))!, changed };
      };
      const { response, changed } = patch.isActive === false ? await this.lastAdmin.protect(manager, 'disabling this user', change) : await change();
      if (changed) await this.changeFeed.append(manager, [ChangeEvents.user('user.updated', response)]);
      return response;
    });
  }

  /** Deletes the account and its memberships. The last active admin: FAILED_PRECONDITION. */
  async deleteUser(id: string, options: InTransaction = {}): Promise<void> {
    requireUuid(id, 'id');
    await this.write(options, async (manager) => {
      const last = await this.lastAdmin.protect(manager, 'deleting this user', async () => {
        const user = await this.users.getById(manager, id, { forUpdate: true });
        if (!user) throw new NotFoundError(`no user with id ${id}`, 'user_not_found');
        const response = (await this.respond(manager, user))!;
        await this.users.deleteMany(manager, [id]);
        return response;
      });
      await this.changeFeed.append(manager, [ChangeEvents.user('user.deleted', last)]);
    });
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** Response objects for users, with their groups read in one query. */
  async buildResponses(manager: EntityManager, users: readonly UserEntity[]): Promise<UserResponse[]> {
    const groups = await this.groups.groupsOfUsers(manager, users.map((u) => u.id));
    return users.map((user) => toUserResponse(user, groups.get(user.id) ?? []));
  }

  private async respond(manager: EntityManager, user: UserEntity | null): Promise<UserResponse | null> {
    return user ? (await this.buildResponses(manager, [user]))[0] : null;
  }

  private async write<T>(options: InTransaction, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.dataSource, options.manager, work);
    } catch (error) {
      throw translateWriteError(error);
    }
  }
}
