import { Controller, Delete, Get, Param, Post, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { ChatAuthGuard } from '../auth/chat-auth.guard';
import { CurrentUserId } from '../auth/current-user.decorator';
import { ChatHttpExceptionFilter } from '../common/http-exception.filter';
import { ApiBearerAuth, ApiTags } from '../common/openapi';
import { uuidParam } from '../common/params';
import type { MessagePinEvent, MessageView } from '../contract/chat.events';
import { RateLimit, RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { PinsService } from './pins.service';

@ApiTags('pins')
@ApiBearerAuth()
@UseGuards(ChatAuthGuard, RateLimitGuard)
@UseFilters(ChatHttpExceptionFilter)
@Controller()
export class PinsController {
  constructor(private readonly pins: PinsService) {}

  /** 201 when pinned; 200 with the existing pin when it already was. */
  @Post('messages/:id/pin')
  @RateLimit('messages')
  async pin(
    @CurrentUserId() userId: string,
    @Param('id', uuidParam) id: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MessagePinEvent> {
    const { pin, created } = await this.pins.pin(userId, id);
    res.status(created ? 201 : 200);
    return pin;
  }

  @Delete('messages/:id/pin')
  @RateLimit('messages')
  unpin(
    @CurrentUserId() userId: string,
    @Param('id', uuidParam) id: string,
  ): Promise<{ chatRoomId: string; messageId: string }> {
    return this.pins.unpin(userId, id);
  }

  @Get('chat-rooms/:id/pins')
  list(@CurrentUserId() userId: string, @Param('id', uuidParam) id: string): Promise<MessageView[]> {
    return this.pins.list(userId, id);
  }
}
