import { Controller, Get, UseFilters, UseGuards } from '@nestjs/common';
import { ChatAuthGuard } from '../auth/chat-auth.guard';
import { CurrentUserId } from '../auth/current-user.decorator';
import { ChatQuery } from '../common/chat-params';
import { ChatHttpExceptionFilter } from '../common/http-exception.filter';
import { ApiBearerAuth, ApiTags } from '../common/openapi';
import type { SearchPage } from '../contract/chat.events';
import { RateLimit, RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { SearchQueryDto } from './dto/search.dto';
import { SearchService } from './search.service';

@ApiTags('messages')
@ApiBearerAuth()
@UseGuards(ChatAuthGuard, RateLimitGuard)
@UseFilters(ChatHttpExceptionFilter)
@Controller('messages/search')
export class SearchController {
  constructor(private readonly search: SearchService) {}

  /** The messages of the user's rooms matching `q`, newest first. */
  @Get()
  @RateLimit('search')
  find(@CurrentUserId() userId: string, @ChatQuery() dto: SearchQueryDto): Promise<SearchPage> {
    return this.search.search(userId, { ...dto, query: dto.q });
  }
}
