import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Min } from 'class-validator';
import { USER_SOURCES, UserSource } from '../user-response';

/** Query strings carry "true"/"false"; anything else stays a string and fails IsBoolean. */
export const queryBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class PageQueryDto {
  @ApiPropertyOptional({ description: 'Default 100; values above 1000 are clamped to 1000.', minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  page_size?: number;

  @ApiPropertyOptional({ description: 'Opaque: the next_page_token of the previous page.' })
  @IsOptional()
  @IsString()
  page_token?: string;
}

export class UserListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only active (true) or only disabled (false) users.' })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  is_active?: boolean;

  @ApiPropertyOptional({ enum: USER_SOURCES })
  @IsOptional()
  @IsIn(USER_SOURCES)
  source?: UserSource;
}

export class GroupListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Only admin (true) or only non-admin (false) groups.' })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  is_admin?: boolean;
}
