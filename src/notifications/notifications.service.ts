import { Injectable } from '@nestjs/common';
import { ChatEmitter } from '../realtime/chat.emitter';
import type { MessageView } from '../contract/chat.events';
import { PresenceStore } from '../presence/presence.store';
import { ChatRoomsService } from '../rooms/chat-rooms.service';

interface Member {
  userId: string;
  mutedUntil: Date | null;
}

/** How long a room's member list is reused for offline lookups (one query per room per window, not per message). */
const MEMBERS_TTL_MS = 2000;

@Injectable()
export class NotificationsService {
  private readonly members = new Map<string, { rows: Promise<Member[]>; until: number }>();

  constructor(
    private readonly emitter: ChatEmitter,
    private readonly presence: PresenceStore,
    private readonly rooms: ChatRoomsService,
  ) {}

  /** Pushes `notification { type, payload, createdAt }` to every socket of the user, wherever connected. */
  notifyUser<T>(userId: string, type: string, payload: T): void {
    this.emitter.toUsers([userId], 'notification', { type, payload, createdAt: new Date().toISOString() });
  }

  /**
   * For each stored message, the participants to tell (see
   * OfflineNotifications): not the sender, not those with a connected socket
   * anywhere, and not those who muted the room unless it mentions them.
   * Presence is asked once per room, whatever the number of its messages.
   */
  async offlineRecipients(
    messages: Pick<MessageView, 'chatRoomId' | 'senderId' | 'mentionedUserIds'>[],
  ): Promise<string[][]> {
    const now = new Date();
    const rooms = [...new Set(messages.map((m) => m.chatRoomId))];
    const offline = new Map(
      await Promise.all(
        rooms.map(async (chatRoomId) => {
          const members = await this.membersOf(chatRoomId);
          const online = new Set(await this.presence.onlineAmong(members.map((m) => m.userId)));
          return [chatRoomId, members.filter((m) => !online.has(m.userId))] as const;
        }),
      ),
    );
    return messages.map((message) => {
      const mentioned = new Set(message.mentionedUserIds);
      return offline
        .get(message.chatRoomId)!
        .filter(
          (m) => m.userId !== message.senderId && (mentioned.has(m.userId) || !(m.mutedUntil && m.mutedUntil > now)),
        )
        .map((m) => m.userId);
    });
  }

  /**
   * A room's members and their mutes, cached briefly: under load a room
   * sends many messages a second. A member added in the last MEMBERS_TTL_MS
   * may miss an offline notification; their unread count and history are
   * unaffected. A mute changed on this process applies at once (see
   * forgetMembers), on other processes within MEMBERS_TTL_MS.
   */
  private membersOf(chatRoomId: string): Promise<Member[]> {
    const now = Date.now();
    const cached = this.members.get(chatRoomId);
    if (cached && cached.until > now) return cached.rows;
    if (this.members.size > 10_000) this.members.clear();
    const rows = this.rooms.membersWithMutes(chatRoomId);
    this.members.set(chatRoomId, { rows, until: now + MEMBERS_TTL_MS });
    rows.catch(() => this.members.delete(chatRoomId));
    return rows;
  }

  /** Drops the room's cached members: a mute changed. */
  forgetMembers(chatRoomId: string): void {
    this.members.delete(chatRoomId);
  }
}
