import path from 'node:path';
import { AppConfig, LOG_LEVELS, LogLevel, TestProviderSpec } from './app-config';

type Env = Record<string, string | undefined>;

/** One environment variable: how it is read, its default, and what the README says about it. */
export interface EnvVariable<T = unknown> {
  name: string;
  description: string;
  /** Shown in the README; `undefined` means required (or generated in embedded mode). */
  defaultValue?: string;
  /** Secrets are never echoed back in an error message. */
  secret?: boolean;
  /** Returns the parsed value or throws `ConfigValueError` saying what is wrong. */
  parse(raw: string): T;
}

export class ConfigValueError extends Error {}

export class InvalidConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'InvalidConfigurationError';
  }
}

const MIN_TOKEN_LENGTH = 16;

function port(raw: string): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value > 65535) {
    throw new ConfigValueError('must be a port number between 0 and 65535');
  }
  return value;
}

function positiveInteger(raw: string): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new ConfigValueError('must be a positive integer');
  return Number(raw);
}

function httpUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigValueError('must be an absolute URL such as https://defguard.example.net');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigValueError('must use http or https');
  if (url.search || url.hash) throw new ConfigValueError('must not contain a query or a fragment');
  return raw.replace(/\/+$/, '');
}

function postgresUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigValueError('must be a URL such as postgres://user:password@host:5432/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigValueError('must start with postgres:// or postgresql://');
  }
  return raw;
}

function token(raw: string): string {
  if (raw.length < MIN_TOKEN_LENGTH) throw new ConfigValueError(`must be at least ${MIN_TOKEN_LENGTH} characters long`);
  return raw;
}

function aesKey(raw: string): Buffer {
  const key = Buffer.from(raw, 'base64');
  if (key.length !== 32 || key.toString('base64') !== raw.trim()) {
    throw new ConfigValueError('must be 32 random bytes in base64 (for example: openssl rand -base64 32)');
  }
  return key;
}

function boolean(raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(value)) return false;
  throw new ConfigValueError('must be true or false');
}

function oneOf<T extends string>(values: readonly T[]) {
  return (raw: string): T => {
    if (!values.includes(raw as T)) throw new ConfigValueError(`must be one of ${values.join(', ')}`);
    return raw as T;
  };
}

/**
 * `memory` or `generate:users=100000,groups=2000,memberships=500000,changed=1` (changed: percent of
 * users whose details and one membership differ, to measure an incremental run).
 */
function testProvider(raw: string): TestProviderSpec | undefined {
  const value = raw.trim();
  if (value === '') return undefined;
  if (value === 'memory') return { mode: 'memory' };
  const match = /^generate(?::(.*))?$/.exec(value);
  if (!match) throw new ConfigValueError('must be "memory" or "generate:users=N,groups=N,memberships=N,changed=P"');
  const spec = { mode: 'generate' as const, users: 1000, groups: 20, memberships: 5000, changedPercent: 0 };
  for (const part of (match[1] ?? '').split(',').filter(Boolean)) {
    const [key, number] = part.split('=');
    const n = Number(number);
    if (!Number.isFinite(n) || n < 0) throw new ConfigValueError(`has a bad number in "${part}"`);
    if (key === 'users') spec.users = Math.floor(n);
    else if (key === 'groups') spec.groups = Math.max(1, Math.floor(n));
    else if (key === 'memberships') spec.memberships = Math.floor(n);
    else if (key === 'changed') spec.changedPercent = n;
    else throw new ConfigValueError(`has an unknown key "${key}" (users, groups, memberships, changed)`);
  }
  return spec;
}

