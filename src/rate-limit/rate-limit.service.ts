import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/app-error';
import { RateLimiter } from '../common/rate-limiter';
import { ChatConfig } from '../config/chat-config';
import type { RateLimitKind } from '../config/chat-options';

/**
 * Per-user limits on messages, typing, room changes and joins, and a
 * per-socket limit on all events. In memory, per process: behind N nodes a
 * user spreading sockets over them gets at most N times the allowance.
 */
@Injectable()
export class RateLimitService {
  private readonly limiters: Record<RateLimitKind, RateLimiter>;

  constructor(config: ChatConfig) {
    const l = config.rateLimits;
    this.limiters = {
      messages: new RateLimiter(l.messages.count, l.messages.windowMs),
      typing: new RateLimiter(l.typing.count, l.typing.windowMs),
      rooms: new RateLimiter(l.rooms.count, l.rooms.windowMs),
      joins: new RateLimiter(l.joins.count, l.joins.windowMs),
      socketEvents: new RateLimiter(l.socketEvents.count, l.socketEvents.windowMs),
    };
  }

  /** Throws RATE_LIMITED (with `retryAfterMs`) when `key` has used up its `kind` allowance. */
  consume(kind: RateLimitKind, key: string): void {
    const wait = this.limiters[kind].take(key);
    if (wait > 0) {
      throw new AppError(
        ErrorCode.RATE_LIMITED,
        `Too many ${kind === 'socketEvents' ? 'events' : kind}; retry in ${wait} ms`,
        {
          retryAfterMs: wait,
        },
      );
    }
  }
}
