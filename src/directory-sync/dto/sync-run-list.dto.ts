import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class SyncRunListQueryDto {
  @ApiPropertyOptional({ description: 'Runs per page (default 50, at most 500)', minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  page_size?: number;

  @ApiPropertyOptional({ description: "The previous page's next_page_token" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  page_token?: string;
}