/** Every variable the service reads, in the order the README lists them. */
export const ENV_SCHEMA = {
  DATABASE_URL: { description: 'PostgreSQL connection URL. Unset: an embedded PostgreSQL is started in DATA_DIR.', parse: postgresUrl, secret: true },
  DATA_DIR: { description: 'Folder for the embedded database and the generated development secrets.', defaultValue: './.data', parse: (raw: string) => path.resolve(raw) },
  BIND_ADDRESS: { description: 'Address the HTTP and gRPC servers listen on.', defaultValue: '0.0.0.0', parse: (raw: string) => raw },
  HTTP_PORT: { description: 'REST, browser endpoints, /health, /metrics, /api/docs.', defaultValue: '8080', parse: port },
  GRPC_PORT: { description: 'gRPC API for Defguard core (server reflection on).', defaultValue: '50055', parse: port },
  GRPC_TLS_CERT_FILE: { description: 'PEM certificate for gRPC over TLS (optional; set together with GRPC_TLS_KEY_FILE).', parse: (raw: string) => raw },
  GRPC_TLS_KEY_FILE: { description: 'PEM private key for gRPC over TLS.', parse: (raw: string) => raw },
  DEFGUARD_URL: { description: 'Dashboard URL; the login redirect is <DEFGUARD_URL>/auth/callback.', defaultValue: 'http://localhost:8000', parse: httpUrl },
  DEFGUARD_PUBLIC_URL: { description: 'Public enrollment (proxy) URL; redirects <url>/openid/callback and <url>/openid/mfa/callback.', defaultValue: 'http://localhost:8080', parse: httpUrl },
  AUTH_RESULT_URL: { description: 'Where a finished browser callback sends the user, with a one-time ?result= handle.', defaultValue: '<DEFGUARD_URL>/auth/result', parse: httpUrl },
  ADMIN_TOKEN: { description: 'Bearer token for the admin REST API (at least 16 characters). Generated in embedded mode.', parse: token, secret: true },
  CORE_GRPC_TOKEN: { description: 'Bearer token core sends in gRPC metadata (at least 16 characters). Generated in embedded mode.', parse: token, secret: true },
  SECRET_KEY: { description: 'Base64 of 32 random bytes; encrypts provider secrets at rest. Generated in embedded mode.', parse: aesKey, secret: true },
  SECRET_KEYS_PREVIOUS: { description: 'Comma-separated older SECRET_KEY values, still accepted for decryption after a rotation.', defaultValue: '', parse: (raw: string) => raw.split(',').map((k) => k.trim()).filter(Boolean).map(aesKey), secret: true },
  ALLOW_HTTP_LOOPBACK_PROVIDERS: { description: 'Accept http:// provider URLs on loopback addresses (tests and local demos only).', defaultValue: 'false', parse: boolean },
  LOG_LEVEL: { description: `One of ${LOG_LEVELS.join(', ')}.`, defaultValue: 'info', parse: oneOf(LOG_LEVELS) },
  EMBEDDED_DB_PORT: { description: 'Port of the embedded PostgreSQL (another free port is taken when it is busy).', defaultValue: '54329', parse: port },
  SHUTDOWN_TIMEOUT_MS: { description: 'How long SIGTERM waits for in-flight requests before closing anyway.', defaultValue: '10000', parse: positiveInteger },
  CHANGE_FEED_RETENTION_DAYS: { description: 'How many days change-feed events are kept; a consumer further behind gets OUT_OF_RANGE and resnapshots.', defaultValue: '30', parse: positiveInteger },
  ENROLLMENT_TOKEN_TTL_HOURS: { description: 'Lifetime in hours of the enrollment token minted after an enrollment through the provider.', defaultValue: '24', parse: positiveInteger },
  DIRECTORY_SYNC_SCHEDULER: { description: 'Run directory sync on its schedule (false: only when triggered over REST or gRPC).', defaultValue: 'true', parse: boolean },
  DIRECTORY_SYNC_PAGE_TIMEOUT_MS: { description: 'A directory API page slower than this makes the run fail closed (PARTIAL).', defaultValue: '60000', parse: positiveInteger },
  DIRECTORY_SYNC_TEST_PROVIDER: { description: 'Tests and benchmarks only: "memory" or "generate:users=N,groups=N,memberships=N,changed=P" serves sync from an in-memory test directory instead of the provider.', defaultValue: '', parse: testProvider },
  OUTBOUND_HTTP_TIMEOUT_MS: { description: 'Timeout of each call to the identity provider (discovery at save time and sign-in, directory APIs).', defaultValue: '10000', parse: positiveInteger },
} satisfies Record<string, Omit<EnvVariable, 'name'>>;

