import { IsBoolean } from 'class-validator';
import { IsChatId } from '../../common/chat-id.validator';

export class TypingDto {
  @IsChatId()
  chatRoomId!: string;

  @IsBoolean()
  isTyping!: boolean;
}
