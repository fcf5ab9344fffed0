import { DataSource } from 'typeorm';
import { prepareRuntime } from '../bootstrap';
import { InvalidConfigurationError } from '../config/config.schema';
import { dataSourceOptions } from './typeorm-options';

/**
 * `npm run migration:run` applies pending migrations; `npm run migration:revert` undoes the
 * newest one. Same database resolution as the service (DATABASE_URL or the embedded one).
 */
async function migrate(direction: 'run' | 'revert'): Promise<void> {
  const runtime = await prepareRuntime(process.env, (message) => console.log(message));
  const dataSource = new DataSource(dataSourceOptions(runtime.config.databaseUrl!));
  try {
    await dataSource.initialize();
    if (direction === 'revert') {
      await dataSource.undoLastMigration({ transaction: 'each' });
      console.log('reverted the newest migration');
    } else {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      console.log(applied.length ? `applied ${applied.map((m) => m.name).join(', ')}` : 'the schema is up to date');
    }
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await runtime.stopDatabase();
  }
}

migrate(process.argv[2] === 'revert' ? 'revert' : 'run').catch((error) => {
  if (error instanceof InvalidConfigurationError) error.problems.forEach((p) => console.error(`Configuration error: ${p}`));
  else console.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
