import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

/** PUT /api/v1/directory_sync/settings: the fields that are set change, the others keep their value. */
export class SyncSettingsUpdateDto {
  @ApiPropertyOptional({ description: 'Refuse a run that would disable or delete more than this share of directory-managed accounts', minimum: 0, maximum: 100, default: 10 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  deletion_threshold_percent?: number;

  @ApiPropertyOptional({ description: '... or more than this many accounts (whichever limit is smaller)', minimum: 0, default: 500 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  deletion_threshold_count?: number;

  @ApiPropertyOptional({ description: 'Let sync match, disable and delete accounts created by hand (source LOCAL)', default: false })
  @IsOptional()
  @IsBoolean()
  manage_local_users?: boolean;

  @ApiPropertyOptional({ type: [String], description: 'Sync only directory groups with these exact names (with the prefixes: either matches)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(256, { each: true })
  group_filter_names?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Sync only directory groups whose name starts with one of these' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(256, { each: true })
  group_filter_prefixes?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Sync only directory groups of these types (Okta: OKTA_GROUP, APP_GROUP, BUILT_IN)', example: ['OKTA_GROUP'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(64, { each: true })
  group_filter_types?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Okta user statuses that count as active', default: ['ACTIVE'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(64, { each: true })
  okta_active_statuses?: string[];

  @ApiPropertyOptional({ description: 'Incremental sync does a full listing at least this often (seconds)', minimum: 60, default: 86400 })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(365 * 86400)
  full_sync_interval_seconds?: number;
}
