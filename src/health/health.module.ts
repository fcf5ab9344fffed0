import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { InfoController } from './info.controller';

@Module({ imports: [TerminusModule.forRoot({ logger: false })], controllers: [HealthController, InfoController] })
export class HealthModule {}
