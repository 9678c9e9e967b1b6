import { Logger, OnModuleDestroy, UseFilters, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { SessionRevocations } from '../auth/session-revocations';
import { TokenService } from '../auth/token.service';
import { UsersService } from '../users/users.service';
import { createValidationPipe } from '../common/validation';
import { AppConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';
import { ChatLifecycle } from './chat-lifecycle';
import { ChatEmitter, ChatNamespace } from './chat.emitter';
import {
  ChatRoomRef,
  ChatRoomView,
  MessageDeletedEvent,
  MessagePage,
  MessageView,
  ReadState,
  roomChannel,
  TypingPayload,
  userChannel,
} from './chat.events';
import { MessagesService } from './messages/messages.service';
import { EditMessageDto, GetMessagesDto, MessageRefDto, SendMessageDto } from './messages/dto/message.dto';
import { GetOnlineUsersDto } from './presence/dto/presence.dto';
import { PresenceService } from './presence/presence.service';
import { MarkMessageDto } from './receipts/dto/mark-message.dto';
import { RateLimit, RateLimitGuard } from './rate-limit/rate-limit.guard';
import { ReceiptsService } from './receipts/receipts.service';
import { ChatRoomsService } from './rooms/chat-rooms.service';
import { TypingDto } from './typing/dto/typing.dto';
import { TypingService } from './typing/typing.service';
import {
  AddParticipantsDto,
  ChatRoomRefDto,
  CreateChatRoomDto,
  EmptyDto,
  RemoveParticipantDto,
  UpdateChatRoomDto,
} from './rooms/dto/chat-room.dto';
import { BackpressureMonitor, terminate } from './ws/backpressure.monitor';
import type { ChatSocket } from './ws/chat-socket';
import { handshakeAuth, UNAUTHORIZED } from './ws/handshake-auth.middleware';
import { WsAckInterceptor } from './ws/ws-ack.interceptor';
import { WsExceptionFilter } from './ws/ws-exception.filter';
import { WsJwtGuard } from './ws/ws-jwt.guard';

/**
 * The `/chat` namespace. Thin on purpose: validate, take the user from the
 * authenticated socket (never from the payload), call a service, return its
 * result as the ack. Broadcasting happens in the services via ChatEmitter, so
 * REST and host-module calls broadcast exactly the same way.
 */
@WebSocketGateway({ namespace: '/chat' })
@UseGuards(WsJwtGuard, RateLimitGuard)
@UseInterceptors(WsAckInterceptor)
@UseFilters(WsExceptionFilter)
@UsePipes(createValidationPipe())
export class ChatGateway
  implements
    OnGatewayInit<ChatNamespace>,
    OnGatewayConnection<ChatSocket>,
    OnGatewayDisconnect<ChatSocket>,
    OnModuleDestroy
{
  private readonly logger = new Logger(ChatGateway.name);
  private readonly expiryTimers = new WeakMap<ChatSocket, NodeJS.Timeout>();
  private namespace: ChatNamespace | undefined;
  private backpressure: BackpressureMonitor | undefined;

  constructor(
    private readonly tokens: TokenService,
    private readonly rooms: ChatRoomsService,
    private readonly messages: MessagesService,
    private readonly emitter: ChatEmitter,
    private readonly presence: PresenceService,
    private readonly typing: TypingService,
    private readonly receipts: ReceiptsService,
    private readonly lifecycle: ChatLifecycle,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    private readonly users: UsersService,
    sessions: SessionRevocations,
  ) {
    sessions.onRevoked((userId) => this.endSessions(userId));
  }

  afterInit(namespace: ChatNamespace): void {
    this.namespace = namespace;
    namespace.use((_socket, next) => (this.lifecycle.isDraining ? next(new Error('Server is shutting down')) : next()));
    namespace.use(handshakeAuth(this.tokens));
    // Subscribe before `connection`, so no broadcast falls between connect and join.
    namespace.use((socket, next) => {
      this.subscribe(socket).then(
        (ok) => next(ok ? undefined : new Error(UNAUTHORIZED)),
        (error: unknown) => {
          this.logger.warn(`could not load rooms of ${socket.data.userId}: ${(error as Error).message}`);
          next(new Error('Service unavailable'));
        },
      );
    });
    this.emitter.bind(namespace);
    this.backpressure = new BackpressureMonitor(namespace, {
      maxBufferedBytes: this.config.slowConsumerMaxBytes,
      maxQueuedPackets: 10_000,
      intervalMs: 500,
    });
    this.backpressure.start();
    // Joins and broadcasts made while Redis was away never reached this node: resubscribe from the database.
    this.redis.onReconnect(() => this.resubscribeAll());
  }

  /**
   * Graceful shutdown (SIGTERM): refuse new connections and events, let the
   * events in flight finish and be acked, then close every transport (the
   * clients reconnect, to another node behind a load balancer) and take this
   * node's sockets out of presence.
   */
  async onModuleDestroy(): Promise<void> {
    if (!this.namespace) return;
    this.backpressure?.stop();
    this.lifecycle.startDraining();
    await this.lifecycle.whenIdle(this.config.shutdownTimeoutMs / 2);
    for (const socket of this.namespace.sockets.values()) socket.conn.close();
    // A client that does not answer the close (not reading) is cut after a short grace.
    for (let waited = 0; this.namespace.sockets.size > 0 && waited < 1000; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
    for (const socket of this.namespace.sockets.values()) terminate(socket);
    await this.presence.leaveCluster().catch((error: unknown) => {
      this.logger.warn(`could not leave the presence cluster: ${(error as Error).message}`);
    });
  }

  handleConnection(socket: ChatSocket): void {
    // socket.io keeps the handshake's HTTP request for the socket's life; the handshake copy is all we use (~4 KB saved).
    (socket.conn as { request?: unknown }).request = undefined;
    // Disconnect when the token expires; the client reconnects with a fresh one.
    const ms = socket.data.tokenExp * 1000 - Date.now();
    const timer = setTimeout(
      () => {
        socket.emit('exception', { code: 'UNAUTHORIZED', message: 'Token expired' });
        socket.disconnect(true);
      },
      Math.max(0, Math.min(ms, 2 ** 31 - 1)),
    );
    timer.unref();
    this.expiryTimers.set(socket, timer);
    const chatRoomIds = [...socket.rooms].filter((r) => r.startsWith('chat:')).map((r) => r.slice('chat:'.length));
    this.presence.socketConnected(socket.data.userId, socket.id, chatRoomIds).catch((error: unknown) => {
      this.logger.warn(`presence update failed for ${socket.data.userId}: ${(error as Error).message}`);
    });
  }

  handleDisconnect(socket: ChatSocket): void {
    clearTimeout(this.expiryTimers.get(socket));
    // While draining, presence is settled for all sockets at once (leaveCluster).
    if (!socket.data.userId || this.lifecycle.isDraining) return;
    this.presence.socketDisconnected(socket.data.userId, socket.id).catch((error: unknown) => {
      this.logger.warn(`presence update failed for ${socket.data.userId}: ${(error as Error).message}`);
    });
  }

  @SubscribeMessage('createChatRoom')
  @RateLimit('rooms')
  async createChatRoom(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() dto: CreateChatRoomDto,
  ): Promise<ChatRoomView> {
    return (await this.rooms.create(socket.data.userId, dto)).room;
  }

  @SubscribeMessage('joinChatRoom')
  @RateLimit('joins')
  async joinChatRoom(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: ChatRoomRefDto): Promise<ChatRoomView> {
    const room = await this.rooms.getForUser(socket.data.userId, dto.chatRoomId);
    await socket.join(roomChannel(dto.chatRoomId));
    return room;
  }

  @SubscribeMessage('leaveChatRoom')
  leaveChatRoom(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: ChatRoomRefDto): Promise<ChatRoomRef> {
    return this.rooms.leave(socket.data.userId, dto.chatRoomId);
  }

  @SubscribeMessage('addParticipants')
  @RateLimit('rooms')
  addParticipants(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() dto: AddParticipantsDto,
  ): Promise<ChatRoomView> {
    return this.rooms.addParticipants(socket.data.userId, dto.chatRoomId, dto.userIds);
  }

  @SubscribeMessage('removeParticipant')
  removeParticipant(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() dto: RemoveParticipantDto,
  ): Promise<ChatRoomView> {
    return this.rooms.removeParticipant(socket.data.userId, dto.chatRoomId, dto.userId);
  }

  @SubscribeMessage('updateChatRoom')
  @RateLimit('rooms')
  updateChatRoom(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: UpdateChatRoomDto): Promise<ChatRoomView> {
    return this.rooms.update(socket.data.userId, dto.chatRoomId, dto.name);
  }

  @SubscribeMessage('sendMessage')
  @RateLimit('messages')
  async sendMessage(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: SendMessageDto): Promise<MessageView> {
    return (await this.messages.send(socket.data.userId, dto)).message;
  }

  @SubscribeMessage('editMessage')
  @RateLimit('messages')
  editMessage(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: EditMessageDto): Promise<MessageView> {
    return this.messages.edit(socket.data.userId, dto.messageId, dto.content);
  }

  @SubscribeMessage('deleteMessage')
  deleteMessage(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() dto: MessageRefDto,
  ): Promise<MessageDeletedEvent> {
    return this.messages.delete(socket.data.userId, dto.messageId);
  }

  @SubscribeMessage('getMessages')
  getMessages(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: GetMessagesDto): Promise<MessagePage> {
    return this.messages.history(socket.data.userId, dto.chatRoomId, dto);
  }

  @SubscribeMessage('getChatRooms')
  getChatRooms(@ConnectedSocket() socket: ChatSocket, @MessageBody() _dto: EmptyDto): Promise<ChatRoomView[]> {
    return this.rooms.listForUser(socket.data.userId);
  }

  @SubscribeMessage('typing')
  @RateLimit('typing')
  async setTyping(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: TypingDto): Promise<TypingPayload> {
    // The socket's room subscription is the membership cache; the database decides when it is absent.
    if (!socket.rooms.has(roomChannel(dto.chatRoomId))) {
      await this.rooms.requireParticipant(socket.data.userId, dto.chatRoomId);
    }
    if (dto.isTyping) await this.typing.start(socket.data.userId, dto.chatRoomId);
    else await this.typing.stop(socket.data.userId, dto.chatRoomId);
    return { chatRoomId: dto.chatRoomId, isTyping: dto.isTyping };
  }

  @SubscribeMessage('getOnlineUsers')
  getOnlineUsers(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() dto: GetOnlineUsersDto,
  ): Promise<{ userIds: string[] }> {
    return this.presence.getOnlineUsers(socket.data.userId, dto.userIds);
  }

  @SubscribeMessage('markAsDelivered')
  markAsDelivered(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: MarkMessageDto): Promise<ReadState> {
    return this.receipts.markAsDelivered(socket.data.userId, dto.chatRoomId, dto.messageId);
  }

  @SubscribeMessage('markAsRead')
  markAsRead(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: MarkMessageDto): Promise<ReadState> {
    return this.receipts.markAsRead(socket.data.userId, dto.chatRoomId, dto.messageId);
  }

  /** After a logout-all: tell every socket of the user, on every node, then disconnect them (no auto-reconnect). */
  private endSessions(userId: string): void {
    if (!this.namespace) return;
    this.namespace.to(userChannel(userId)).emit('exception', { code: 'UNAUTHORIZED', message: 'Logged out' });
    this.namespace.in(userChannel(userId)).disconnectSockets(true);
  }

  private async resubscribeAll(): Promise<void> {
    for (const socket of this.namespace?.sockets.values() ?? []) {
      const ids = new Set((await this.rooms.roomIdsForUser(socket.data.userId)).map(roomChannel));
      for (const room of socket.rooms) if (room.startsWith('chat:') && !ids.has(room)) await socket.leave(room);
      await socket.join([...ids]);
    }
  }

  /** False when the token was revoked (logout-all) or its user no longer exists. */
  private async subscribe(socket: ChatSocket): Promise<boolean> {
    // The user channel first: a room created from now on reaches this socket through it.
    await socket.join(userChannel(socket.data.userId));
    const [version, ids] = await Promise.all([
      this.users.tokenVersion(socket.data.userId),
      this.rooms.roomIdsForUser(socket.data.userId),
    ]);
    if (version === undefined || version !== socket.data.tokenVersion) {
      await socket.leave(userChannel(socket.data.userId));
      return false;
    }
    if (ids.length > 0) await socket.join(ids.map(roomChannel));
    return true;
  }
}
