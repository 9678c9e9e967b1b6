import { Controller, HttpCode, Post, UseFilters, UseGuards } from '@nestjs/common';
import { ChatAuthGuard } from '../auth/chat-auth.guard';
import { CurrentUserId } from '../auth/current-user.decorator';
import { ChatBody } from '../common/chat-params';
import { ChatHttpExceptionFilter } from '../common/http-exception.filter';
import { ApiBearerAuth, ApiTags } from '../common/openapi';
import type { SyncResult } from '../contract/chat.events';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { SyncDto } from './dto/sync.dto';
import { SyncService } from './sync.service';

@ApiTags('sync')
@ApiBearerAuth()
@UseGuards(ChatAuthGuard, RateLimitGuard)
@UseFilters(ChatHttpExceptionFilter)
@Controller('sync')
export class SyncController {
  constructor(private readonly sync: SyncService) {}

  /** What changed in the user's rooms after the client's cursors (a read: 200). */
  @Post()
  @HttpCode(200)
  changes(@CurrentUserId() userId: string, @ChatBody() dto: SyncDto): Promise<SyncResult> {
    return this.sync.sync(userId, dto);
  }
}
