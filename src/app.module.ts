import { DynamicModule, Module } from '@nestjs/common';
import { AppController } from './app.controller';
import { AuthModule } from './auth/auth.module';
import { ChatModule, ChatModuleOptions } from './chat/chat.module';
import { AppConfigModule } from './config/config.module';
import { HealthModule } from './health/health.module';
import { PrismaModule } from './prisma/prisma.module';
import { RedisModule } from './redis/redis.module';

/**
 * The thin host application: configuration, database, auth, and the chat
 * module. `overrides` replace environment variables (tests use them to run
 * several differently configured apps in one process).
 */
@Module({})
export class AppModule {
  static forRoot(overrides: Record<string, string | undefined> = {}, chat: ChatModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(overrides),
        PrismaModule,
        HealthModule,
        RedisModule,
        AuthModule,
        ChatModule.forRoot(chat),
      ],
      controllers: [AppController],
    };
  }
}
