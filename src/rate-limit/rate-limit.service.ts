import { Inject, Injectable } from '@nestjs/common';
import { RedisConnection } from '../cluster/redis-connection';
import { AppError, ErrorCode } from '../common/app-error';
import { ChatConfig } from '../config/chat-config';
import type { RateLimitKind } from '../config/chat-options';
import { Consume, createLimiter, LimitReached } from './limiter';

/**
 * Per-user limits on messages, typing, room changes, joins, searches and on all socket
 * events (`socketEvents`, the flood guard: every socket of the user counts).
 * With Redis the counts are shared by every node, so opening more sockets or
 * spreading them over nodes buys no more; without Redis (or while it is
 * unreachable) they are kept per process.
 */
@Injectable()
export class RateLimitService {
  private readonly limiters: Record<RateLimitKind, Consume>;

  constructor(config: ChatConfig, @Inject(RedisConnection) redis: RedisConnection) {
    const client = redis.enabled ? redis.cmd : undefined;
    this.limiters = Object.fromEntries(
      // One limiter per kind the config knows (it has every kind, with its default when not set).
      Object.entries(config.rateLimits).map(([kind, rate]) => [
        kind,
        createLimiter(rate, redis.key('rate', kind), client),
      ]),
    ) as Record<RateLimitKind, Consume>;
  }

  /** Throws RATE_LIMITED (with `retryAfterMs`) when `userId` has used up its `kind` allowance. */
  async consume(kind: RateLimitKind, userId: string): Promise<void> {
    try {
      await this.limiters[kind](userId);
    } catch (error) {
      if (!(error instanceof LimitReached)) throw error;
      const what = kind === 'socketEvents' ? 'events' : kind;
      throw new AppError(ErrorCode.RATE_LIMITED, `Too many ${what}; retry in ${error.retryAfterMs} ms`, {
        retryAfterMs: error.retryAfterMs,
      });
    }
  }
}
