import { IsUserId } from '../../common/user-id.validator';
import { ApiProperty } from '../../common/openapi';

export class BlockUserDto {
  @ApiProperty({ description: 'The host user id to block or unblock' })
  @IsUserId()
  userId!: string;
}