type Schema = typeof ENV_SCHEMA;
type ParsedEnv = { [K in keyof Schema]: ReturnType<Schema[K]['parse']> | undefined };

const REQUIRED: (keyof Schema)[] = ['ADMIN_TOKEN', 'CORE_GRPC_TOKEN', 'SECRET_KEY'];

/**
 * Reads and checks every variable at once, so an operator sees all mistakes in one start,
 * one line each, naming the variable and what is wrong (never the value of a secret).
 */
export function parseEnvironment(env: Env): AppConfig {
  const problems: string[] = [];
  const parsed = {} as Record<string, unknown>;
  for (const [name, variable] of Object.entries(ENV_SCHEMA) as [keyof Schema, EnvVariable][]) {
    const raw = env[name] ?? (variable.defaultValue?.startsWith('<') ? undefined : variable.defaultValue);
    if (raw === undefined || raw === '') {
      if (REQUIRED.includes(name)) problems.push(`${name} is required: ${variable.description}`);
      continue;
    }
    try {
      parsed[name] = variable.parse(raw);
    } catch (error) {
      const shown = variable.secret ? '(value hidden)' : `(got ${JSON.stringify(raw)})`;
      problems.push(`${name} ${(error as Error).message} ${shown}`);
    }
  }
  const p = parsed as ParsedEnv;
  if (Boolean(p.GRPC_TLS_CERT_FILE) !== Boolean(p.GRPC_TLS_KEY_FILE)) {
    problems.push('GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE must be set together');
  }
  if (problems.length > 0) throw new InvalidConfigurationError(problems);

  const defguardUrl = p.DEFGUARD_URL!;
  return Object.freeze({
    databaseUrl: p.DATABASE_URL,
    dataDir: p.DATA_DIR!,
    bindAddress: p.BIND_ADDRESS!,
    httpPort: p.HTTP_PORT!,
    grpcPort: p.GRPC_PORT!,
    grpcTls: p.GRPC_TLS_CERT_FILE ? { certFile: p.GRPC_TLS_CERT_FILE, keyFile: p.GRPC_TLS_KEY_FILE! } : undefined,
    defguardUrl,
    defguardPublicUrl: p.DEFGUARD_PUBLIC_URL!,
    authResultUrl: p.AUTH_RESULT_URL ?? `${defguardUrl}/auth/result`,
    adminToken: p.ADMIN_TOKEN!,
    coreGrpcToken: p.CORE_GRPC_TOKEN!,
    secretKey: p.SECRET_KEY!,
    previousSecretKeys: p.SECRET_KEYS_PREVIOUS ?? [],
    allowHttpLoopbackProviders: p.ALLOW_HTTP_LOOPBACK_PROVIDERS!,
    logLevel: p.LOG_LEVEL as LogLevel,
    embeddedDbPort: p.EMBEDDED_DB_PORT!,
    shutdownTimeoutMs: p.SHUTDOWN_TIMEOUT_MS!,
    changeFeedRetentionDays: p.CHANGE_FEED_RETENTION_DAYS!,
    outboundHttpTimeoutMs: p.OUTBOUND_HTTP_TIMEOUT_MS!,
    enrollmentTokenTtlHours: p.ENROLLMENT_TOKEN_TTL_HOURS!,
    directorySyncScheduler: p.DIRECTORY_SYNC_SCHEDULER ?? true,
    directorySyncPageTimeoutMs: p.DIRECTORY_SYNC_PAGE_TIMEOUT_MS!,
    directorySyncTestProvider: p.DIRECTORY_SYNC_TEST_PROVIDER,
  }) satisfies AppConfig;
}
