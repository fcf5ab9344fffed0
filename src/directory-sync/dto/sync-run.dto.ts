import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

export class SyncRunRequestDto {
  @ApiPropertyOptional({ description: 'Compute and return the plan without applying it', default: false })
  @IsOptional()
  @IsBoolean()
  dry_run?: boolean;

  @ApiPropertyOptional({ description: 'Apply even if the deletion threshold would refuse the run (never overrides failing closed or the last-admin rule)', default: false })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}
