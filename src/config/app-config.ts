/**
 * The validated configuration of one service process. Built once from the environment by
 * `parseEnvironment` (config.schema.ts) and injected wherever a setting is needed: no other
 * module reads `process.env`.
 */
export abstract class AppConfig {
  /** Unset only before the embedded database has been started (see database/embedded-postgres.ts). */
  abstract readonly databaseUrl: string | undefined;
  abstract readonly dataDir: string;
  abstract readonly bindAddress: string;
  abstract readonly httpPort: number;
  abstract readonly grpcPort: number;
  abstract readonly grpcTls: { certFile: string; keyFile: string } | undefined;
  abstract readonly defguardUrl: string;
  abstract readonly defguardPublicUrl: string;
  abstract readonly authResultUrl: string;
  abstract readonly adminToken: string;
  abstract readonly coreGrpcToken: string;
  /** AES-256-GCM key used for new ciphertexts. */
  abstract readonly secretKey: Buffer;
  /** Older keys, still accepted for decryption while secrets are re-encrypted (rotation). */
  abstract readonly previousSecretKeys: readonly Buffer[];
  abstract readonly allowHttpLoopbackProviders: boolean;
  abstract readonly logLevel: LogLevel;
  abstract readonly embeddedDbPort: number;
  abstract readonly shutdownTimeoutMs: number;
  /** Change-feed events older than this are purged (WatchChanges then answers OUT_OF_RANGE). */
  abstract readonly changeFeedRetentionDays: number;
  /** false: directory sync runs only when triggered (REST, gRPC); the schedule is not armed. */
  abstract readonly directorySyncScheduler: boolean;
  /** A directory page slower than this makes the snapshot incomplete (the run fails closed). */
  abstract readonly directorySyncPageTimeoutMs: number;
  /** Tests and benchmarks only: serve directory sync from the in-memory test directory. */
  abstract readonly directorySyncTestProvider: TestProviderSpec | undefined;
  /** Timeout of each outbound call to an identity provider (discovery, directory APIs). */
  abstract readonly outboundHttpTimeoutMs: number;
  /** Lifetime of an enrollment token minted after an OIDC enrollment. */
  abstract readonly enrollmentTokenTtlHours: number;
  /** Not from the environment: tests pass a stream to capture the log lines (default stdout). */
  abstract readonly logDestination?: NodeJS.WritableStream;
}

/** `memory`: empty, filled by tests in-process; `generate`: a synthetic directory (benchmarks). */
export type TestProviderSpec =
  | { mode: 'memory' }
  | { mode: 'generate'; users: number; groups: number; memberships: number; changedPercent: number };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
