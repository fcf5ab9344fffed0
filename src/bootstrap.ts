import { INestApplication, Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { createValidationPipe } from './common/validation.pipe';
import { AppConfig } from './config/app-config';
import { parseEnvironment } from './config/config.schema';
import { ensureDevSecrets } from './config/dev-secrets';
import { startEmbeddedPostgres } from './database/embedded-postgres';
import { grpcServerOptions } from './grpc/grpc-server.options';
import { MetricsService } from './observability/metrics.service';
import { grpcMetricsInterceptor, httpMetricsMiddleware } from './observability/request-metrics';

export interface Runtime {
  config: AppConfig;
  /** Set in embedded mode: where the generated secrets live. */
  devSecretsFile?: string;
  stopDatabase(): Promise<void>;
}

/**
 * Turns the environment into a validated configuration and a reachable database. Without
 * DATABASE_URL this is development mode: the missing secrets come from <DATA_DIR>/dev-secrets.json
 * (generated on first start) and an embedded PostgreSQL runs in <DATA_DIR>/pg.
 */
export async function prepareRuntime(env: Record<string, string | undefined>, log: (message: string) => void): Promise<Runtime> {
  if (env.DATABASE_URL) return { config: parseEnvironment(env), stopDatabase: async () => undefined };

  const dataDir = path.resolve(env.DATA_DIR || './.data');
  const secrets = ensureDevSecrets(dataDir, env);
  const config = parseEnvironment({ ...env, ...secrets.values, DATA_DIR: dataDir });
  if (secrets.created.length > 0) log(`generated ${secrets.created.join(', ')} into ${secrets.file} (mode 0600)`);
  else log(`development secrets are read from ${secrets.file}`);
  const database = await startEmbeddedPostgres({ dir: path.join(config.dataDir, 'pg'), port: config.embeddedDbPort, log });
  log(`embedded PostgreSQL is running on 127.0.0.1:${database.port} (data in ${path.join(config.dataDir, 'pg')})`);
  return { config: { ...config, databaseUrl: database.url }, devSecretsFile: secrets.file, stopDatabase: database.stop };
}

export interface RunningService {
  app: INestApplication;
  httpUrl: string;
  grpcAddress: string;
  close(): Promise<void>;
}

function setupOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Defguard Identity')
      .setDescription('External identity providers for Defguard: provider settings, users, groups and directory sync. Every route needs `Authorization: Bearer <ADMIN_TOKEN>` unless marked public.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document);
}

/** Builds and starts the one process: REST (Express) and gRPC, sharing modules and the pool. */
export async function startService(config: AppConfig): Promise<RunningService> {
  const app = await NestFactory.create(AppModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  const metrics = app.get(MetricsService);
  app.use(httpMetricsMiddleware(metrics));
  app.useGlobalPipes(createValidationPipe());
  app.connectMicroservice(grpcServerOptions(config, [grpcMetricsInterceptor(metrics)]), { inheritAppConfig: true });
  setupOpenApi(app);
  await app.startAllMicroservices();
  await app.listen(config.httpPort, config.bindAddress);
  const { port } = app.getHttpServer().address() as AddressInfo;
  const host = config.bindAddress === '0.0.0.0' ? '127.0.0.1' : config.bindAddress;
  return {
    app,
    httpUrl: `http://${host}:${port}`,
    grpcAddress: `${host}:${config.grpcPort}`,
    close: () => app.close(),
  };
}

/**
 * Graceful shutdown: stop accepting, let in-flight calls finish (bounded by SHUTDOWN_TIMEOUT_MS),
 * close the pool, then stop the embedded database. A second signal exits at once.
 */
export function closeOnSignals(service: RunningService, runtime: Runtime, logger: NestLogger): void {
  let closing = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    closing = true;
    logger.log(`${signal} received: finishing in-flight requests`);
    const timer = setTimeout(() => {
      logger.error(`in-flight requests did not finish within ${runtime.config.shutdownTimeoutMs} ms: exiting`);
      void runtime.stopDatabase().finally(() => process.exit(1));
    }, runtime.config.shutdownTimeoutMs);
    try {
      await service.close();
      await runtime.stopDatabase();
      clearTimeout(timer);
      logger.log('stopped');
      process.exit(0);
    } catch (error) {
      logger.error(`shutdown failed: ${String(error)}`);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
