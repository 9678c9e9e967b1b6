import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import type { MuteState } from '../contract/chat.events';
import { NotificationsService } from '../notifications/notifications.service';
import { PrismaService } from '../persistence/prisma.service';
import { ChatEmitter } from '../realtime/chat.emitter';
import { ChatRoomsService } from '../rooms/chat-rooms.service';
import { MUTED_FOREVER } from '../rooms/chat-room.mapper';

/**
 * Per user and room: while muted, the OfflineNotifier is not told about the
 * room's messages for that user. Nothing else changes (unread counts,
 * broadcasts to connected sockets). The user's own sockets get
 * `chatRoomMuteChanged`; nobody else learns of it.
 */
@Injectable()
export class MutesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly rooms: ChatRoomsService,
    private readonly notifications: NotificationsService,
    private readonly emitter: ChatEmitter,
  ) {}

  /** Mutes the room for the user until `until` (a future time), or until unmuted when absent. */
  async mute(userId: string, chatRoomId: string, until?: string | Date): Promise<MuteState> {
    const end = until === undefined ? MUTED_FOREVER : new Date(until);
    if (Number.isNaN(end.getTime()) || end.getTime() <= Date.now() || end > MUTED_FOREVER) {
      throw AppError.validation('until must be a time in the future', [
        { field: 'until', errors: ['until must be a time in the future'] },
      ]);
    }
    return this.set(userId, chatRoomId, end);
  }

  async unmute(userId: string, chatRoomId: string): Promise<MuteState> {
    return this.set(userId, chatRoomId, null);
  }

  private async set(userId: string, chatRoomId: string, mutedUntil: Date | null): Promise<MuteState> {
    const before = await this.rooms.requireParticipant(userId, chatRoomId);
    const state: MuteState = { chatRoomId, mutedUntil: mutedUntil?.toISOString() ?? null };
    if (before.mutedUntil?.getTime() === mutedUntil?.getTime()) return state;
    await this.prisma.chatRoomParticipant.update({
      where: { chatRoomId_userId: { chatRoomId, userId } },
      data: { mutedUntil },
    });
    this.notifications.forgetMembers(chatRoomId);
    this.emitter.toUsers([userId], 'chatRoomMuteChanged', state);
    return state;
  }
}
