import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ChatEmitter } from './chat.emitter';
import { ChatGateway } from './chat.gateway';
import { MessagesController } from './messages/messages.controller';
import { MessagesService } from './messages/messages.service';
import { NotificationsService } from './notifications/notifications.service';
import { LoggingOfflineNotifier, OfflineNotifier } from './notifications/offline-notifier';
import { PresenceController } from './presence/presence.controller';
import { PresenceService } from './presence/presence.service';
import { LocalPresenceStore, PresenceStore } from './presence/presence.store';
import { ReceiptsService } from './receipts/receipts.service';
import { ChatRoomsController } from './rooms/chat-rooms.controller';
import { ChatRoomsService } from './rooms/chat-rooms.service';
import { TypingService } from './typing/typing.service';

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
 * Needs PrismaService and AppConfig from the host (PrismaModule, AppConfigModule).
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
        TypingService,
        PresenceService,
        ReceiptsService,
        NotificationsService,
        { provide: PresenceStore, useClass: LocalPresenceStore },
        notifierProvider(options.offlineNotifier),
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
