import { Controller, Delete, Get, Param, Post, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { ChatAuthGuard } from '../auth/chat-auth.guard';
import { CurrentUserId } from '../auth/current-user.decorator';
import { ChatBody, ChatQuery } from '../common/chat-params';
import { ChatHttpExceptionFilter } from '../common/http-exception.filter';
import { ApiBearerAuth, ApiTags } from '../common/openapi';
import { uuidParam } from '../common/params';
import type { ReactionEvent, ReactionPage } from '../contract/chat.events';
import { RateLimit, RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { ReactionBodyDto, ReactionsQueryDto } from './dto/reaction.dto';
import { ReactionsService } from './reactions.service';

@ApiTags('reactions')
@ApiBearerAuth()
@UseGuards(ChatAuthGuard, RateLimitGuard)
@UseFilters(ChatHttpExceptionFilter)
@Controller('messages/:id/reactions')
export class ReactionsController {
  constructor(private readonly reactions: ReactionsService) {}

  /** 201 when stored; 200 when the user had already reacted so. */
  @Post()
  @RateLimit('messages')
  async add(
    @CurrentUserId() userId: string,
    @Param('id', uuidParam) id: string,
    @ChatBody() dto: ReactionBodyDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ReactionEvent> {
    const { reaction, created } = await this.reactions.add(userId, id, dto.emoji);
    res.status(created ? 201 : 200);
    return reaction;
  }

  /** The emoji URL-encoded in the path (`/messages/:id/reactions/%F0%9F%91%8D`). */
  @Delete(':emoji')
  @RateLimit('messages')
  remove(
    @CurrentUserId() userId: string,
    @Param('id', uuidParam) id: string,
    @Param('emoji') emoji: string,
  ): Promise<ReactionEvent> {
    return this.reactions.remove(userId, id, emoji);
  }

  @Get()
  list(
    @CurrentUserId() userId: string,
    @Param('id', uuidParam) id: string,
    @ChatQuery() query: ReactionsQueryDto,
  ): Promise<ReactionPage> {
    return this.reactions.list(userId, id, query.emoji, query);
  }
}
