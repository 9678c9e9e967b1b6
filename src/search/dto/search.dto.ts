import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsChatId } from '../../common/chat-id.validator';
import { LengthInCodePoints } from '../../common/code-points.validator';
import { ApiProperty, ApiPropertyOptional } from '../../common/openapi';
import { trim } from '../../common/transforms';
import { MAX_QUERY_LENGTH, MAX_SEARCH_PAGE } from '../search.service';

/** `searchMessages` over the socket: numbers must be numbers. */
export class SearchMessagesDto {
  @Transform(trim)
  @IsString()
  @LengthInCodePoints(1, MAX_QUERY_LENGTH)
  query!: string;

  @IsOptional()
  @IsChatId()
  chatRoomId?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_SEARCH_PAGE)
  limit?: number;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  cursor?: string;
}

const queryInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : value;

/** `GET /messages/search?q=&chatRoomId=&limit=&cursor=` (query values arrive as strings). */
export class SearchQueryDto {
  @ApiProperty({ description: 'Words to find (web-search syntax: "a phrase", or, -word); word forms match' })
  @Transform(trim)
  @IsString()
  @LengthInCodePoints(1, MAX_QUERY_LENGTH)
  q!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only this room (default: every room of the user)' })
  @IsOptional()
  @IsChatId()
  chatRoomId?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_SEARCH_PAGE, default: 20 })
  @IsOptional()
  @Transform(queryInt)
  @IsInt()
  @Min(1)
  @Max(MAX_SEARCH_PAGE)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  cursor?: string;
}
