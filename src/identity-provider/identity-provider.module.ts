import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DiscoveryService } from './discovery.service';
import { IdentityProviderEntity } from './entities/identity-provider.entity';
import { IdentitySettingsEntity } from './entities/identity-settings.entity';
import { ProviderController } from './provider.controller';
import { ProviderGrpcController } from './provider.grpc.controller';
import { ProviderRepository } from './provider.repository';
import { ProviderService } from './provider.service';

/**
 * Provider settings: the admin REST API, core's read over gRPC, discovery. Exports
 * ProviderService (getActiveProvider, getSettings, onChange) and DiscoveryService (discover) to
 * the sign-in and directory-sync modules; see identity-provider/index.ts for the public types.
 */
@Module({
  imports: [TypeOrmModule.forFeature([IdentityProviderEntity, IdentitySettingsEntity])],
  controllers: [ProviderController, ProviderGrpcController],
  providers: [ProviderRepository, ProviderService, DiscoveryService],
  exports: [ProviderService, DiscoveryService],
})
export class IdentityProviderModule {}
