import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { isEmail } from 'class-validator';
import { EntityManager } from 'typeorm';
import { AuditActor } from '../common/audit/audit-actor';
import { AuditService } from '../common/audit/audit.service';
import { SecretBox } from '../common/crypto/secret-box';
import { FailedPreconditionError, NotFoundError, ValidationError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { checkBaseUrl, checkBaseUrlForKind } from './base-url';
import { DiscoveryError, DiscoveryService } from './discovery.service';
import { ProviderUpsertDto } from './dto/provider-upsert.dto';
import { IdentityProviderEntity } from './entities/identity-provider.entity';
import { checkKindFields, KindSpecificField, providerKindRules } from './provider-kind';
import { ProviderRepository, ProviderRow } from './provider.repository';
import {
  ActiveProvider,
  DIRECTORY_CONNECTION_TESTER,
  DirectoryConnectionTester,
  DirectorySyncTestResult,
  IdentitySettings,
  ProviderChange,
  ProviderDetails,
  ProviderWithSettings,
  SECRET_PLACEHOLDER,
} from './provider.types';
import { checkGoogleServiceAccountKey, checkOktaPrivateJwk } from './secret-checks';
import { ChangeEvents, ChangeFeedService } from '../users/change-feed.service';

const SECRET_FIELDS = ['client_secret', 'google_service_account_key', 'okta_private_jwk', 'jumpcloud_api_key'] as const;
type SecretField = (typeof SECRET_FIELDS)[number];

const SECRET_COLUMN: Record<SecretField, keyof IdentityProviderEntity & `${string}Encrypted`> = {
  client_secret: 'clientSecretEncrypted',
  google_service_account_key: 'googleServiceAccountKeyEncrypted',
  okta_private_jwk: 'oktaPrivateJwkEncrypted',
  jumpcloud_api_key: 'jumpcloudApiKeyEncrypted',
};

/** Non-secret columns and their wire names, for the audit's list of changed fields. */
const AUDITED_COLUMNS: [keyof ProviderRow, string][] = [
  ['name', 'name'],
  ['kind', 'kind'],
  ['baseUrl', 'base_url'],
  ['clientId', 'client_id'],
  ['displayName', 'display_name'],
  ['googleServiceAccountEmail', 'google_service_account_email'],
  ['adminEmail', 'admin_email'],
  ['oktaDirsyncClientId', 'okta_dirsync_client_id'],
  ['directorySyncEnabled', 'directory_sync_enabled'],
  ['directorySyncInterval', 'directory_sync_interval'],
  ['directorySyncUserBehavior', 'directory_sync_user_behavior'],
  ['directorySyncAdminBehavior', 'directory_sync_admin_behavior'],
  ['directorySyncTarget', 'directory_sync_target'],
  ['directorySyncGroupMatch', 'directory_sync_group_match'],
  ['prefetchUsers', 'prefetch_users'],
];

/** Names that would be shadowed by a fixed route under /api/v1/openid/provider/. */
const RESERVED_NAMES = new Set(['current']);

const emptyToNull = (value: string | null | undefined): string | null => (value === undefined || value === null || value.trim() === '' ? null : value.trim());

/** A secret the request actually supplies: not absent, blank or the masked placeholder. */
function suppliedSecret(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed && trimmed !== SECRET_PLACEHOLDER ? trimmed : undefined;
}

type Listener = (change: ProviderChange) => void;

/**
 * The rules of the provider settings: validation at save time (fields, URLs, keys, discovery),
 * encrypted secrets that readers never see, one provider at a time, an audit row per change,
 * and change notification for the modules that build clients from the provider.
 */
@Injectable()
export class ProviderService {
  private readonly logger = new Logger('IdentityProvider');
  private readonly listeners = new Set<Listener>();
  private version = 0;
  /** Last stamp seen (provider id + updated_at, settings updated_at): tells another replica's change apart. */
  private knownStamp?: string;
  private cachedActive?: { stamp: string; provider: ActiveProvider | null };
  /** The stamp covers the settings row too, so a changed stamp is the only reason to re-read. */
  private cachedSettings?: { stamp: string; settings: IdentitySettings };

  constructor(
    private readonly providers: ProviderRepository,
    private readonly discovery: DiscoveryService,
    private readonly secrets: SecretBox,
    private readonly audit: AuditService,
    private readonly changeFeed: ChangeFeedService,
    private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  // ---- reads (REST and gRPC): secrets are flags only ----

  async list(): Promise<ProviderDetails[]> {
    return (await this.providers.list()).map((row) => this.toDetails(row));
  }

  async getCurrent(): Promise<ProviderWithSettings | null> {
    const row = await this.providers.getActive();
    return row ? { provider: this.toDetails(row), settings: await this.readSettings() } : null;
  }

  async getByName(name: string): Promise<ProviderWithSettings | null> {
    const row = await this.providers.getByName(name);
    return row ? { provider: this.toDetails(row), settings: await this.readSettings() } : null;
  }

  /** For core: the provider (or null) and the settings, which exist even without a provider. */
  async getCurrentWithSettings(): Promise<{ provider: ProviderDetails | null; settings: IdentitySettings }> {
    const row = await this.providers.getActive();
    return { provider: row ? this.toDetails(row) : null, settings: await this.readSettings() };
  }

  // ---- writes (REST) ----

  /** POST: creates the provider, or overwrites the one there is (Defguard's upsert, name included). */
  async upsert(input: ProviderUpsertDto, actor: AuditActor): Promise<void> {
    await this.save(input, actor, (manager?: EntityManager) => this.providers.getActive(manager));
  }

  /** PUT: updates the provider called `name`; the name itself cannot change. */
  async update(name: string, input: ProviderUpsertDto, actor: AuditActor): Promise<void> {
    if (input.name !== name) {
      throw new ValidationError(`name cannot be changed: the body says "${input.name}" but the URL says "${name}" (delete the provider and create it again to rename it)`, 'name_mismatch');
    }
    await this.save(input, actor, async (manager?: EntityManager) => (await this.providers.getByName(name, manager)) ?? this.notFound(name));
  }

  /** DELETE: the row goes, and its encrypted secrets with it. */
  async remove(name: string, actor: AuditActor): Promise<void> {
    await this.providers.transaction(async (manager) => {
      await this.providers.lockForWrite(manager);
      const existing = (await this.providers.getByName(name, manager)) ?? this.notFound(name);
      await this.providers.delete(manager, existing.id);
      await this.recordProviderChange(manager, actor, 'identity_provider.deleted', existing, SECRET_FIELDS.filter((field) => existing[SECRET_COLUMN[field]] !== null));
    });
    this.logger.log({ provider: name }, 'identity provider deleted');
    await this.changed('deleted');
  }

  // ---- directory sync connection test (REST) ----

  /**
   * Defguard's GET /test_directory_sync: always an answer, never an error status. Unlike
   * Defguard, a provider whose sync client cannot be built is reported as a failure.
   */
  async testDirectorySync(): Promise<DirectorySyncTestResult> {
    const fail = (message: string) => ({ success: false, message });
    const row = await this.providers.getActive();
    if (!row) return fail('Directory sync is not configured');
    const rules = providerKindRules(row.kind);
    if (!rules.supportsDirectorySync) return fail(`The selected provider ${row.kind} is not supported for directory sync`);
    if (!row.directorySyncEnabled) return fail('Directory sync is not configured: directory_sync_enabled is false');
    const details = this.toDetails(row);
    const missing = checkKindFields(row.kind, true, (field) => this.isStoredFieldSet(details, row, field));
    if (missing.length > 0) {
      return fail(row.kind === 'Okta' ? 'Okta provider is not configured correctly for Directory Sync. Okta private key or client id is missing.' : 'Directory sync is not configured');
    }
    const tester = this.connectionTester();
    if (!tester) return fail('Directory sync connection testing is not available in this build');
    try {
      const provider = await this.getActiveProvider();
      if (!provider) return fail('Directory sync is not configured');
      return await tester.testConnection(provider);
    } catch (error) {
      return fail(error instanceof Error ? error.message : String(error));
    }
  }

  // ---- the API of this module for sign-in and directory sync ----

  /** The active provider with decrypted secrets (internal use only), or null. Reuses the last read while nothing changed. */
  async getActiveProvider(): Promise<ActiveProvider | null> {
    const stamp = await this.observeStamp();
    if (this.cachedActive?.stamp === stamp) return this.cachedActive.provider;
    const row = await this.providers.getActive();
    const provider = row ? this.toActive(row) : null;
    this.cachedActive = { stamp, provider };
    return provider;
  }

  async getSettings(): Promise<IdentitySettings> {
    const stamp = await this.observeStamp();
    if (this.cachedSettings?.stamp === stamp) return this.cachedSettings.settings;
    const settings = await this.readSettings();
    this.cachedSettings = { stamp, settings };
    return settings;
  }

  /**
   * Called after every change of the provider or the settings: by this process's writes at once,
   * by another replica's on the next getActiveProvider()/getSettings() here. Returns the unsubscribe.
   */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- internals ----

  private async save(input: ProviderUpsertDto, actor: AuditActor, loadTarget: (manager?: EntityManager) => Promise<IdentityProviderEntity | null>): Promise<void> {
    if (RESERVED_NAMES.has(input.name.toLowerCase())) throw new ValidationError(`name "${input.name}" is reserved: choose another name (Defguard uses the kind, e.g. "Okta")`, 'invalid_provider');
    const urlProblem = checkBaseUrl(input.base_url, { allowHttpLoopback: this.config.allowHttpLoopbackProviders });
    if (urlProblem) throw new ValidationError(urlProblem, 'invalid_base_url');

    // Cheap checks first, against the stored provider as it is now; re-checked under the lock below.
    const before = await loadTarget();
    const problems = [...this.checkRow(input, before), ...(await this.checkSuppliedSecrets(input))];
    if (problems.length > 0) throw new ValidationError(problems.join('; '), 'invalid_provider');

    // The network call happens outside the transaction: no lock is held while the IdP answers.
    await this.checkDiscovery(input.base_url);

    const saved = await this.providers.transaction(async (manager) => {
      await this.providers.lockForWrite(manager);
      const existing = await loadTarget(manager);
      const recheck = this.checkRow(input, existing);
      if (recheck.length > 0) throw new ValidationError(recheck.join('; '), 'invalid_provider');
      const row = this.buildRow(input, existing);
      const settingsBefore = await this.providers.getSettings(manager);
      const changed = this.changedFields(existing, row, input);
      if (settingsBefore.createAccount !== input.create_account) changed.push('create_account');
      if (settingsBefore.usernameHandling !== input.username_handling) changed.push('username_handling');
      if (existing) await this.providers.update(manager, existing.id, row);
      else await this.providers.insert(manager, row);
      await this.providers.saveSettings(manager, { createAccount: input.create_account, usernameHandling: input.username_handling });
      const stored = (await this.providers.getByName(row.name, manager))!;
      await this.recordProviderChange(manager, actor, existing ? 'identity_provider.updated' : 'identity_provider.created', stored, changed);
      return { created: !existing, changed };
    });
    this.logger.log({ provider: input.name, kind: input.kind, created: saved.created, changed_fields: saved.changed }, 'identity provider saved');
    await this.changed('saved');
  }

  /**
   * Writes the audit row for a provider change (field names only, never a secret value) and
   * tells core through the change feed, in the same transaction: `provider.updated` carries no
   * payload (core reads the masked provider with GetCurrentProvider), also for a deletion.
   */
  private async recordProviderChange(manager: EntityManager, actor: AuditActor, action: string, provider: IdentityProviderEntity, changedFields: string[]): Promise<void> {
    await this.audit.record(manager, actor, {
      action,
      entityType: 'identity_provider',
      entityId: provider.id,
      changedFields,
      details: { name: provider.name, kind: provider.kind },
    });
    await this.changeFeed.append(manager, [ChangeEvents.other('provider.updated', provider.name)]);
  }

  /** Field rules that depend on the stored provider (kept secrets count as set). Returns every problem. */
  private checkRow(input: ProviderUpsertDto, existing: IdentityProviderEntity | null): string[] {
    const problems: string[] = [];
    const kindUrlProblem = checkBaseUrlForKind(input.kind, input.base_url, input.directory_sync_enabled);
    if (kindUrlProblem) problems.push(kindUrlProblem);
    const keepable = this.keepableSecrets(input, existing);
    if (!suppliedSecret(input.client_secret) && !keepable) {
      problems.push(`client_secret is required: paste the client secret of the ${input.kind === 'Custom' ? "provider's" : input.kind} app integration`);
    }
    const nonSecret: Partial<Record<KindSpecificField, string | null | undefined>> = {
      google_service_account_email: input.google_service_account_email,
      admin_email: input.admin_email,
      okta_dirsync_client_id: input.okta_dirsync_client_id,
    };
    const isSet = (field: KindSpecificField): boolean => {
      if ((SECRET_FIELDS as readonly string[]).includes(field)) {
        const secret = field as SecretField;
        return Boolean(suppliedSecret(input[secret])) || Boolean(keepable && existing?.[SECRET_COLUMN[secret]]);
      }
      return emptyToNull(nonSecret[field]) !== null;
    };
    problems.push(...checkKindFields(input.kind, input.directory_sync_enabled, isSet));
    for (const field of ['admin_email', 'google_service_account_email'] as const) {
      const value = emptyToNull(input[field]);
      if (value !== null && !isEmail(value)) problems.push(`${field} must be an e-mail address (got "${value}")`);
    }
    return problems;
  }

  /** Format checks of the secrets the request supplies; the messages never quote them. */
  private async checkSuppliedSecrets(input: ProviderUpsertDto): Promise<string[]> {
    const problems: string[] = [];
    const jwk = suppliedSecret(input.okta_private_jwk);
    if (jwk && input.kind === 'Okta') {
      const problem = await checkOktaPrivateJwk(jwk);
      if (problem) problems.push(problem);
    }
    const googleKey = suppliedSecret(input.google_service_account_key);
    if (googleKey && input.kind === 'Google') {
      const problem = checkGoogleServiceAccountKey(googleKey);
      if (problem) problems.push(problem);
    }
    return problems;
  }

  private async checkDiscovery(baseUrl: string): Promise<void> {
    try {
      await this.discovery.discover(baseUrl, { fresh: true });
    } catch (error) {
      if (error instanceof DiscoveryError) throw new ValidationError(error.message, error.code, { cause: error.cause });
      throw error;
    }
  }

  /**
   * Stored secrets are kept only for the same kind: a secret of another kind's app (after a POST
   * that switches provider) must not survive the switch.
   */
  private keepableSecrets(input: ProviderUpsertDto, existing: IdentityProviderEntity | null): existing is IdentityProviderEntity {
    return existing !== null && existing.kind === input.kind;
  }

  private buildRow(input: ProviderUpsertDto, existing: IdentityProviderEntity | null): ProviderRow {
    const keepable = this.keepableSecrets(input, existing);
    const secret = (field: SecretField): string | null => {
      const supplied = suppliedSecret(input[field]);
      if (supplied) return this.secrets.encrypt(supplied);
      return keepable ? existing[SECRET_COLUMN[field]] : null;
    };
    return {
      name: input.name,
      kind: input.kind,
      baseUrl: input.base_url,
      clientId: input.client_id,
      clientSecretEncrypted: secret('client_secret')!,
      displayName: emptyToNull(input.display_name),
      googleServiceAccountKeyEncrypted: secret('google_service_account_key'),
      googleServiceAccountEmail: emptyToNull(input.google_service_account_email),
      adminEmail: emptyToNull(input.admin_email),
      oktaPrivateJwkEncrypted: secret('okta_private_jwk'),
      oktaDirsyncClientId: emptyToNull(input.okta_dirsync_client_id),
      jumpcloudApiKeyEncrypted: secret('jumpcloud_api_key'),
      directorySyncEnabled: input.directory_sync_enabled,
      directorySyncInterval: input.directory_sync_interval,
      directorySyncUserBehavior: input.directory_sync_user_behavior,
      directorySyncAdminBehavior: input.directory_sync_admin_behavior,
      directorySyncTarget: input.directory_sync_target,
      directorySyncGroupMatch: input.directory_sync_group_match,
      prefetchUsers: input.prefetch_users,
    };
  }

  private changedFields(existing: IdentityProviderEntity | null, row: ProviderRow, input: ProviderUpsertDto): string[] {
    const changed: string[] = [];
    for (const [column, field] of AUDITED_COLUMNS) {
      if (JSON.stringify(existing?.[column] ?? null) !== JSON.stringify(row[column] ?? null)) changed.push(field);
    }
    for (const field of SECRET_FIELDS) {
      // A supplied secret counts as changed (it was re-entered); so does one dropped by a kind switch.
      const before = existing?.[SECRET_COLUMN[field]] ?? null;
      if (suppliedSecret(input[field]) || before !== row[SECRET_COLUMN[field]]) changed.push(field);
    }
    return changed;
  }

  private isStoredFieldSet(details: ProviderDetails, row: IdentityProviderEntity, field: KindSpecificField): boolean {
    switch (field) {
      case 'google_service_account_key':
        return row.googleServiceAccountKeyEncrypted !== null;
      case 'okta_private_jwk':
        return row.oktaPrivateJwkEncrypted !== null;
      case 'jumpcloud_api_key':
        return row.jumpcloudApiKeyEncrypted !== null;
      case 'google_service_account_email':
        return details.googleServiceAccountEmail !== null;
      case 'admin_email':
        return details.adminEmail !== null;
      case 'okta_dirsync_client_id':
        return details.oktaDirsyncClientId !== null;
    }
  }

  private connectionTester(): DirectoryConnectionTester | undefined {
    try {
      return this.moduleRef.get<DirectoryConnectionTester>(DIRECTORY_CONNECTION_TESTER, { strict: false });
    } catch {
      return undefined;
    }
  }

  private notFound(name: string): never {
    throw new NotFoundError(`No identity provider is called "${name}"`, 'provider_not_found');
  }

  private async readSettings(): Promise<IdentitySettings> {
    const settings = await this.providers.getSettings();
    return { createAccount: settings.createAccount, usernameHandling: settings.usernameHandling };
  }

  private toDetails(row: IdentityProviderEntity): ProviderDetails {
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      baseUrl: row.baseUrl,
      clientId: row.clientId,
      displayName: row.displayName,
      buttonDisplayName: row.displayName || row.name,
      googleServiceAccountEmail: row.googleServiceAccountEmail,
      adminEmail: row.adminEmail,
      oktaDirsyncClientId: row.oktaDirsyncClientId,
      directorySync: {
        enabled: row.directorySyncEnabled,
        intervalSeconds: row.directorySyncInterval,
        userBehavior: row.directorySyncUserBehavior,
        adminBehavior: row.directorySyncAdminBehavior,
        target: row.directorySyncTarget,
        groupMatch: row.directorySyncGroupMatch,
        prefetchUsers: row.prefetchUsers,
      },
      secretsSet: {
        clientSecret: row.clientSecretEncrypted !== null,
        googleServiceAccountKey: row.googleServiceAccountKeyEncrypted !== null,
        oktaPrivateJwk: row.oktaPrivateJwkEncrypted !== null,
        jumpcloudApiKey: row.jumpcloudApiKeyEncrypted !== null,
      },
      updatedAt: row.updatedAt,
    };
  }

  private toActive(row: IdentityProviderEntity): ActiveProvider {
    const decrypt = (value: string | null, field: SecretField): string | null => {
      if (value === null) return null;
      try {
        return this.secrets.decrypt(value);
      } catch (error) {
        throw new FailedPreconditionError(
          `The stored ${field} of the identity provider cannot be decrypted with SECRET_KEY (was the key changed? put the old key in SECRET_KEYS_PREVIOUS, or save the provider again with the secret)`,
          'secret_undecryptable',
          { cause: error },
        );
      }
    };
    const { secretsSet: _flags, ...details } = this.toDetails(row);
    return {
      ...details,
      clientSecret: decrypt(row.clientSecretEncrypted, 'client_secret')!,
      googleServiceAccountKey: decrypt(row.googleServiceAccountKeyEncrypted, 'google_service_account_key'),
      oktaPrivateJwk: decrypt(row.oktaPrivateJwkEncrypted, 'okta_private_jwk'),
      jumpcloudApiKey: decrypt(row.jumpcloudApiKeyEncrypted, 'jumpcloud_api_key'),
      rules: providerKindRules(row.kind),
    };
  }

  private async observeStamp(): Promise<string> {
    const stamp = await this.providers.getStamp();
    const external = this.knownStamp !== undefined && this.knownStamp !== stamp;
    this.knownStamp = stamp;
    if (external) this.emit('external');
    return stamp;
  }

  private async changed(reason: ProviderChange['reason']): Promise<void> {
    this.cachedActive = undefined;
    this.discovery.invalidate();
    this.knownStamp = await this.providers.getStamp().catch(() => undefined);
    this.emit(reason);
  }

  private emit(reason: ProviderChange['reason']): void {
    this.cachedActive = undefined;
    this.discovery.invalidate();
    const change: ProviderChange = { version: ++this.version, reason };
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.logger.error({ err: error }, 'a provider change listener failed');
      }
    }
  }
}
