import { Injectable } from '@nestjs/common';
import type { ChatRoomView, MessageView, ParticipantView } from '../contract/chat.events';
import { toMessageResponse } from '../messages/message.mapper';
import type { ChatRoomParticipant } from '../persistence/generated/prisma/client';
import { PrismaService } from '../persistence/prisma.service';
import { ChatEmitter } from '../realtime/chat.emitter';
import { ChatUsersService } from '../users/chat-users.service';
import { RoomWithParticipants, toChatRoomResponse, toParticipantResponse, unreadCount } from './chat-room.mapper';

/**
 * Room views as each participant sees them (their own unread count), with
 * names from the host's user directory and the newest message, and the one
 * broadcast that carries a whole view: `chatRoomCreated`, to the users who
 * were just given the room. Every other room change is a delta (see
 * ChatRoomsService), because a view is O(participants) and one per member
 * would be O(participants²).
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

  /**
   * One view per room, for one viewer, with one directory lookup, one query
   * for the last messages and one for the unread mentions.
   */
  async views(rooms: RoomWithParticipants[], viewerId: string): Promise<ChatRoomView[]> {
    const [profiles, lastMessages, mentions] = await Promise.all([
      this.users.profiles(rooms.flatMap((r) => r.participants.map((p) => p.userId))),
      this.lastMessages(rooms),
      this.unreadMentions(rooms, viewerId),
    ]);
    return rooms.map((room) =>
      toChatRoomResponse(room, viewerId, lastMessages.get(room.id) ?? null, profiles, mentions.get(room.id) ?? 0),
    );
  }

  /** Per room, the messages after the viewer's read cursor that mention them (an index range per unread room). */
  private async unreadMentions(rooms: RoomWithParticipants[], viewerId: string): Promise<Map<string, number>> {
    const unread = rooms.flatMap((room) => {
      const cursor = room.participants.find((p) => p.userId === viewerId)?.lastReadSeq;
      return cursor !== undefined && room.lastSeq > cursor ? [{ chatRoomId: room.id, seq: { gt: cursor } }] : [];
    });
    if (unread.length === 0) return new Map();
    const counts = await this.prisma.messageMention.groupBy({
      by: ['chatRoomId'],
      where: { userId: viewerId, OR: unread },
      _count: { _all: true },
    });
    return new Map(counts.map((c) => [c.chatRoomId, c._count._all]));
  }

  /** Some participants of the room, as its view lists them, in the order of `userIds`. */
  async participants(room: RoomWithParticipants, userIds: string[]): Promise<ParticipantView[]> {
    const profiles = await this.users.profiles(userIds);
    const byUser = participantsByUser(room);
    return userIds.flatMap((id) => {
      const participant = byUser.get(id);
      return participant ? [toParticipantResponse(participant, profiles)] : [];
    });
  }

  /**
   * chatRoomCreated to `userIds` after joining their sockets. A view differs
   * between users only by the unread count, and the users given a room share
   * their read cursor (a new room, or newcomers who start with the history
   * read): so one view, serialized once, normally fits them all.
   */
  async announce(room: RoomWithParticipants, userIds: string[]): Promise<void> {
    this.emitter.joinRoom(userIds, room.id);
    const byUser = participantsByUser(room);
    const byUnread = new Map<number, string[]>();
    for (const id of userIds) {
      const unread = unreadCount(room, byUser.get(id));
      const group = byUnread.get(unread);
      if (group) group.push(id);
      else byUnread.set(unread, [id]);
    }
    const [profiles, lastMessages] = await Promise.all([
      this.users.profiles(room.participants.map((p) => p.userId)),
      this.lastMessages([room]),
    ]);
    const lastMessage = lastMessages.get(room.id) ?? null;
    for (const ids of byUnread.values()) {
      // Their cursor is at the room's newest message (see ChatRoomsService): no unread mentions.
      this.emitter.toUsers(ids, 'chatRoomCreated', toChatRoomResponse(room, ids[0], lastMessage, profiles, 0));
    }
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

function participantsByUser(room: RoomWithParticipants): Map<string, ChatRoomParticipant> {
  return new Map(room.participants.map((p) => [p.userId, p]));
}
