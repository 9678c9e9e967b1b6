import { Injectable } from '@nestjs/common';
import type { ChatRoomView, MessageView } from '../contract/chat.events';
import { toMessageResponse } from '../messages/message.mapper';
import { PrismaService } from '../persistence/prisma.service';
import { ChatEmitter } from '../realtime/chat.emitter';
import { ChatUsersService } from '../users/chat-users.service';
import { RoomWithParticipants, toChatRoomResponse } from './chat-room.mapper';

/**
 * Room views as each participant sees them (their own unread count), with
 * names from the host's user directory and the newest message, and the
 * broadcasts that carry them.
 */
@Injectable()
export class ChatRoomViews {
  constructor(
    private readonly prisma: PrismaService,
    private readonly users: ChatUsersService,
    private readonly emitter: ChatEmitter,
  ) {}

  async view(room: RoomWithParticipants, viewerId: string): Promise<ChatRoomView> {
    return (await this.views([room], viewerId))[0];
  }

  /** One view per room, for one viewer, with one directory lookup and one query for the last messages. */
  async views(rooms: RoomWithParticipants[], viewerId: string): Promise<ChatRoomView[]> {
    const [profiles, lastMessages] = await Promise.all([
      this.users.profiles(rooms.flatMap((r) => r.participants.map((p) => p.userId))),
      this.lastMessages(rooms),
    ]);
    return rooms.map((room) => toChatRoomResponse(room, viewerId, lastMessages.get(room.id) ?? null, profiles));
  }

  /** chatRoomCreated to each of `userIds` (with their own unread count) after joining their sockets. */
  async announce(room: RoomWithParticipants, userIds: string[]): Promise<void> {
    this.emitter.joinRoom(userIds, room.id);
    await this.sendEach(room, userIds, 'chatRoomCreated');
  }

  /** chatRoomUpdated to every participant, each with their own view. */
  async broadcastUpdated(room: RoomWithParticipants): Promise<void> {
    await this.sendEach(
      room,
      room.participants.map((p) => p.userId),
      'chatRoomUpdated',
    );
  }

  private async sendEach(
    room: RoomWithParticipants,
    userIds: string[],
    event: 'chatRoomCreated' | 'chatRoomUpdated',
  ): Promise<void> {
    const [profiles, lastMessages] = await Promise.all([
      this.users.profiles(room.participants.map((p) => p.userId)),
      this.lastMessages([room]),
    ]);
    const lastMessage = lastMessages.get(room.id) ?? null;
    for (const id of userIds) this.emitter.toUsers([id], event, toChatRoomResponse(room, id, lastMessage, profiles));
  }

  private async lastMessages(rooms: RoomWithParticipants[]): Promise<Map<string, MessageView>> {
    const withMessages = rooms.filter((r) => r.lastSeq > 0);
    if (withMessages.length === 0) return new Map();
    const messages = await this.prisma.message.findMany({
      where: { OR: withMessages.map((r) => ({ chatRoomId: r.id, seq: r.lastSeq })) },
    });
    return new Map(messages.map((m) => [m.chatRoomId, toMessageResponse(m)]));
  }
}
