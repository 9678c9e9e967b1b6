import { Injectable } from '@nestjs/common';
import { RedisConnection } from '../cluster/redis-connection';
import { PrismaService } from '../persistence/prisma.service';

export type DependencyStatus = 'up' | 'down';

export interface ChatHealth {
  /** `ok` when everything the chat needs answers. */
  status: 'ok' | 'unavailable';
  database: { status: DependencyStatus; kind: 'postgresql' | 'embedded' };
  redis: { status: DependencyStatus | 'disabled' };
}

/** What the host's health endpoint (e.g. @nestjs/terminus) can ask about the chat's own dependencies. */
@Injectable()
export class ChatHealthService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly redis: RedisConnection,
  ) {}

  async check(): Promise<ChatHealth> {
    const [databaseUp, redisUp] = await Promise.all([
      this.prisma.isHealthy(),
      this.redis.enabled ? this.redis.isHealthy() : Promise.resolve(undefined),
    ]);
    return {
      status: databaseUp && redisUp !== false ? 'ok' : 'unavailable',
      database: { status: databaseUp ? 'up' : 'down', kind: this.prisma.database.kind },
      redis: { status: redisUp === undefined ? 'disabled' : redisUp ? 'up' : 'down' },
    };
  }
}
