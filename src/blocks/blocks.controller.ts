import { Controller, Delete, Get, Param, Post, UseFilters, UseGuards } from '@nestjs/common';
import { ChatAuthGuard } from '../auth/chat-auth.guard';
import { CurrentUserId } from '../auth/current-user.decorator';
import { ChatBody } from '../common/chat-params';
import { ChatHttpExceptionFilter } from '../common/http-exception.filter';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '../common/openapi';
import { userIdParam } from '../common/params';
import type { BlockedUser } from '../contract/chat.events';
import { RateLimit, RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { BlocksService } from './blocks.service';
import { BlockUserDto } from './dto/block.dto';

@ApiTags('blocks')
@ApiBearerAuth()
@UseGuards(ChatAuthGuard, RateLimitGuard)
@UseFilters(ChatHttpExceptionFilter)
@Controller('blocks')
export class BlocksController {
  constructor(private readonly blocks: BlocksService) {}

  @Get()
  @ApiOkResponse({ description: '[{ userId, name, avatarUrl, blockedAt }], most recent first' })
  list(@CurrentUserId() userId: string): Promise<BlockedUser[]> {
    return this.blocks.list(userId);
  }

  /** 201 whether or not the user was already blocked (idempotent). */
  @Post()
  @RateLimit('rooms')
  @ApiOkResponse({ description: '{ userId, name, avatarUrl, blockedAt }' })
  block(@CurrentUserId() userId: string, @ChatBody() dto: BlockUserDto): Promise<BlockedUser> {
    return this.blocks.block(userId, dto.userId);
  }

  @Delete(':userId')
  @RateLimit('rooms')
  @ApiOkResponse({ description: '{ userId }' })
  unblock(
    @CurrentUserId() userId: string,
    @Param('userId', userIdParam) blockedId: string,
  ): Promise<{ userId: string }> {
    return this.blocks.unblock(userId, blockedId);
  }
}
