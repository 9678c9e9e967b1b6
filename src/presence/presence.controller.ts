import { Controller, Get, UseFilters, UseGuards } from '@nestjs/common';
import { ChatAuthGuard } from '../auth/chat-auth.guard';
import { CurrentUserId } from '../auth/current-user.decorator';
import { ChatQuery } from '../common/chat-params';
import { ChatHttpExceptionFilter } from '../common/http-exception.filter';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '../common/openapi';
import type { UserStatusEvent } from '../contract/chat.events';
import { PresenceQueryDto } from './dto/presence.dto';
import { PresenceService } from './presence.service';

@ApiTags('presence')
@ApiBearerAuth()
@UseGuards(ChatAuthGuard)
@UseFilters(ChatHttpExceptionFilter)
@Controller('presence')
export class PresenceController {
  constructor(private readonly presence: PresenceService) {}

  @Get()
  @ApiOkResponse({
    description:
      '[{ userId, isOnline, lastSeenAt }] for those of the given users who are you or share a room with you (others are left out, like unknown ids)',
  })
  get(@CurrentUserId() userId: string, @ChatQuery() query: PresenceQueryDto): Promise<UserStatusEvent[]> {
    return this.presence.statuses(userId, query.userIds);
  }
}
