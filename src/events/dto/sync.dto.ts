import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { IsChatId } from '../../common/chat-id.validator';
import { ApiProperty, ApiPropertyOptional } from '../../common/openapi';
import { PG_INT_MAX } from '../../common/pg-int';
import { MAX_SYNC_EVENTS, MAX_SYNC_ROOMS } from '../sync.service';

export class SyncRoomDto {
  @ApiProperty({ format: 'uuid' })
  @IsChatId()
  chatRoomId!: string;

  @ApiProperty({ minimum: 0, description: 'The newest eventSeq the client applied in this room (0: none)' })
  @IsInt()
  @Min(0)
  @Max(PG_INT_MAX)
  afterEventSeq!: number;
}

/** `sync` over the socket and `POST /sync`. */
export class SyncDto {
  @ApiProperty({ type: [SyncRoomDto], maxItems: MAX_SYNC_ROOMS })
  @IsArray()
  @ArrayMaxSize(MAX_SYNC_ROOMS)
  @ValidateNested({ each: true })
  @Type(() => SyncRoomDto)
  rooms!: SyncRoomDto[];

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_SYNC_EVENTS, default: 100, description: 'Events per room' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_SYNC_EVENTS)
  limit?: number;
}
