/**
 * Per-kind rules. Everything that differs between providers branches on `kind` here, never on
 * the provider's `name` (Defguard branches on `name`, which breaks as soon as an admin renames it).
 */
export const PROVIDER_KINDS = ['Custom', 'Google', 'Microsoft', 'Okta', 'JumpCloud', 'Zitadel'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export const DIRECTORY_SYNC_BEHAVIORS = ['keep', 'disable', 'delete'] as const;
export type DirectorySyncBehavior = (typeof DIRECTORY_SYNC_BEHAVIORS)[number];

export const DIRECTORY_SYNC_TARGETS = ['all', 'users', 'groups'] as const;
export type DirectorySyncTarget = (typeof DIRECTORY_SYNC_TARGETS)[number];

/** Provider fields that only one kind uses (snake_case, as on the wire). */
export type KindSpecificField =
  | 'google_service_account_key'
  | 'google_service_account_email'
  | 'admin_email'
  | 'okta_private_jwk'
  | 'okta_dirsync_client_id'
  | 'jumpcloud_api_key';

export interface ProviderKindRules {
  kind: ProviderKind;
  /** Google only: its consent screen otherwise signs in silently with the last account. */
  supportsSelectAccountPrompt: boolean;
  supportsDirectorySync: boolean;
  /** Fields that must be set (stored or supplied) when directory sync is enabled. */
  requiredForDirectorySync: KindSpecificField[];
  /** Kind-specific fields this kind accepts at all; the others must stay empty. */
  fields: KindSpecificField[];
}

const RULES: Record<ProviderKind, ProviderKindRules> = {
  Custom: { kind: 'Custom', supportsSelectAccountPrompt: false, supportsDirectorySync: false, requiredForDirectorySync: [], fields: [] },
  Zitadel: { kind: 'Zitadel', supportsSelectAccountPrompt: false, supportsDirectorySync: false, requiredForDirectorySync: [], fields: [] },
  Google: {
    kind: 'Google',
    supportsSelectAccountPrompt: true,
    supportsDirectorySync: true,
    requiredForDirectorySync: ['google_service_account_key', 'google_service_account_email', 'admin_email'],
    fields: ['google_service_account_key', 'google_service_account_email', 'admin_email'],
  },
  // Microsoft's directory sync reuses the sign-in app's client_id and client_secret (Graph).
  Microsoft: { kind: 'Microsoft', supportsSelectAccountPrompt: false, supportsDirectorySync: true, requiredForDirectorySync: [], fields: [] },
  Okta: {
    kind: 'Okta',
    supportsSelectAccountPrompt: false,
    supportsDirectorySync: true,
    requiredForDirectorySync: ['okta_dirsync_client_id', 'okta_private_jwk'],
    fields: ['okta_dirsync_client_id', 'okta_private_jwk'],
  },
  JumpCloud: {
    kind: 'JumpCloud',
    supportsSelectAccountPrompt: false,
    supportsDirectorySync: true,
    requiredForDirectorySync: ['jumpcloud_api_key'],
    fields: ['jumpcloud_api_key'],
  },
};

export function providerKindRules(kind: ProviderKind): ProviderKindRules {
  return RULES[kind];
}

export function isProviderKind(value: unknown): value is ProviderKind {
  return typeof value === 'string' && (PROVIDER_KINDS as readonly string[]).includes(value);
}

/** What the admin must do to fill a missing field, per field: the message names the Okta/Google step. */
const HOW_TO_FILL: Record<KindSpecificField, string> = {
  okta_dirsync_client_id: "the client ID of the separate Okta \"API services\" app used for directory sync",
  okta_private_jwk: "the private key in JSON format from that app's \"Add key\" dialog",
  google_service_account_key: 'the private_key (PEM) from the service account JSON key file',
  google_service_account_email: 'the client_email from the service account JSON key file',
  admin_email: 'the e-mail of a Google Workspace admin the service account impersonates',
  jumpcloud_api_key: 'a JumpCloud API key (a read-only administrator\'s key is recommended)',
};

/**
 * Checks which kind-specific fields are set against the kind's rules. `isSet` says whether a
 * field has a value after merging with the stored provider (a kept secret counts as set).
 * Returns one message per problem, in field order.
 */
export function checkKindFields(kind: ProviderKind, directorySyncEnabled: boolean, isSet: (field: KindSpecificField) => boolean): string[] {
  const rules = providerKindRules(kind);
  const problems: string[] = [];
  const all = Object.keys(HOW_TO_FILL) as KindSpecificField[];
  for (const field of all) {
    if (!rules.fields.includes(field) && isSet(field)) {
      problems.push(`${field} is not used by ${kind} providers: leave it empty`);
    }
  }
  if (directorySyncEnabled && !rules.supportsDirectorySync) {
    problems.push(`directory sync is not supported for ${kind} providers (only Google, Microsoft, Okta and JumpCloud): set directory_sync_enabled to false`);
  }
  if (directorySyncEnabled) {
    for (const field of rules.requiredForDirectorySync) {
      if (!isSet(field)) problems.push(`${field} is required for ${kind} directory sync: paste ${HOW_TO_FILL[field]}`);
    }
  }
  return problems;
}
