import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import type { Prisma } from '../persistence/generated/prisma/client';
import { PrismaService } from '../persistence/prisma.service';
import { ChatEmitter } from '../realtime/chat.emitter';
import type { DeliveryStatus, ReadState } from '../contract/chat.events';
import { unreadCount } from '../rooms/chat-room.mapper';
import { ChatRoomsService } from '../rooms/chat-rooms.service';

interface CursorRow {
  lastReadSeq: number;
  lastDeliveredSeq: number;
  lastSeq: number;
}

export interface UnreadSummary {
  unreadCount: number;
  chatRooms: { chatRoomId: string; unreadCount: number }[];
}

/**
 * Delivered and read cursors per participant. They only move forward (a
 * mark behind the cursor changes nothing and broadcasts nothing); reading
 * implies delivery. Each move is broadcast as `messageStatus` to the room.
 */
@Injectable()
export class ReceiptsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly rooms: ChatRoomsService,
    private readonly emitter: ChatEmitter,
  ) {}

  markAsDelivered(userId: string, chatRoomId: string, messageId: string): Promise<ReadState> {
    return this.mark(userId, chatRoomId, messageId, 'delivered');
  }

  markAsRead(userId: string, chatRoomId: string, messageId: string): Promise<ReadState> {
    return this.mark(userId, chatRoomId, messageId, 'read');
  }

  /**
   * Moves the user's read cursor back to just before the message (seq − 1),
   * never forward; the delivered cursor stays. The user's own sockets get
   * `readStateChanged`. The room is not told: read receipts others were
   * shown stay shown (the message was read), and the next markAsRead past
   * the cursor reports `read` to the room again, which changes nothing there.
   */
  async markAsUnread(userId: string, chatRoomId: string, messageId: string): Promise<ReadState> {
    const seq = await this.seqOf(userId, chatRoomId, messageId);
    const { state, moved } = await this.prisma.$transaction(async (tx) => {
      const row = await this.lockCursor(tx, userId, chatRoomId);
      const lastReadSeq = Math.min(row.lastReadSeq, seq - 1);
      if (lastReadSeq !== row.lastReadSeq) {
        await tx.chatRoomParticipant.update({
          where: { chatRoomId_userId: { chatRoomId, userId } },
          data: { lastReadSeq },
        });
      }
      const state: ReadState = {
        chatRoomId,
        lastDeliveredSeq: row.lastDeliveredSeq,
        lastReadSeq,
        unreadCount: unreadCount(row, { lastReadSeq }),
      };
      return { state, moved: lastReadSeq !== row.lastReadSeq };
    });
    if (moved) this.emitter.toUsers([userId], 'readStateChanged', state);
    return state;
  }

  /** Unread per room from the cursors and each room's lastSeq: no message scan. */
  async unreadCounts(userId: string): Promise<UnreadSummary> {
    const rows = await this.prisma.chatRoomParticipant.findMany({
      where: { userId },
      select: { chatRoomId: true, lastReadSeq: true, chatRoom: { select: { lastSeq: true } } },
    });
    const chatRooms = rows.map((r) => ({
      chatRoomId: r.chatRoomId,
      unreadCount: unreadCount(r.chatRoom, r),
    }));
    return { unreadCount: chatRooms.reduce((sum, r) => sum + r.unreadCount, 0), chatRooms };
  }

  private async mark(
    userId: string,
    chatRoomId: string,
    messageId: string,
    status: DeliveryStatus,
  ): Promise<ReadState> {
    const seq = await this.seqOf(userId, chatRoomId, messageId);

    const { before, after, lastSeq } = await this.prisma.$transaction(async (tx) => {
      const row = await this.lockCursor(tx, userId, chatRoomId);
      const next = {
        lastDeliveredSeq: Math.max(row.lastDeliveredSeq, seq),
        lastReadSeq: status === 'read' ? Math.max(row.lastReadSeq, seq) : row.lastReadSeq,
      };
      if (next.lastDeliveredSeq !== row.lastDeliveredSeq || next.lastReadSeq !== row.lastReadSeq) {
        await tx.chatRoomParticipant.update({ where: { chatRoomId_userId: { chatRoomId, userId } }, data: next });
      }
      return { before: row, after: next, lastSeq: row.lastSeq };
    });

    const at = new Date().toISOString();
    if (after.lastDeliveredSeq > before.lastDeliveredSeq) {
      this.emitter.toRoom(chatRoomId, 'messageStatus', { chatRoomId, messageId, userId, status: 'delivered', at });
    }
    if (after.lastReadSeq > before.lastReadSeq) {
      this.emitter.toRoom(chatRoomId, 'messageStatus', { chatRoomId, messageId, userId, status: 'read', at });
    }
    return { chatRoomId, ...after, unreadCount: unreadCount({ lastSeq }, after) };
  }

  /** The message's seq; the user must be in the room and the message in that room (NOT_FOUND otherwise). */
  private async seqOf(userId: string, chatRoomId: string, messageId: string): Promise<number> {
    await this.rooms.requireParticipant(userId, chatRoomId);
    const message = await this.prisma.message.findFirst({
      where: { id: messageId, chatRoomId },
      select: { seq: true },
    });
    if (!message) throw AppError.notFound('Message');
    return message.seq;
  }

  /** Locks the cursor row, so concurrent marks see each other and each move is reported once. */
  private async lockCursor(tx: Prisma.TransactionClient, userId: string, chatRoomId: string): Promise<CursorRow> {
    const [row] = await tx.$queryRaw<CursorRow[]>`
      SELECT p."lastReadSeq", p."lastDeliveredSeq", r."lastSeq"
        FROM ${this.prisma.table('ChatRoomParticipant')} p JOIN ${this.prisma.table('ChatRoom')} r ON r."id" = p."chatRoomId"
       WHERE p."chatRoomId" = ${chatRoomId}::uuid AND p."userId" = ${userId}
         FOR UPDATE OF p`;
    if (!row) throw AppError.forbidden('You are not a participant of this chat room');
    return row;
  }
}
