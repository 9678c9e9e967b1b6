import { IsBoolean, IsUUID } from 'class-validator';

export class TypingDto {
  @IsUUID('all', { message: '$property must be a UUID' })
  chatRoomId!: string;

  @IsBoolean()
  isTyping!: boolean;
}
