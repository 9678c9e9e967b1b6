import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PRINCIPAL_KEY } from '../auth/chat-auth.guard';
import type { RedisConnection } from '../cluster/redis-connection';
import { ChatConfig } from '../config/chat-config';
import { RateLimit, RateLimitGuard } from './rate-limit.guard';
import { RateLimitService } from './rate-limit.service';

class Handlers {
  getChatRooms(): void {}
  @RateLimit('messages')
  sendMessage(): void {}
}

function wsContext(handler: keyof Handlers, socketId: string, userId: string): ExecutionContext {
  return {
    getType: () => 'ws',
    getHandler: () => Handlers.prototype[handler],
    switchToWs: () => ({ getClient: () => ({ id: socketId, data: { userId } }) }),
  } as unknown as ExecutionContext;
}

function httpContext(handler: keyof Handlers, userId: string): ExecutionContext {
  return {
    getType: () => 'http',
    getHandler: () => Handlers.prototype[handler],
    switchToHttp: () => ({ getRequest: () => ({ headers: {}, [PRINCIPAL_KEY]: { userId } }) }),
  } as unknown as ExecutionContext;
}

async function outcome(guard: RateLimitGuard, context: ExecutionContext): Promise<string> {
  return guard.canActivate(context).then(
    () => 'ok',
    (error: { code: string }) => error.code,
  );
}

describe(RateLimitGuard.name, () => {
  let guard: RateLimitGuard;

  beforeEach(() => {
    const config = new ChatConfig({
      authenticate: () => null,
      users: { findByIds: async () => [] },
      database: { dataDir: '/tmp/chat-unit' },
      rateLimits: { socketEvents: '4/10s', messages: '2/10s' },
    });
    const redis = { enabled: false, key: (...parts: string[]) => parts.join(':') } as unknown as RedisConnection;
    guard = new RateLimitGuard(new RateLimitService(config, redis), new Reflector());
  });

  it("should count every event of a user against one flood allowance, whichever of the user's sockets sends it", async () => {
    const seen = [];
    for (const socketId of ['s1', 's2', 's1', 's2', 's3']) {
      seen.push(await outcome(guard, wsContext('getChatRooms', socketId, 'u1')));
    }
    expect(seen).toEqual(['ok', 'ok', 'ok', 'ok', 'RATE_LIMITED']);
    expect(await outcome(guard, wsContext('getChatRooms', 's4', 'u2'))).toBe('ok');
  });

  it('should count a marked event against its own limit too, per user', async () => {
    const seen = [];
    for (const socketId of ['s1', 's2', 's3'])
      seen.push(await outcome(guard, wsContext('sendMessage', socketId, 'u1')));
    expect(seen).toEqual(['ok', 'ok', 'RATE_LIMITED']);
  });

  it('should count marked routes per user over HTTP, and share the count with the sockets', async () => {
    expect(await outcome(guard, wsContext('sendMessage', 's1', 'u1'))).toBe('ok');
    expect(await outcome(guard, httpContext('sendMessage', 'u1'))).toBe('ok');
    expect(await outcome(guard, httpContext('sendMessage', 'u1'))).toBe('RATE_LIMITED');
    // Unmarked routes are not counted.
    for (let i = 0; i < 5; i++) expect(await outcome(guard, httpContext('getChatRooms', 'u1'))).toBe('ok');
  });
});
