import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './typeorm-options';

/** The PostgreSQL connection pool; pending migrations are applied before the service accepts calls. */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        if (!config.databaseUrl) throw new Error('DATABASE_URL is not resolved: start the embedded database first');
        return { ...dataSourceOptions(config.databaseUrl), autoLoadEntities: true, migrationsRun: true, retryAttempts: 3, retryDelay: 1000 };
      },
    }),
  ],
})
export class DatabaseModule {}
