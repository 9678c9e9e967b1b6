import { Global, Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { HealthService } from '../health/health.service';
import { RedisService } from './redis.service';

/**
 * Provides RedisService: connected when REDIS_URL is set (start-up fails
 * with a clear message if Redis cannot be reached), disabled otherwise.
 */
@Global()
@Module({
  providers: [
    { provide: RedisService, inject: [AppConfig], useFactory: (config: AppConfig) => RedisService.connect(config) },
  ],
  exports: [RedisService],
})
export class RedisModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(RedisService) private readonly redis: RedisService,
    private readonly health: HealthService,
  ) {}

  onModuleInit(): void {
    if (this.redis.enabled) this.health.register({ name: 'redis', check: () => this.redis.isHealthy() });
  }

  /** Last to go: shutdown hooks of the chat module still talk to Redis before this runs. */
  async onApplicationShutdown(): Promise<void> {
    await this.redis.close();
  }
}
