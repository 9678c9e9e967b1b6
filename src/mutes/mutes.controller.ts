import { Delete, HttpCode, Param, Post, UseFilters, UseGuards, Controller } from '@nestjs/common';
import { ChatAuthGuard } from '../auth/chat-auth.guard';
import { CurrentUserId } from '../auth/current-user.decorator';
import { ChatBody } from '../common/chat-params';
import { ChatHttpExceptionFilter } from '../common/http-exception.filter';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '../common/openapi';
import { uuidParam } from '../common/params';
import type { MuteState } from '../contract/chat.events';
import { RateLimit, RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { MuteChatRoomBodyDto } from './dto/mute.dto';
import { MutesService } from './mutes.service';

@ApiTags('chat rooms')
@ApiBearerAuth()
@UseGuards(ChatAuthGuard, RateLimitGuard)
@UseFilters(ChatHttpExceptionFilter)
@Controller('chat-rooms')
export class MutesController {
  constructor(private readonly mutes: MutesService) {}

  @Post(':id/mute')
  @RateLimit('rooms')
  @HttpCode(200)
  @ApiOkResponse({ description: '{ chatRoomId, mutedUntil }' })
  mute(
    @CurrentUserId() userId: string,
    @Param('id', uuidParam) id: string,
    @ChatBody() dto: MuteChatRoomBodyDto,
  ): Promise<MuteState> {
    return this.mutes.mute(userId, id, dto.until);
  }

  @Delete(':id/mute')
  @RateLimit('rooms')
  @ApiOkResponse({ description: '{ chatRoomId, mutedUntil: null }' })
  unmute(@CurrentUserId() userId: string, @Param('id', uuidParam) id: string): Promise<MuteState> {
    return this.mutes.unmute(userId, id);
  }
}
