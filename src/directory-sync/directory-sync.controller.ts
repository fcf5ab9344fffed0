import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SyncRunListQueryDto } from './dto/sync-run-list.dto';
import { SyncRunRequestDto } from './dto/sync-run.dto';
import { SyncSettingsUpdateDto } from './dto/sync-settings.dto';
import { SyncEngineService } from './sync-engine.service';
import { SyncTrigger } from './sync-run.types';
import { SyncSettingsService } from './sync-settings.service';

@ApiTags('directory sync')
@ApiBearerAuth()
@Controller('api/v1')
export class DirectorySyncController {
  constructor(
    private readonly engine: SyncEngineService,
    private readonly settings: SyncSettingsService,
  ) {}

  @Post('directory_sync/run')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run a sync now and wait for it: the run record (status SKIPPED_LOCKED with the running run id when one is in progress)' })
  async run(@Body() body: SyncRunRequestDto) {
    return (await this.engine.run({ trigger: SyncTrigger.Manual, dryRun: body.dry_run ?? false, force: body.force ?? false, mode: body.mode })).run;
  }

  @Get('directory_sync/runs')
  @ApiOperation({ summary: 'Sync runs, newest first (without their change lists)' })
  listRuns(@Query() query: SyncRunListQueryDto) {
    return this.engine.listRuns({ pageSize: query.page_size, pageToken: query.page_token });
  }

  @Get('directory_sync/runs/:id')
  @ApiOperation({ summary: 'One sync run with its changes' })
  getRun(@Param('id') id: string) {
    return this.engine.getRun(id);
  }

  @Get('directory_sync/settings')
  @ApiOperation({ summary: "The current provider's sync settings beyond Defguard's (threshold, local users, group filter, ...)" })
  getSettings() {
    return this.settings.getCurrent();
  }

  @Put('directory_sync/settings')
  @ApiOperation({ summary: 'Change sync settings; fields left out keep their value' })
  updateSettings(@Body() body: SyncSettingsUpdateDto) {
    return this.settings.update(body);
  }
}
