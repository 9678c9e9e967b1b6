import { Delete, Get, HttpCode, Param, Patch, Post, Res, UseFilters, UseGuards, Controller } from '@nestjs/common';
import type { Response } from 'express';
import { ChatAuthGuard } from '../auth/chat-auth.guard';
import { CurrentUserId } from '../auth/current-user.decorator';
import { ChatBody } from '../common/chat-params';
import { ChatHttpExceptionFilter } from '../common/http-exception.filter';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '../common/openapi';
import { userIdParam, uuidParam } from '../common/params';
import type { ChatRoomView } from '../contract/chat.events';
import { RateLimit, RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { ChatRoomsService } from './chat-rooms.service';
import { AddParticipantsBodyDto, CreateChatRoomDto, UpdateChatRoomBodyDto } from './dto/chat-room.dto';

@ApiTags('chat rooms')
@ApiBearerAuth()
@UseGuards(ChatAuthGuard, RateLimitGuard)
@UseFilters(ChatHttpExceptionFilter)
@Controller('chat-rooms')
export class ChatRoomsController {
  constructor(private readonly rooms: ChatRoomsService) {}

  @Get()
  @ApiOkResponse({ description: 'The caller’s rooms, most recently active first' })
  list(@CurrentUserId() userId: string): Promise<ChatRoomView[]> {
    return this.rooms.listForUser(userId);
  }

  /** 201 when a room was created; 200 with the existing room for a DIRECT pair that already has one. */
  @Post()
  @RateLimit('rooms')
  async create(
    @CurrentUserId() userId: string,
    @ChatBody() dto: CreateChatRoomDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ChatRoomView> {
    const { room, created } = await this.rooms.create(userId, dto);
    res.status(created ? 201 : 200);
    return room;
  }

  @Get(':id')
  get(@CurrentUserId() userId: string, @Param('id', uuidParam) id: string): Promise<ChatRoomView> {
    return this.rooms.getForUser(userId, id);
  }

  @Patch(':id')
  @RateLimit('rooms')
  update(
    @CurrentUserId() userId: string,
    @Param('id', uuidParam) id: string,
    @ChatBody() dto: UpdateChatRoomBodyDto,
  ): Promise<ChatRoomView> {
    return this.rooms.update(userId, id, dto.name);
  }

  @Post(':id/participants')
  @RateLimit('rooms')
  @HttpCode(200)
  addParticipants(
    @CurrentUserId() userId: string,
    @Param('id', uuidParam) id: string,
    @ChatBody() dto: AddParticipantsBodyDto,
  ): Promise<ChatRoomView> {
    return this.rooms.addParticipants(userId, id, dto.userIds);
  }

  @Delete(':id/participants/:userId')
  removeParticipant(
    @CurrentUserId() userId: string,
    @Param('id', uuidParam) id: string,
    @Param('userId', userIdParam) participantId: string,
  ): Promise<ChatRoomView> {
    return this.rooms.removeParticipant(userId, id, participantId);
  }
}
