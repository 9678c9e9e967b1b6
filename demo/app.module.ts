import { DynamicModule, Module } from '@nestjs/common';
import { ChatModule, type ChatModuleOptions } from 'nest-chat-gateway';
import { AppController } from './app.controller';
import { AuthModule } from './auth/auth.module';
import { TokenService } from './auth/token.service';
import { demoChatOptions } from './chat/chat-options';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DemoDatabase } from './database/demo-database';
import { HealthModule } from './health/health.module';
import { UsersModule } from './users/users.module';
import { UsersService } from './users/users.service';

/**
 * The demo host: its own configuration, database, users and auth, and the
 * chat library configured from them. `overrides` replace environment
 * variables and `chat` chat options (tests run several differently
 * configured apps in one process).
 */
@Module({})
export class AppModule {
  static forRoot(
    overrides: Record<string, string | undefined> = {},
    chat: Partial<ChatModuleOptions> = {},
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(overrides),
        DatabaseModule,
        UsersModule,
        AuthModule,
        HealthModule,
        ChatModule.forRootAsync({
          imports: [UsersModule, AuthModule],
          inject: [AppConfig, DemoDatabase, UsersService, TokenService],
          useFactory: (config: AppConfig, database: DemoDatabase, users: UsersService, tokens: TokenService) => ({
            ...demoChatOptions(config, database, users, tokens),
            ...chat,
          }),
        }),
      ],
      controllers: [AppController],
    };
  }
}
