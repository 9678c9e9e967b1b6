import { IsISO8601, IsOptional } from 'class-validator';
import { IsChatId } from '../../common/chat-id.validator';
import { ApiPropertyOptional } from '../../common/openapi';

export class MuteChatRoomBodyDto {
  @ApiPropertyOptional({
    format: 'date-time',
    description: 'When the mute ends (ISO 8601, in the future); absent: until unmuted',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;
}

export class MuteChatRoomDto extends MuteChatRoomBodyDto {
  @IsChatId()
  chatRoomId!: string;
}
