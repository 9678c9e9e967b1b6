import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser } from '../../auth/current-user.decorator';
import { JwtAuthGuard } from '../../auth/jwt-auth.guard';
import type { AuthUser } from '../../auth/jwt.strategy';
import type { ChatRoomView, ReadState } from '../chat.events';
import { MarkMessageBodyDto } from '../receipts/dto/mark-message.dto';
import { ReceiptsService, UnreadSummary } from '../receipts/receipts.service';
import { RateLimit, RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { ChatRoomsService } from './chat-rooms.service';
import { AddParticipantsBodyDto, CreateChatRoomDto, UpdateChatRoomBodyDto } from './dto/chat-room.dto';

export const uuidParam = new ParseUUIDPipe({ version: undefined, errorHttpStatusCode: 400 });

@ApiTags('chat rooms')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard, RateLimitGuard)
@Controller('chat-rooms')
export class ChatRoomsController {
  constructor(
    private readonly rooms: ChatRoomsService,
    private readonly receipts: ReceiptsService,
  ) {}

  @Get()
  @ApiOkResponse({ description: 'The caller’s rooms, most recently active first' })
  list(@CurrentUser() user: AuthUser): Promise<ChatRoomView[]> {
    return this.rooms.listForUser(user.id);
  }

  /** 201 when a room was created; 200 with the existing room for a DIRECT pair that already has one. */
  @Post()
  @RateLimit('rooms')
  async create(
    @CurrentUser() user: AuthUser,
    @Body() dto: CreateChatRoomDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ChatRoomView> {
    const { room, created } = await this.rooms.create(user.id, dto);
    res.status(created ? 201 : 200);
    return room;
  }

  /** Declared before `:id` so the path is not taken for a room id. */
  @Get('unread-count')
  @ApiOkResponse({ description: '{ unreadCount, chatRooms: [{ chatRoomId, unreadCount }] }' })
  unreadCount(@CurrentUser() user: AuthUser): Promise<UnreadSummary> {
    return this.receipts.unreadCounts(user.id);
  }

  @Post(':id/read')
  @HttpCode(200)
  @ApiOkResponse({ description: '{ chatRoomId, lastDeliveredSeq, lastReadSeq, unreadCount }' })
  markAsRead(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam) id: string,
    @Body() dto: MarkMessageBodyDto,
  ): Promise<ReadState> {
    return this.receipts.markAsRead(user.id, id, dto.messageId);
  }

  @Get(':id')
  get(@CurrentUser() user: AuthUser, @Param('id', uuidParam) id: string): Promise<ChatRoomView> {
    return this.rooms.getForUser(user.id, id);
  }

  @Patch(':id')
  @RateLimit('rooms')
  update(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam) id: string,
    @Body() dto: UpdateChatRoomBodyDto,
  ): Promise<ChatRoomView> {
    return this.rooms.update(user.id, id, dto.name);
  }

  @Post(':id/participants')
  @RateLimit('rooms')
  @HttpCode(200)
  addParticipants(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam) id: string,
    @Body() dto: AddParticipantsBodyDto,
  ): Promise<ChatRoomView> {
    return this.rooms.addParticipants(user.id, id, dto.userIds);
  }

  @Delete(':id/participants/:userId')
  removeParticipant(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam) id: string,
    @Param('userId', uuidParam) userId: string,
  ): Promise<ChatRoomView> {
    return this.rooms.removeParticipant(user.id, id, userId);
  }
}
