import { Controller, Delete, Get, Param, Patch, Post, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { ChatAuthGuard } from '../auth/chat-auth.guard';
import { CurrentUserId } from '../auth/current-user.decorator';
import { ChatBody, ChatQuery } from '../common/chat-params';
import { ChatHttpExceptionFilter } from '../common/http-exception.filter';
import { ApiBearerAuth, ApiTags } from '../common/openapi';
import { uuidParam } from '../common/params';
import type { MessageDeletedEvent, MessagePage, MessageView } from '../contract/chat.events';
import { RateLimit, RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { EditMessageBodyDto, MessageBodyDto, MessagesQueryDto, ThreadQueryDto } from './dto/message.dto';
import { MessagesService } from './messages.service';

@ApiTags('messages')
@ApiBearerAuth()
@UseGuards(ChatAuthGuard, RateLimitGuard)
@UseFilters(ChatHttpExceptionFilter)
@Controller()
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get('chat-rooms/:id/messages')
  history(
    @CurrentUserId() userId: string,
    @Param('id', uuidParam) id: string,
    @ChatQuery() query: MessagesQueryDto,
  ): Promise<MessagePage> {
    return this.messages.history(userId, id, query);
  }

  /** A thread's replies, paged like the room's history. */
  @Get('messages/:id/thread')
  thread(
    @CurrentUserId() userId: string,
    @Param('id', uuidParam) id: string,
    @ChatQuery() query: ThreadQueryDto,
  ): Promise<MessagePage> {
    return this.messages.thread(userId, id, query);
  }

  /** 201 with the stored message; 200 with the first one when clientMessageId repeats an earlier send. */
  @Post('chat-rooms/:id/messages')
  @RateLimit('messages')
  async send(
    @CurrentUserId() userId: string,
    @Param('id', uuidParam) id: string,
    @ChatBody() dto: MessageBodyDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MessageView> {
    const { message, created } = await this.messages.send(userId, { ...dto, chatRoomId: id });
    res.status(created ? 201 : 200);
    return message;
  }

  @Patch('messages/:id')
  @RateLimit('messages')
  edit(
    @CurrentUserId() userId: string,
    @Param('id', uuidParam) id: string,
    @ChatBody() dto: EditMessageBodyDto,
  ): Promise<MessageView> {
    return this.messages.edit(userId, id, dto.content);
  }

  @Delete('messages/:id')
  delete(@CurrentUserId() userId: string, @Param('id', uuidParam) id: string): Promise<MessageDeletedEvent> {
    return this.messages.delete(userId, id);
  }
}
