import { ApiProperty } from '../../common/openapi';
import { IsChatId } from '../../common/chat-id.validator';

export class MarkMessageBodyDto {
  @ApiProperty({ format: 'uuid', description: 'The newest message read; every earlier one counts as read too' })
  @IsChatId()
  messageId!: string;
}

export class MarkMessageDto extends MarkMessageBodyDto {
  @IsChatId()
  chatRoomId!: string;
}
