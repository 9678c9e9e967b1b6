import type { RedisConnection } from '../cluster/redis-connection';
import { AppError } from '../common/app-error';
import { ChatConfig } from '../config/chat-config';
import type { ChatModuleOptions } from '../config/chat-options';
import { RateLimitService } from './rate-limit.service';

function config(rateLimits: ChatModuleOptions['rateLimits']): ChatConfig {
  return new ChatConfig({
    authenticate: () => null,
    users: { findByIds: async () => [] },
    database: { dataDir: '/tmp/chat-unit' },
    rateLimits,
  });
}

/** A RedisConnection whose command client is `cmd`. */
function redisWith(cmd: object): RedisConnection {
  return {
    enabled: true,
    cmd,
    key: (...parts: string[]) => ['{test}', ...parts].join(':'),
  } as unknown as RedisConnection;
}

const noRedis = { enabled: false, key: (...parts: string[]) => parts.join(':') } as unknown as RedisConnection;

async function outcomes(service: RateLimitService, userId: string, times: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < times; i++) {
    try {
      await service.consume('messages', userId);
      seen.push('ok');
    } catch (error) {
      seen.push((error as AppError).code);
    }
  }
  return seen;
}

describe(RateLimitService.name, () => {
  it('should refuse past the allowance with RATE_LIMITED and the wait', async () => {
    const service = new RateLimitService(config({ messages: '2/10s' }), noRedis);
    expect(await outcomes(service, 'u1', 3)).toEqual(['ok', 'ok', 'RATE_LIMITED']);
    const refusal = await service.consume('messages', 'u1').catch((error: AppError) => error);
    expect(refusal).toBeInstanceOf(AppError);
    expect((refusal as AppError).details).toEqual({ retryAfterMs: expect.any(Number) });
    const { retryAfterMs } = (refusal as AppError).details as { retryAfterMs: number };
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(10_000);
  });

  it('should keep users and kinds apart', async () => {
    const service = new RateLimitService(config({ messages: '1/10s', typing: '1/10s' }), noRedis);
    await service.consume('messages', 'u1');
    await expect(service.consume('messages', 'u1')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(service.consume('messages', 'u2')).resolves.toBeUndefined();
    await expect(service.consume('typing', 'u1')).resolves.toBeUndefined();
  });

  it('should fall back to a per-process limit when Redis fails, not refuse everyone', async () => {
    const cmd = { isReady: true, eval: jest.fn().mockRejectedValue(new Error('ECONNRESET')) };
    const service = new RateLimitService(config({ messages: '3/10s' }), redisWith(cmd));
    expect(await outcomes(service, 'u1', 4)).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED']);
    expect(cmd.eval).toHaveBeenCalled();
    expect(await outcomes(service, 'u2', 1)).toEqual(['ok']);
  });

  it('should not ask Redis while its connection is down', async () => {
    const cmd = { isReady: false, eval: jest.fn() };
    const service = new RateLimitService(config({ messages: '1/10s' }), redisWith(cmd));
    expect(await outcomes(service, 'u1', 2)).toEqual(['ok', 'RATE_LIMITED']);
    expect(cmd.eval).not.toHaveBeenCalled();
  });

  it('should decide in memory when Redis does not answer', async () => {
    const cmd = { isReady: true, eval: jest.fn(() => new Promise(() => undefined)) };
    const service = new RateLimitService(config({ messages: '1/10s' }), redisWith(cmd));
    expect(await outcomes(service, 'u1', 2)).toEqual(['ok', 'RATE_LIMITED']);
    expect(cmd.eval).toHaveBeenCalled();
  });

  it('should count in Redis when it answers, and stop asking it once the user is over', async () => {
    // What the limiter's script answers: [points consumed in the window, ms left in it].
    let consumed = 0;
    const cmd = { isReady: true, eval: jest.fn(async () => [++consumed, 5000]) };
    const service = new RateLimitService(config({ messages: '2/10s' }), redisWith(cmd));
    expect(await outcomes(service, 'u1', 4)).toEqual(['ok', 'ok', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(cmd.eval).toHaveBeenCalledTimes(3);
    expect(cmd.eval).toHaveBeenCalledWith(expect.any(String), {
      keys: ['{test}:rate:messages:u1'],
      arguments: ['1', '10', '2', '10'],
    });
  });
});
