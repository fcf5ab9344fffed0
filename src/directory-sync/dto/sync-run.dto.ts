import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';

export class SyncRunRequestDto {
  @ApiPropertyOptional({ description: 'Compute and return the plan without applying it', default: false })
  @IsOptional()
  @IsBoolean()
  dry_run?: boolean;

  @ApiPropertyOptional({ description: 'Apply even if the deletion threshold would refuse the run (never overrides failing closed or the last-admin rule)', default: false })
  @IsOptional()
  @IsBoolean()
  force?: boolean;

  @ApiPropertyOptional({ enum: ['full', 'incremental'], description: 'full: the whole directory (deletions seen); incremental: only what changed since the last successful run (falls back to full when there is none or the adapter cannot). Absent: the scheduler\'s choice' })
  @IsOptional()
  @IsIn(['full', 'incremental'])
  mode?: 'full' | 'incremental';
}
