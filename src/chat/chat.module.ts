import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ChatEmitter } from './chat.emitter';
import { ChatGateway } from './chat.gateway';
import { MessagesController } from './messages/messages.controller';
import { MessagesService } from './messages/messages.service';
import { ChatRoomsController } from './rooms/chat-rooms.controller';
import { ChatRoomsService } from './rooms/chat-rooms.service';

/**
 * What a host app imports: the `/chat` socket.io gateway, the REST
 * controllers, and the services (exported, so host modules can send messages
 * or manage rooms; everything they do is broadcast like any other change).
 * Needs PrismaService and AppConfig from the host (PrismaModule, AppConfigModule).
 */
@Module({})
export class ChatModule {
  static forRoot(): DynamicModule {
    return {
      module: ChatModule,
      imports: [AuthModule],
      controllers: [ChatRoomsController, MessagesController],
      providers: [ChatEmitter, ChatRoomsService, MessagesService, ChatGateway],
      exports: [ChatRoomsService, MessagesService, ChatEmitter],
    };
  }
}
