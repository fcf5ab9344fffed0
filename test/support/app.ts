import { randomBytes } from 'node:crypto';
import { startService, RunningService } from '../../src/bootstrap';
import { AppConfig } from '../../src/config/app-config';
import { parseEnvironment } from '../../src/config/config.schema';
import { freePort } from '../../src/database/embedded-postgres';
import { createTestDatabase, TestDatabase } from './database';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';
export const TEST_CORE_TOKEN = 'test-core-token-0123456789';

/** The environment of a test service: loopback only, random ports, quiet logs. */
export async function testEnvironment(databaseUrl: string, overrides: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    DATABASE_URL: databaseUrl,
    BIND_ADDRESS: '127.0.0.1',
    HTTP_PORT: '0',
    GRPC_PORT: String(await freePort()),
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    CORE_GRPC_TOKEN: TEST_CORE_TOKEN,
    SECRET_KEY: randomBytes(32).toString('base64'),
    ALLOW_HTTP_LOOPBACK_PROVIDERS: 'true',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DEFGUARD_URL: 'http://127.0.0.1:8000',
    DEFGUARD_PUBLIC_URL: 'http://127.0.0.1:8080',
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...overrides,
  };
}

export interface TestApp extends RunningService {
  config: AppConfig;
  db: TestDatabase;
  /** `Authorization` header value for the admin REST API. */
  adminAuth: string;
  /** Stops the service and drops its database. */
  stop(): Promise<void>;
}

/**
 * The real service (same bootstrap as main.ts) on its own fresh database. Pass `db` to start a
 * second instance on the same database (two replicas), or to restart one; `logs` receives the
 * log lines instead of stdout (set LOG_LEVEL in `env` to see more than the default 'silent').
 */
export async function startTestApp(options: { env?: Record<string, string>; db?: TestDatabase; logs?: NodeJS.WritableStream } = {}): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase());
  const parsed = parseEnvironment(await testEnvironment(db.url, options.env));
  const config: AppConfig = options.logs ? { ...parsed, logDestination: options.logs } : parsed;
  const service = await startService(config);
  let stopped = false;
  return {
    ...service,
    config,
    db,
    adminAuth: `Bearer ${config.adminToken}`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await service.close();
      if (!options.db) await db.drop();
    },
  };
}
