import { Controller, DynamicModule, Module, OnModuleInit, Provider, Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { WebSocketGateway } from '@nestjs/websockets';
import { ChatAuthGuard } from './auth/chat-auth.guard';
import { RedisConnection } from './cluster/redis-connection';
import { RedisPresenceStore } from './cluster/redis-presence.store';
import { RedisTypingStore } from './cluster/redis-typing.store';
import { ChatConfig } from './config/chat-config';
import type { ChatModuleExtras, ChatModuleOptions } from './config/chat-options';
import {
  CHAT_ASYNC_OPTIONS_TYPE,
  CHAT_MODULE_OPTIONS,
  CHAT_OPTIONS_TYPE,
  ConfigurableChatModule,
} from './config/chat.module-definition';
import { ChatConnections } from './gateway/chat-connections';
import { ChatDrain } from './gateway/chat-drain';
import { ChatLifecycle } from './gateway/chat-lifecycle';
import { ChatGateway } from './gateway/chat.gateway';
import { ChatSessionsService } from './gateway/session-policy';
import { ChatHealthService } from './health/chat-health.service';
import { MessageWriter } from './messages/message-writer';
import { MessagesController } from './messages/messages.controller';
import { MessagesService } from './messages/messages.service';
import { MessageLocks } from './messages/message-locks';
import { RoomEventLog } from './events/room-event-log';
import { EventLogPruner } from './events/event-log-pruner';
import { SyncController } from './events/sync.controller';
import { SyncService } from './events/sync.service';
import { RoomEventPayloads } from './events/room-event-payloads';
import { BeforeSend } from './messages/before-send';
import { OfflineNotifications } from './notifications/offline-notifications';
import { EventOutbox } from './outbox/event-outbox';
import { OutboxDeliveries } from './outbox/outbox-deliveries';
import { OutboxSignal } from './outbox/outbox-signal';
import { Webhooks } from './webhooks/webhooks';
import { MessageViews } from './messages/message-views';
import { PinsController } from './pins/pins.controller';
import { PinsService } from './pins/pins.service';
import { ReactionsController } from './reactions/reactions.controller';
import { ReactionsService } from './reactions/reactions.service';
import { NotificationsService } from './notifications/notifications.service';
import { LoggingOfflineNotifier, OfflineNotifier } from './notifications/offline-notifier';
import { prismaProvider } from './persistence/persistence.providers';
import { PresenceController } from './presence/presence.controller';
import { PresenceService } from './presence/presence.service';
import { LocalPresenceStore, PresenceStore } from './presence/presence.store';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { RateLimitService } from './rate-limit/rate-limit.service';
import { ChatEmitter } from './realtime/chat.emitter';
import { ReceiptsController } from './receipts/receipts.controller';
import { ReceiptsService } from './receipts/receipts.service';
import { ChatRoomViews } from './rooms/chat-room-views';
import { ChatRoomsController } from './rooms/chat-rooms.controller';
import { ChatRoomsService } from './rooms/chat-rooms.service';
import { TypingService } from './typing/typing.service';
import { LocalTypingStore, TypingStore } from './typing/typing.store';
import { ChatUsersService } from './users/chat-users.service';
import { MutesController } from './mutes/mutes.controller';
import { MutesService } from './mutes/mutes.service';
import { BlocksController } from './blocks/blocks.controller';
import { BlocksService } from './blocks/blocks.service';
import { SearchController } from './search/search.controller';
import { SearchService } from './search/search.service';

/** The services a host injects; everything else stays inside. */
const EXPORTED = [
  ChatRoomsService,
  MessagesService,
  PresenceService,
  ReceiptsService,
  NotificationsService,
  ChatSessionsService,
  ChatHealthService,
  ReactionsService,
  PinsService,
  MutesService,
  BlocksService,
  SearchService,
  SyncService,
];

const PROVIDERS: Provider[] = [
  {
    provide: ChatConfig,
    inject: [CHAT_MODULE_OPTIONS],
    useFactory: (options: ChatModuleOptions) => new ChatConfig(options),
  },
  prismaProvider,
  {
    provide: RedisConnection,
    inject: [ChatConfig],
    useFactory: (config: ChatConfig) => RedisConnection.connect(config),
  },
  // Cluster state lives in Redis when the redis option is set, in this process otherwise.
  {
    provide: PresenceStore,
    inject: [RedisConnection, ChatConfig],
    useFactory: (redis: RedisConnection, config: ChatConfig) =>
      redis.enabled ? new RedisPresenceStore(redis, config) : new LocalPresenceStore(),
  },
  {
    provide: TypingStore,
    inject: [RedisConnection, ChatConfig],
    useFactory: (redis: RedisConnection, config: ChatConfig) =>
      redis.enabled ? new RedisTypingStore(redis, config) : new LocalTypingStore(),
  },
  {
    provide: OfflineNotifier,
    inject: [ChatConfig],
    useFactory: (config: ChatConfig) => config.offlineNotifier ?? new LoggingOfflineNotifier(),
  },
  ChatEmitter,
  ChatUsersService,
  ChatRoomViews,
  MessageWriter,
  MessageViews,
  MessageLocks,
  RoomEventLog,
  RoomEventPayloads,
  EventLogPruner,
  OutboxSignal,
  EventOutbox,
  OutboxDeliveries,
  Webhooks,
  OfflineNotifications,
  BeforeSend,
  TypingService,
  ChatLifecycle,
  RateLimitService,
  RateLimitGuard,
  ChatAuthGuard,
  ChatDrain,
  ChatConnections,
  ...EXPORTED,
];

/**
 * What a host application imports: the chat's socket.io gateway, its REST
 * controllers and its services, configured through `forRoot(options)` or
 * `forRootAsync({ imports, inject, useFactory | useClass | useExisting })`.
 * Global by default, so any module of the app injects `MessagesService`
 * and friends without importing this again. Import it once.
 */
@Module({})
export class ChatModule extends ConfigurableChatModule implements OnModuleInit {
  constructor(private readonly modules: ModulesContainer) {
    super();
  }

  static forRoot(options: typeof CHAT_OPTIONS_TYPE): DynamicModule {
    return withChat(super.forRoot(options), options);
  }

  static forRootAsync(options: typeof CHAT_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withChat(super.forRootAsync(options), options);
  }

  /** Two imports would mean two gateways on one namespace, each refusing the other's sockets: fail loudly instead. */
  onModuleInit(): void {
    const count = [...this.modules.values()].filter((m) => m.metatype === ChatModule).length;
    if (count > 1) {
      throw new Error(
        `ChatModule is imported ${count} times. Import ChatModule.forRoot()/forRootAsync() once (it is global): ` +
          'other modules inject its services without importing it.',
      );
    }
  }
}

function withChat(definition: DynamicModule, extras: ChatModuleExtras): DynamicModule {
  const namespace = extras.namespace ?? '/chat';
  const http = { enabled: true, prefix: '', ...extras.http };
  const controllers = http.enabled
    ? (
        [
          ReceiptsController,
          ChatRoomsController,
          MessagesController,
          ReactionsController,
          PinsController,
          PresenceController,
          MutesController,
          BlocksController,
          SearchController,
          SyncController,
        ] as Type<unknown>[]
      ).map((c) => underPrefix(c, http.prefix))
    : [];
  return {
    ...definition,
    global: extras.isGlobal ?? true,
    providers: [...(definition.providers ?? []), ...PROVIDERS, gatewayOn(namespace)],
    controllers,
    exports: EXPORTED,
  };
}

/** The gateway, on the configured namespace (decorator options are static, so one subclass per module). */
function gatewayOn(namespace: string): Type<ChatGateway> {
  class ChatNamespaceGateway extends ChatGateway {}
  WebSocketGateway({ namespace })(ChatNamespaceGateway);
  Object.defineProperty(ChatNamespaceGateway, 'name', { value: ChatGateway.name });
  return ChatNamespaceGateway;
}

/** A controller whose routes sit under `prefix` (`api/chat` → `/api/chat/chat-rooms`). */
function underPrefix<T>(controller: Type<T>, prefix: string): Type<T> {
  const base = (Reflect.getMetadata('path', controller) as string | undefined) ?? '';
  const path = [prefix, base]
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
  if (!prefix) return controller;
  const Prefixed = class extends (controller as Type<object>) {} as Type<T>;
  Object.defineProperty(Prefixed, 'name', { value: controller.name });
  Controller(path)(Prefixed);
  return Prefixed;
}
