import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AppError, ErrorCode } from 'nest-chat-gateway';
import {
  RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  RLWrapperTimeouts,
} from 'rate-limiter-flexible';
import { createClient, type RedisClientType } from 'redis';
import { AppConfig, type RateLimit } from '../config/app-config';

/** A Redis answer slower than this counts as an outage: this process's own counts decide. */
const REDIS_TIMEOUT_MS = 500;

/**
 * Guessing passwords and mass registration, slowed down (RATE_LIMIT_AUTH, e.g. 10/60s):
 * - registrations per client IP;
 * - failed logins per client IP, and per account from all IPs together (so many
 *   IPs do not buy more guesses at one password). A login that succeeds, or
 *   fails for another reason than the password, costs nothing.
 * Counted in Redis when REDIS_URL is set (every process shares them), in this
 * process otherwise or while Redis is unreachable. Refusals are RATE_LIMITED:
 * 429 with Retry-After. The IP is express' `req.ip`: behind a reverse proxy,
 * set express' `trust proxy` or every client shares the proxy's allowance.
 */
@Injectable()
export class AuthThrottle implements OnApplicationShutdown {
  private readonly logger = new Logger('AuthThrottle');
  private readonly redis: RedisClientType | undefined;
  private readonly registrationsByIp: RateLimiterAbstract;
  private readonly failedLoginsByIp: RateLimiterAbstract;
  private readonly failedLoginsByAccount: RateLimiterAbstract;

  constructor(config: AppConfig) {
    if (config.redisUrl) {
      this.redis = createClient({
        url: config.redisUrl,
        name: 'demo-auth-throttle',
        // Commands while Redis is away fail at once (and the in-memory limiter answers).
        disableOfflineQueue: true,
        socket: { reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) },
      });
      this.redis.on('error', (error: Error) => this.logger.debug(`Redis: ${error.message}`));
      this.redis.connect().catch((error: Error) => this.logger.warn(`Redis unreachable: ${error.message}`));
    }
    const limiter = (name: string): RateLimiterAbstract =>
      createLimiter(config.authRateLimit, `${config.redisPrefix}:demo-auth:${name}`, this.redis);
    this.registrationsByIp = limiter('register-ip');
    this.failedLoginsByIp = limiter('login-ip');
    this.failedLoginsByAccount = limiter('login-account');
  }

  async registration(ip: string): Promise<void> {
    await this.take([[this.registrationsByIp, ip]]);
  }

  /** Runs `attempt` unless the IP or the account is out of tries; counts it if it fails with UNAUTHORIZED. */
  async login<T>(ip: string, email: string, attempt: () => Promise<T>): Promise<T> {
    const taken = await this.take([
      [this.failedLoginsByIp, ip],
      // Hashed: the key says nothing about the address.
      [this.failedLoginsByAccount, createHash('sha256').update(email).digest('base64url')],
    ]);
    let failed = false;
    try {
      return await attempt();
    } catch (error) {
      failed = error instanceof AppError && error.code === ErrorCode.UNAUTHORIZED;
      throw error;
    } finally {
      if (!failed) this.giveBack(taken);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.redis?.isOpen) return;
    await this.redis.close().catch(() => this.redis?.destroy());
  }

  /**
   * One point from each (limiter, key), all or none: when one is out of
   * points, those already taken are given back and RATE_LIMITED is thrown.
   * Taken before the work (not after a failure), so concurrent attempts
   * cannot all pass before the first one is counted.
   */
  private async take(points: [RateLimiterAbstract, string][]): Promise<[RateLimiterAbstract, string][]> {
    const results = await Promise.allSettled(points.map(([limiter, key]) => limiter.consume(key)));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (refused.length === 0) return points;
    this.giveBack(points.filter((_, i) => results[i].status === 'fulfilled'));
    // Not a refusal but a failure (the in-memory limiters that stand in for Redis do not fail).
    const failure = refused.find((r) => !(r instanceof RateLimiterRes));
    if (failure) throw failure instanceof Error ? failure : new Error('rate limiter failed', { cause: failure });
    const retryAfterMs = Math.max(1, ...refused.map((r) => (r as RateLimiterRes).msBeforeNext));
    throw new AppError(ErrorCode.RATE_LIMITED, `Too many attempts; retry in ${Math.ceil(retryAfterMs / 1000)} s`, {
      retryAfterMs,
    });
  }

  private giveBack(points: [RateLimiterAbstract, string][]): void {
    for (const [limiter, key] of points) {
      limiter.reward(key).catch(() => undefined);
    }
  }
}

/** `rate.count` points per fixed window, in Redis (window rounded up to whole seconds) or in memory. */
function createLimiter(rate: RateLimit, keyPrefix: string, redis: RedisClientType | undefined): RateLimiterAbstract {
  const duration = redis ? Math.max(1, Math.ceil(rate.windowMs / 1000)) : rate.windowMs / 1000;
  const memory = new RateLimiterMemory({ points: rate.count, duration, keyPrefix });
  if (!redis) return memory;
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    useRedisPackage: true,
    rejectIfRedisNotReady: true,
    points: rate.count,
    duration,
    keyPrefix,
    insuranceLimiter: memory,
  });
  return new RLWrapperTimeouts({ limiter, timeoutMs: REDIS_TIMEOUT_MS, insuranceLimiter: memory });
}
