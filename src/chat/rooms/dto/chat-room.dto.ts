import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
} from 'class-validator';
import { trim } from '../../../common/transforms';
import type { ChatRoomType } from '../../chat.events';

/** Most users one request may name; the per-room cap is MAX_ROOM_PARTICIPANTS. */
export const MAX_IDS_PER_REQUEST = 100;

const uuid = { message: '$property must be a UUID' };

export class CreateChatRoomDto {
  @ApiProperty({ enum: ['DIRECT', 'GROUP'] })
  @IsIn(['DIRECT', 'GROUP'])
  type!: ChatRoomType;

  @ApiPropertyOptional({ minLength: 1, maxLength: 100, description: 'GROUP only (required there)' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  name?: string;

  @ApiProperty({
    type: [String],
    format: 'uuid',
    description: 'The other users: exactly one for DIRECT, 1..100 for GROUP',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_IDS_PER_REQUEST)
  @ArrayUnique()
  @IsUUID('all', { each: true, message: 'each value in $property must be a UUID' })
  participantIds!: string[];
}

export class ChatRoomRefDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', uuid)
  chatRoomId!: string;
}

export class AddParticipantsBodyDto {
  @ApiProperty({ type: [String], format: 'uuid' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_IDS_PER_REQUEST)
  @ArrayUnique()
  @IsUUID('all', { each: true, message: 'each value in $property must be a UUID' })
  userIds!: string[];
}

export class AddParticipantsDto extends AddParticipantsBodyDto {
  @IsUUID('all', uuid)
  chatRoomId!: string;
}

export class RemoveParticipantDto {
  @IsUUID('all', uuid)
  chatRoomId!: string;

  @IsUUID('all', uuid)
  userId!: string;
}

export class UpdateChatRoomBodyDto {
  @ApiProperty({ minLength: 1, maxLength: 100 })
  @Transform(trim)
  @IsString()
  @Length(1, 100)
  name!: string;
}

export class UpdateChatRoomDto extends UpdateChatRoomBodyDto {
  @IsUUID('all', uuid)
  chatRoomId!: string;
}

/** `getChatRooms` takes no fields; unknown ones are refused like anywhere else. */
export class EmptyDto {}
