import { Logger } from '@nestjs/common';
import { closeOnSignals, prepareRuntime, startService } from './bootstrap';
import { InvalidConfigurationError } from './config/config.schema';

async function main(): Promise<void> {
  const logger = new Logger('Bootstrap');
  let runtime;
  try {
    runtime = await prepareRuntime(process.env, (message) => logger.log(message));
  } catch (error) {
    if (error instanceof InvalidConfigurationError) {
      // One line per problem, naming the variable: the operator fixes them all in one go.
      for (const problem of error.problems) console.error(`Configuration error: ${problem}`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  try {
    const service = await startService(runtime.config);
    closeOnSignals(service, runtime, logger);
    logger.log(`REST on ${service.httpUrl} (OpenAPI at ${service.httpUrl}/api/docs), gRPC on ${service.grpcAddress}`);
  } catch (error) {
    await runtime.stopDatabase();
    throw error;
  }
}

main().catch((error) => {
  console.error(`Start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
