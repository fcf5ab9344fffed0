import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppConfig } from '../config/app-config';

const { version } = require('../../package.json') as { version: string };

@ApiTags('service')
@ApiBearerAuth()
@Controller('api/v1/info')
export class InfoController {
  constructor(private readonly config: AppConfig) {}

  @Get()
  @ApiOperation({ summary: 'Version and the URLs this instance builds redirects from (admin token required)' })
  info() {
    return {
      name: 'defguard-identity',
      version,
      grpc_port: this.config.grpcPort,
      defguard_url: this.config.defguardUrl,
      defguard_public_url: this.config.defguardPublicUrl,
      uptime_seconds: Math.round(process.uptime()),
    };
  }
}
