import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateBy } from 'class-validator';
import { IsChatId } from '../../common/chat-id.validator';
import { ApiProperty, ApiPropertyOptional } from '../../common/openapi';
import { isReactionEmoji, REACTION_EMOJI_RULE } from '../emoji';

const IsReactionEmoji = (): PropertyDecorator =>
  ValidateBy({
    name: 'isReactionEmoji',
    validator: { validate: isReactionEmoji, defaultMessage: () => REACTION_EMOJI_RULE },
  });

/** The body of `POST /messages/:id/reactions` (the message comes from the path). */
export class ReactionBodyDto {
  @ApiProperty({ example: '👍', description: 'One emoji, or a :short_code: of at most 64 characters' })
  @IsReactionEmoji()
  emoji!: string;
}

/** `addReaction` / `removeReaction` over the socket. */
export class ReactionDto extends ReactionBodyDto {
  @IsChatId()
  messageId!: string;
}

const queryInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : value;

/** `GET /messages/:id/reactions?emoji=&cursor=&limit=` (query values arrive as strings). */
export class ReactionsQueryDto extends ReactionBodyDto {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Transform(queryInt)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

/** `getReactions` over the socket: numbers must be numbers. */
export class GetReactionsDto extends ReactionBodyDto {
  @IsChatId()
  messageId!: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  cursor?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}
