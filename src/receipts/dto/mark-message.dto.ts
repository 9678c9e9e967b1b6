import { ApiProperty } from '../../common/openapi';
import { IsUUID } from 'class-validator';

const uuid = { message: '$property must be a UUID' };

export class MarkMessageBodyDto {
  @ApiProperty({ format: 'uuid', description: 'The newest message read; every earlier one counts as read too' })
  @IsUUID('all', uuid)
  messageId!: string;
}

export class MarkMessageDto extends MarkMessageBodyDto {
  @IsUUID('all', uuid)
  chatRoomId!: string;
}
