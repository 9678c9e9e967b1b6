import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../../auth/current-user.decorator';
import { JwtAuthGuard } from '../../auth/jwt-auth.guard';
import type { AuthUser } from '../../auth/jwt.strategy';
import type { UserStatusEvent } from '../chat.events';
import { PresenceQueryDto } from './dto/presence.dto';
import { PresenceService } from './presence.service';

@ApiTags('presence')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard)
@Controller('presence')
export class PresenceController {
  constructor(private readonly presence: PresenceService) {}

  @Get()
  @ApiOkResponse({ description: '[{ userId, isOnline, lastSeenAt }] for the given users (unknown ids are left out)' })
  get(@CurrentUser() user: AuthUser, @Query() query: PresenceQueryDto): Promise<UserStatusEvent[]> {
    return this.presence.statuses(user.id, query.userIds);
  }
}
