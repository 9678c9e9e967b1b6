import { Body, Controller, Delete, Get, Param, Patch, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser } from '../../auth/current-user.decorator';
import { JwtAuthGuard } from '../../auth/jwt-auth.guard';
import type { AuthUser } from '../../auth/jwt.strategy';
import type { MessageDeletedEvent, MessagePage, MessageView } from '../chat.events';
import { uuidParam } from '../rooms/chat-rooms.controller';
import { EditMessageBodyDto, MessageBodyDto, MessagesQueryDto } from './dto/message.dto';
import { RateLimit, RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { MessagesService } from './messages.service';

@ApiTags('messages')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard, RateLimitGuard)
@Controller()
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get('chat-rooms/:id/messages')
  history(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam) id: string,
    @Query() query: MessagesQueryDto,
  ): Promise<MessagePage> {
    return this.messages.history(user.id, id, query);
  }

  /** 201 with the stored message; 200 with the first one when clientMessageId repeats an earlier send. */
  @Post('chat-rooms/:id/messages')
  @RateLimit('messages')
  async send(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam) id: string,
    @Body() dto: MessageBodyDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MessageView> {
    const { message, created } = await this.messages.send(user.id, { ...dto, chatRoomId: id });
    res.status(created ? 201 : 200);
    return message;
  }

  @Patch('messages/:id')
  @RateLimit('messages')
  edit(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam) id: string,
    @Body() dto: EditMessageBodyDto,
  ): Promise<MessageView> {
    return this.messages.edit(user.id, id, dto.content);
  }

  @Delete('messages/:id')
  delete(@CurrentUser() user: AuthUser, @Param('id', uuidParam) id: string): Promise<MessageDeletedEvent> {
    return this.messages.delete(user.id, id);
  }
}
