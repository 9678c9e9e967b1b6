import { OnModuleDestroy, UseFilters, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import { MetadataScanner } from '@nestjs/core';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
} from '@nestjs/websockets';
import { MESSAGE_METADATA } from '@nestjs/websockets/constants';
import { AppError, ErrorCode } from '../common/app-error';
import { createValidationPipe } from '../common/validation';
import {
  Ack,
  BlockedUser,
  ChatRoomRef,
  ChatRoomView,
  MessageDeletedEvent,
  MessagePage,
  MessagePinEvent,
  MessageView,
  MuteState,
  ReactionEvent,
  SearchPage,
  SyncResult,
  ReactionPage,
  ReadState,
  roomChannel,
  TypingPayload,
} from '../contract/chat.events';
import { MessagesService } from '../messages/messages.service';
import {
  EditMessageDto,
  GetMessagesDto,
  GetThreadDto,
  MessageRefDto,
  SendMessageDto,
} from '../messages/dto/message.dto';
import { SearchMessagesDto } from '../search/dto/search.dto';
import { SearchService } from '../search/search.service';
import { SyncDto } from '../events/dto/sync.dto';
import { SyncService } from '../events/sync.service';
import { GetOnlineUsersDto } from '../presence/dto/presence.dto';
import { PresenceService } from '../presence/presence.service';
import { MarkMessageDto } from '../receipts/dto/mark-message.dto';
import { MuteChatRoomDto } from '../mutes/dto/mute.dto';
import { BlockUserDto } from '../blocks/dto/block.dto';
import { BlocksService } from '../blocks/blocks.service';
import { MutesService } from '../mutes/mutes.service';
import { RateLimit, RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { ReceiptsService } from '../receipts/receipts.service';
import { GetReactionsDto, ReactionDto } from '../reactions/dto/reaction.dto';
import { PinsService } from '../pins/pins.service';
import { ReactionsService } from '../reactions/reactions.service';
import { ChatRoomsService } from '../rooms/chat-rooms.service';
import { TypingDto } from '../typing/dto/typing.dto';
import { TypingService } from '../typing/typing.service';
import {
  AddParticipantsDto,
  ChatRoomRefDto,
  CreateChatRoomDto,
  EmptyDto,
  RemoveParticipantDto,
  UpdateChatRoomDto,
} from '../rooms/dto/chat-room.dto';
import { ChatConnections } from './chat-connections';
import type { ChatNamespace, ChatSocket } from '../realtime/chat-socket';
import { WsAckInterceptor } from './ws-ack.interceptor';
import { WsExceptionFilter } from './ws-exception.filter';
import { WsAuthGuard } from './ws-auth.guard';

/**
 * The chat namespace. Thin on purpose: validate, take the user from the
 * authenticated socket (never from the payload), call a service, return its
 * result as the ack. Broadcasting happens in the services via ChatEmitter, so
 * REST and host-module calls broadcast exactly the same way. ChatModule
 * registers a subclass of it decorated with the configured namespace.
 */
@UseGuards(WsAuthGuard, RateLimitGuard)
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
  constructor(
    private readonly connections: ChatConnections,
    private readonly rooms: ChatRoomsService,
    private readonly messages: MessagesService,
    private readonly presence: PresenceService,
    private readonly typing: TypingService,
    private readonly receipts: ReceiptsService,
    private readonly reactions: ReactionsService,
    private readonly pins: PinsService,
    private readonly mutes: MutesService,
    private readonly blocks: BlocksService,
    private readonly search: SearchService,
    private readonly syncs: SyncService,
  ) {}

  afterInit(namespace: ChatNamespace): void {
    this.connections.attach(namespace);
  }

  handleConnection(socket: ChatSocket): void {
    this.connections.connected(socket);
    this.answerUnknownEvents(socket);
  }

  handleDisconnect(socket: ChatSocket): void {
    this.connections.disconnected(socket);
  }

  /** Graceful shutdown: see ChatConnections.shutdown. */
  onModuleDestroy(): Promise<void> {
    return this.connections.shutdown();
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
    const channel = roomChannel(dto.chatRoomId);
    if (socket.rooms.has(channel)) return room;
    await socket.join(channel);
    // A removal committed between the check and the join sent its leave before the join: check again.
    try {
      await this.rooms.requireParticipant(socket.data.userId, dto.chatRoomId);
    } catch (error) {
      await socket.leave(channel);
      throw error;
    }
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

  @SubscribeMessage('getThread')
  getThread(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: GetThreadDto): Promise<MessagePage> {
    return this.messages.thread(socket.data.userId, dto.messageId, dto);
  }

  @SubscribeMessage('searchMessages')
  @RateLimit('search')
  searchMessages(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: SearchMessagesDto): Promise<SearchPage> {
    return this.search.search(socket.data.userId, dto);
  }

  @SubscribeMessage('sync')
  sync(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: SyncDto): Promise<SyncResult> {
    return this.syncs.sync(socket.data.userId, dto);
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

  @SubscribeMessage('addReaction')
  @RateLimit('messages')
  async addReaction(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: ReactionDto): Promise<ReactionEvent> {
    return (await this.reactions.add(socket.data.userId, dto.messageId, dto.emoji)).reaction;
  }

  @SubscribeMessage('removeReaction')
  @RateLimit('messages')
  removeReaction(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: ReactionDto): Promise<ReactionEvent> {
    return this.reactions.remove(socket.data.userId, dto.messageId, dto.emoji);
  }

  @SubscribeMessage('getReactions')
  getReactions(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: GetReactionsDto): Promise<ReactionPage> {
    return this.reactions.list(socket.data.userId, dto.messageId, dto.emoji, dto);
  }

  @SubscribeMessage('pinMessage')
  @RateLimit('messages')
  async pinMessage(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: MessageRefDto): Promise<MessagePinEvent> {
    return (await this.pins.pin(socket.data.userId, dto.messageId)).pin;
  }

  @SubscribeMessage('unpinMessage')
  @RateLimit('messages')
  unpinMessage(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: MessageRefDto): Promise<MessageDeletedEvent> {
    return this.pins.unpin(socket.data.userId, dto.messageId);
  }

  @SubscribeMessage('getPinnedMessages')
  getPinnedMessages(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: ChatRoomRefDto): Promise<MessageView[]> {
    return this.pins.list(socket.data.userId, dto.chatRoomId);
  }

  @SubscribeMessage('markAsUnread')
  markAsUnread(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: MarkMessageDto): Promise<ReadState> {
    return this.receipts.markAsUnread(socket.data.userId, dto.chatRoomId, dto.messageId);
  }

  @SubscribeMessage('muteChatRoom')
  @RateLimit('rooms')
  muteChatRoom(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: MuteChatRoomDto): Promise<MuteState> {
    return this.mutes.mute(socket.data.userId, dto.chatRoomId, dto.until);
  }

  @SubscribeMessage('unmuteChatRoom')
  @RateLimit('rooms')
  unmuteChatRoom(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: ChatRoomRefDto): Promise<MuteState> {
    return this.mutes.unmute(socket.data.userId, dto.chatRoomId);
  }

  @SubscribeMessage('blockUser')
  @RateLimit('rooms')
  blockUser(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: BlockUserDto): Promise<BlockedUser> {
    return this.blocks.block(socket.data.userId, dto.userId);
  }

  @SubscribeMessage('unblockUser')
  @RateLimit('rooms')
  unblockUser(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: BlockUserDto): Promise<{ userId: string }> {
    return this.blocks.unblock(socket.data.userId, dto.userId);
  }

  @SubscribeMessage('getBlockedUsers')
  getBlockedUsers(@ConnectedSocket() socket: ChatSocket, @MessageBody() _dto: EmptyDto): Promise<BlockedUser[]> {
    return this.blocks.list(socket.data.userId);
  }

  /**
   * An event no handler takes would otherwise get no answer, and a typo would
   * cost the caller its whole ack timeout. Here, rather than in an adapter,
   * so it works with Nest's IoAdapter and ChatIoAdapter alike. No ack, no answer.
   */
  private answerUnknownEvents(socket: ChatSocket): void {
    const handled = subscribedEvents(this);
    socket.onAny((event: unknown, ...args: unknown[]) => {
      const ack = args[args.length - 1];
      if (typeof ack !== 'function' || (typeof event === 'string' && handled.has(event))) return;
      const name = String(event).slice(0, MAX_EVENT_NAME_ECHO);
      (ack as (response: Ack<never>) => void)({
        ok: false,
        error: new AppError(ErrorCode.UNKNOWN_EVENT, `Unknown event "${name}"`).toBody(),
      });
    });
  }
}

/** How much of an unknown event's name the answer repeats. */
const MAX_EVENT_NAME_ECHO = 64;
const handledEvents = new WeakMap<object, Set<string>>();

/** The events a gateway class handles, as its @SubscribeMessage decorators declare them (once per class). */
function subscribedEvents(gateway: object): Set<string> {
  const prototype = Object.getPrototypeOf(gateway) as object;
  let events = handledEvents.get(prototype);
  if (!events) {
    events = new Set<string>();
    for (const name of new MetadataScanner().getAllMethodNames(prototype)) {
      const method = (prototype as Record<string, unknown>)[name];
      const event: unknown = typeof method === 'function' ? Reflect.getMetadata(MESSAGE_METADATA, method) : undefined;
      if (typeof event === 'string') events.add(event);
    }
    handledEvents.set(prototype, events);
  }
  return events;
}
