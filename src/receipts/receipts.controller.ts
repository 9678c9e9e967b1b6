import { Controller, Get, HttpCode, Param, Post, UseFilters, UseGuards } from '@nestjs/common';
import { ChatAuthGuard } from '../auth/chat-auth.guard';
import { CurrentUserId } from '../auth/current-user.decorator';
import { ChatBody } from '../common/chat-params';
import { ChatHttpExceptionFilter } from '../common/http-exception.filter';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '../common/openapi';
import { uuidParam } from '../common/params';
import type { ReadState } from '../contract/chat.events';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { MarkMessageBodyDto } from './dto/mark-message.dto';
import { ReceiptsService, UnreadSummary } from './receipts.service';

/**
 * Read state over REST. Registered before ChatRoomsController (see
 * ChatModule) so `chat-rooms/unread-count` is not taken for a room id.
 */
@ApiTags('receipts')
@ApiBearerAuth()
@UseGuards(ChatAuthGuard, RateLimitGuard)
@UseFilters(ChatHttpExceptionFilter)
@Controller('chat-rooms')
export class ReceiptsController {
  constructor(private readonly receipts: ReceiptsService) {}

  @Get('unread-count')
  @ApiOkResponse({ description: '{ unreadCount, chatRooms: [{ chatRoomId, unreadCount }] }' })
  unreadCount(@CurrentUserId() userId: string): Promise<UnreadSummary> {
    return this.receipts.unreadCounts(userId);
  }

  @Post(':id/read')
  @HttpCode(200)
  @ApiOkResponse({ description: '{ chatRoomId, lastDeliveredSeq, lastReadSeq, unreadCount }' })
  markAsRead(
    @CurrentUserId() userId: string,
    @Param('id', uuidParam) id: string,
    @ChatBody() dto: MarkMessageBodyDto,
  ): Promise<ReadState> {
    return this.receipts.markAsRead(userId, id, dto.messageId);
  }

  @Post(':id/unread')
  @HttpCode(200)
  @ApiOkResponse({ description: '{ chatRoomId, lastDeliveredSeq, lastReadSeq, unreadCount }' })
  markAsUnread(
    @CurrentUserId() userId: string,
    @Param('id', uuidParam) id: string,
    @ChatBody() dto: MarkMessageBodyDto,
  ): Promise<ReadState> {
    return this.receipts.markAsUnread(userId, id, dto.messageId);
  }
}
