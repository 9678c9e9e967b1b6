import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AppConfig } from '../config/app-config';
import { RedisPresenceStore } from '../redis/redis-presence.store';
import { RedisTypingStore } from '../redis/redis-typing.store';
import { RedisService } from '../redis/redis.service';
import { ChatLifecycle } from './chat-lifecycle';
import { ChatEmitter } from './chat.emitter';
import { ChatGateway } from './chat.gateway';
import { MessagesController } from './messages/messages.controller';
import { MessageWriter } from './messages/message-writer';
import { MessagesService } from './messages/messages.service';
import { NotificationsService } from './notifications/notifications.service';
import { LoggingOfflineNotifier, OfflineNotifier } from './notifications/offline-notifier';
import { PresenceController } from './presence/presence.controller';
import { PresenceService } from './presence/presence.service';
import { LocalPresenceStore, PresenceStore } from './presence/presence.store';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { RateLimitService } from './rate-limit/rate-limit.service';
import { ReceiptsService } from './receipts/receipts.service';
import { ChatRoomsController } from './rooms/chat-rooms.controller';
import { ChatRoomsService } from './rooms/chat-rooms.service';
import { TypingService } from './typing/typing.service';
import { LocalTypingStore, TypingStore } from './typing/typing.store';
import { ChatConnections } from './ws/chat-connections';

export interface ChatModuleOptions {
  /**
   * Told about each message for participants with no connected socket
   * (push, e-mail, ...). A class (instantiated by Nest, may inject) or an
   * instance. Default: LoggingOfflineNotifier.
   */
  offlineNotifier?: Type<OfflineNotifier> | OfflineNotifier;
}

/**
 * What a host app imports: the `/chat` socket.io gateway, the REST
 * controllers, and the services. The exported services are the host's API:
 * a message sent or a room changed through them is broadcast like any other.
 * Needs PrismaService, AppConfig and RedisService from the host
 * (PrismaModule, AppConfigModule, RedisModule), as AppModule shows.
 */
@Module({})
export class ChatModule {
  static forRoot(options: ChatModuleOptions = {}): DynamicModule {
    return {
      module: ChatModule,
      imports: [AuthModule],
      controllers: [ChatRoomsController, MessagesController, PresenceController],
      providers: [
        ChatEmitter,
        ChatRoomsService,
        MessagesService,
        MessageWriter,
        TypingService,
        PresenceService,
        ReceiptsService,
        NotificationsService,
        ChatLifecycle,
        RateLimitService,
        RateLimitGuard,
        // Cluster state lives in Redis when REDIS_URL is set, in this process otherwise.
        {
          provide: PresenceStore,
          inject: [RedisService, AppConfig],
          useFactory: (redis: RedisService, config: AppConfig) =>
            redis.enabled ? new RedisPresenceStore(redis, config) : new LocalPresenceStore(),
        },
        {
          provide: TypingStore,
          inject: [RedisService, AppConfig],
          useFactory: (redis: RedisService, config: AppConfig) =>
            redis.enabled ? new RedisTypingStore(redis, config) : new LocalTypingStore(),
        },
        notifierProvider(options.offlineNotifier),
        ChatConnections,
        ChatGateway,
      ],
      exports: [ChatRoomsService, MessagesService, PresenceService, ReceiptsService, NotificationsService, ChatEmitter],
    };
  }
}

function notifierProvider(notifier: ChatModuleOptions['offlineNotifier']): Provider {
  if (notifier === undefined) return { provide: OfflineNotifier, useClass: LoggingOfflineNotifier };
  return typeof notifier === 'function'
    ? { provide: OfflineNotifier, useClass: notifier }
    : { provide: OfflineNotifier, useValue: notifier };
}
