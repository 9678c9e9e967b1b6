import { IsUserId } from '../../common/user-id.validator';
import { ApiProperty, ApiPropertyOptional } from '../../common/openapi';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsChatId } from '../../common/chat-id.validator';
import { LengthInCodePoints, MaxCodePoints } from '../../common/code-points.validator';
import { PG_INT_MAX } from '../../common/pg-int';
import { trim } from '../../common/transforms';
import type { MessageType } from '../../contract/chat.events';
import { MAX_MENTIONS } from '../messages.service';

export const MAX_ATTACHMENTS = 10;
/** A hard ceiling (characters) before the configurable MAX_MESSAGE_LENGTH is checked, so huge strings are refused early. */
const HARD_MAX_CONTENT = 100_000;

export class AttachmentDto {
  @ApiProperty({ example: 'https://files.example.com/cat.png' })
  @IsString()
  @MaxCodePoints(2048)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  url!: string;

  @ApiPropertyOptional({ maxLength: 255 })
  @IsOptional()
  @IsString()
  @LengthInCodePoints(1, 255)
  name?: string;

  @ApiPropertyOptional({ example: 'image/png' })
  @IsOptional()
  @IsString()
  @MaxCodePoints(127)
  @Matches(/^[\w.+-]+\/[\w.+-]+$/, { message: 'mimeType must look like type/subtype' })
  mimeType?: string;

  @ApiPropertyOptional({ description: 'bytes' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  size?: number;
}

/** The body of a message, as REST takes it (the room comes from the path). */
export class MessageBodyDto {
  @ApiProperty({ description: 'Trimmed; 1..MAX_MESSAGE_LENGTH characters, or empty with attachments' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxCodePoints(HARD_MAX_CONTENT)
  content?: string;

  @ApiPropertyOptional({ enum: ['TEXT', 'IMAGE', 'FILE'], default: 'TEXT' })
  @IsOptional()
  @IsIn(['TEXT', 'IMAGE', 'FILE'])
  type?: Exclude<MessageType, 'SYSTEM'>;

  @ApiPropertyOptional({ type: [AttachmentDto], maxItems: MAX_ATTACHMENTS })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ATTACHMENTS)
  @ValidateNested({ each: true })
  @Type(() => AttachmentDto)
  attachments?: AttachmentDto[];

  @ApiPropertyOptional({ maxLength: 100, description: 'Idempotency key, unique per sender' })
  @IsOptional()
  @IsString()
  @LengthInCodePoints(1, 100)
  clientMessageId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Quote a message of the same room (not deleted)' })
  @IsOptional()
  @IsChatId()
  replyToId?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Reply in the thread of this message of the same room (not itself a thread reply)',
  })
  @IsOptional()
  @IsChatId()
  threadId?: string;

  @ApiPropertyOptional({ type: [String], maxItems: MAX_MENTIONS, description: 'Room members to mention (distinct)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_MENTIONS, { message: `mentions must have at most ${MAX_MENTIONS} users` })
  @ArrayUnique(undefined, { message: 'mentions must not repeat a user' })
  @IsUserId({ each: true })
  mentions?: string[];
}

/** `sendMessage` over the socket: exactly one of chatRoomId / recipientId. */
export class SendMessageDto extends MessageBodyDto {
  @IsOptional()
  @IsChatId()
  chatRoomId?: string;

  @IsOptional()
  @IsUserId()
  recipientId?: string;
}

export class EditMessageBodyDto {
  @ApiProperty()
  @Transform(trim)
  @IsString()
  @MaxCodePoints(HARD_MAX_CONTENT)
  content!: string;
}

export class EditMessageDto extends EditMessageBodyDto {
  @IsChatId()
  messageId!: string;
}

export class MessageRefDto {
  @IsChatId()
  messageId!: string;
}

/** Paging by seq over the socket (numbers must be numbers): as `getMessages` and `getThread` take it. */
class SeqPageDto {
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(PG_INT_MAX)
  beforeSeq?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(PG_INT_MAX)
  afterSeq?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

/** `getThread` over the socket: a root message. */
export class GetThreadDto extends SeqPageDto {
  @IsChatId()
  messageId!: string;
}

/** `getMessages` over the socket. */
export class GetMessagesDto extends SeqPageDto {
  @IsChatId()
  chatRoomId!: string;

  @IsOptional()
  @IsBoolean()
  excludeThreadReplies?: boolean;
}

const queryInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value;

const queryBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/** A thread's replies over REST (`GET /messages/:id/thread`), query values as strings. */
export class ThreadQueryDto {
  @ApiPropertyOptional({ description: 'Page of messages with seq < beforeSeq (older)' })
  @IsOptional()
  @Transform(queryInt)
  @IsInt()
  @Min(1)
  @Max(PG_INT_MAX)
  beforeSeq?: number;

  @ApiPropertyOptional({ description: 'Page of messages with seq > afterSeq (catch-up)' })
  @IsOptional()
  @Transform(queryInt)
  @IsInt()
  @Min(0)
  @Max(PG_INT_MAX)
  afterSeq?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Transform(queryInt)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

/** History over REST: the same paging, and the main timeline only on request. */
export class MessagesQueryDto extends ThreadQueryDto {
  @ApiPropertyOptional({ description: 'true: leave thread replies out (the main timeline only)' })
  @IsOptional()
  @Transform(queryBoolean)
  @IsBoolean()
  excludeThreadReplies?: boolean;
}
