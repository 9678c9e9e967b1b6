import {
  RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  RLWrapperTimeouts,
} from 'rate-limiter-flexible';
import type { RedisClientType } from 'redis';
import type { RateLimit } from '../config/chat-options';

/** A Redis answer slower than this is treated as an outage: the in-memory limiter decides instead. */
const REDIS_TIMEOUT_MS = 500;

/** Takes one point for `key`; rejects with LimitReached when none is left. */
export type Consume = (key: string) => Promise<void>;

/** Thrown by a Consume when the key has used up its allowance. */
export class LimitReached extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`rate limit reached; retry in ${retryAfterMs} ms`);
    this.name = 'LimitReached';
  }
}

/**
 * `rate.count` points per fixed window of `rate.windowMs`, per key.
 *
 * With a Redis client, the count lives in Redis (one Lua call per point), so
 * every process shares it. Redis keeps whole seconds: the window is rounded up
 * to them. If Redis fails, is not ready or answers too slowly, an in-memory
 * limiter with the same allowance decides: limits degrade to per process
 * instead of refusing everyone. A key over its allowance is also remembered
 * in memory until its window ends, so a flood does not reach Redis.
 */
export function createLimiter(rate: RateLimit, keyPrefix: string, redis?: RedisClientType): Consume {
  const limiter: RateLimiterAbstract = redis ? redisLimiter(rate, keyPrefix, redis) : memoryLimiter(rate, keyPrefix);
  return async (key) => {
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw new LimitReached(Math.max(1, rejection.msBeforeNext));
      throw rejection;
    }
  };
}

function memoryLimiter(rate: RateLimit, keyPrefix: string, duration = rate.windowMs / 1000): RateLimiterMemory {
  return new RateLimiterMemory({ points: rate.count, duration, keyPrefix });
}

function redisLimiter(rate: RateLimit, keyPrefix: string, client: RedisClientType): RateLimiterAbstract {
  const duration = Math.max(1, Math.ceil(rate.windowMs / 1000));
  const insuranceLimiter = memoryLimiter(rate, keyPrefix, duration);
  const limiter = new RateLimiterRedis({
    storeClient: client,
    useRedisPackage: true,
    // node-redis reports a lost connection at once (`isReady`): no command is sent then.
    rejectIfRedisNotReady: true,
    points: rate.count,
    duration,
    keyPrefix,
    inMemoryBlockOnConsumed: rate.count + 1,
    insuranceLimiter,
  });
  // A Redis that stopped answering without closing the connection would otherwise hold every event.
  return new RLWrapperTimeouts({ limiter, timeoutMs: REDIS_TIMEOUT_MS, insuranceLimiter });
}
