import { IsUserId } from '../../common/user-id.validator';
import { ApiProperty, ApiPropertyOptional } from '../../common/openapi';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString } from 'class-validator';
import { IsChatId } from '../../common/chat-id.validator';
import { LengthInCodePoints } from '../../common/code-points.validator';
import { trim } from '../../common/transforms';
import type { ChatRoomType } from '../../contract/chat.events';

/** Most users one request may name; the per-room cap is MAX_ROOM_PARTICIPANTS. */
export const MAX_IDS_PER_REQUEST = 100;

export class CreateChatRoomDto {
  @ApiProperty({ enum: ['DIRECT', 'GROUP'] })
  @IsIn(['DIRECT', 'GROUP'])
  type!: ChatRoomType;

  @ApiPropertyOptional({ minLength: 1, maxLength: 100, description: 'GROUP only (required there)' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @LengthInCodePoints(1, 100)
  name?: string;

  @ApiProperty({
    type: [String],
    description: 'The other users (host user ids): exactly one for DIRECT, 1..100 for GROUP',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_IDS_PER_REQUEST)
  @ArrayUnique()
  @IsUserId({ each: true })
  participantIds!: string[];
}

export class ChatRoomRefDto {
  @ApiProperty({ format: 'uuid' })
  @IsChatId()
  chatRoomId!: string;
}

export class AddParticipantsBodyDto {
  @ApiProperty({ type: [String], description: 'Host user ids' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_IDS_PER_REQUEST)
  @ArrayUnique()
  @IsUserId({ each: true })
  userIds!: string[];
}

export class AddParticipantsDto extends AddParticipantsBodyDto {
  @IsChatId()
  chatRoomId!: string;
}

export class RemoveParticipantDto {
  @IsChatId()
  chatRoomId!: string;

  @IsUserId()
  userId!: string;
}

export class UpdateChatRoomBodyDto {
  @ApiProperty({ minLength: 1, maxLength: 100 })
  @Transform(trim)
  @IsString()
  @LengthInCodePoints(1, 100)
  name!: string;
}

export class UpdateChatRoomDto extends UpdateChatRoomBodyDto {
  @IsChatId()
  chatRoomId!: string;
}

/** `getChatRooms` takes no fields; unknown ones are refused like anywhere else. */
export class EmptyDto {}
