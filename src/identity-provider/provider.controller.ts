import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AdminActor, AuditActor } from '../common/audit/audit-actor';
import { ProviderJson, ProviderWithSettingsJson, toProviderJson, toProviderWithSettingsJson } from './dto/provider-response.dto';
import { ProviderUpsertDto } from './dto/provider-upsert.dto';
import { ProviderService } from './provider.service';
import { DirectorySyncTestResult, ProviderWithSettings } from './provider.types';

/** Defguard answers 204 (no body) when there is no provider to show. */
function orNoContent(response: Response, value: ProviderWithSettings | null): ProviderWithSettingsJson | undefined {
  if (!value) response.status(204);
  return value ? toProviderWithSettingsJson(value) : undefined;
}

/** Defguard's provider settings API: same paths, verbs, JSON and status codes; secrets masked. */
@ApiTags('identity provider')
@ApiBearerAuth()
@Controller('api/v1')
export class ProviderController {
  constructor(private readonly providers: ProviderService) {}

  @Get('openid/provider')
  @ApiOperation({ summary: 'List providers (at most one), secrets masked' })
  async list(): Promise<ProviderJson[]> {
    return (await this.providers.list()).map(toProviderJson);
  }

  @Post('openid/provider')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create the provider, or overwrite the existing one; validated (including discovery) before saving' })
  async upsert(@Body() body: ProviderUpsertDto, @AdminActor() actor: AuditActor): Promise<void> {
    await this.providers.upsert(body, actor);
  }

  @Get('openid/provider/current')
  @ApiOperation({ summary: 'The provider and the settings; 204 when none is configured' })
  async current(@Res({ passthrough: true }) response: Response): Promise<ProviderWithSettingsJson | undefined> {
    return orNoContent(response, await this.providers.getCurrent());
  }

  @Get('openid/provider/:name')
  @ApiOperation({ summary: 'The provider called name and the settings; 204 when there is none' })
  async get(@Param('name') name: string, @Res({ passthrough: true }) response: Response): Promise<ProviderWithSettingsJson | undefined> {
    return orNoContent(response, await this.providers.getByName(name));
  }

  @Put('openid/provider/:name')
  @HttpCode(200)
  @ApiOperation({ summary: 'Update the provider called name (blank or masked secrets keep the stored ones); 404 when unknown' })
  async update(@Param('name') name: string, @Body() body: ProviderUpsertDto, @AdminActor() actor: AuditActor): Promise<void> {
    await this.providers.update(name, body, actor);
  }

  @Delete('openid/provider/:name')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete the provider and its secrets; 404 when unknown' })
  async remove(@Param('name') name: string, @AdminActor() actor: AuditActor): Promise<void> {
    await this.providers.remove(name, actor);
  }

  @Get('test_directory_sync')
  @ApiOperation({ summary: 'Test the directory sync connection: always 200 {success, message}' })
  testDirectorySync(): Promise<DirectorySyncTestResult> {
    return this.providers.testDirectorySync();
  }
}
