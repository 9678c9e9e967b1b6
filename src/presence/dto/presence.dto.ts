import { IsUserId } from '../../common/user-id.validator';
import { ApiPropertyOptional } from '../../common/openapi';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional } from 'class-validator';
import { MAX_PRESENCE_IDS } from '../presence.service';

export class GetOnlineUsersDto {
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_PRESENCE_IDS)
  @IsUserId({ each: true })
  userIds?: string[];
}

/** `GET /presence?userIds=a,b`: a comma-separated list in the query. */
export class PresenceQueryDto {
  @ApiPropertyOptional({ description: 'Comma-separated user ids; default: everyone you share a room with' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : value,
  )
  @IsArray()
  @ArrayMaxSize(MAX_PRESENCE_IDS)
  @IsUserId({ each: true })
  userIds?: string[];
}
