import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/app-error';
import type { MaybeStamped, MessageDeletedEvent, MessagePinEvent, MessageView } from '../contract/chat.events';
import { RoomEventLog } from '../events/room-event-log';
import { MessageLocks } from '../messages/message-locks';
import { MessageViews } from '../messages/message-views';
import { MessagesService } from '../messages/messages.service';
import type { Message, PinnedMessage } from '../persistence/generated/prisma/client';
import { PrismaService } from '../persistence/prisma.service';
import { ChatEmitter } from '../realtime/chat.emitter';
import { ChatRoomsService } from '../rooms/chat-rooms.service';

/** Pins one room can hold; one more is refused with LIMIT_REACHED. */
export const MAX_PINS_PER_ROOM = 50;

export interface PinResult {
  /** With its eventSeq when it was pinned now. */
  pin: MaybeStamped<MessagePinEvent>;
  /** False when the message was already pinned: the existing pin, nothing broadcast. */
  created: boolean;
}

const toPinEvent = (pin: PinnedMessage): MessagePinEvent => ({
  chatRoomId: pin.chatRoomId,
  messageId: pin.messageId,
  pinnedBy: pin.pinnedBy,
  pinnedAt: pin.pinnedAt.toISOString(),
});

/**
 * Pinned messages: by the owner or an admin of a group, by either member of
 * a DIRECT room. Pinning and unpinning are broadcast to the room
 * (`messagePinned` / `messageUnpinned`) when they changed something;
 * deleting a message unpins it (MessagesService.delete).
 */
@Injectable()
export class PinsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly messages: MessagesService,
    private readonly rooms: ChatRoomsService,
    private readonly views: MessageViews,
    private readonly emitter: ChatEmitter,
    private readonly locks: MessageLocks,
    private readonly events: RoomEventLog,
  ) {}

  async pin(userId: string, messageId: string): Promise<PinResult> {
    const message = await this.requirePinner(userId, messageId);
    if (message.deletedAt) throw AppError.conflict('The message was deleted');
    // The count and the insert are serialized per room (a PostgreSQL advisory lock, not the room row, which
    // the message writer skips when locked), so concurrent pins cannot pass the cap.
    const result = await this.prisma.$transaction(async (tx) => {
      await this.locks.pins.lock(tx, message.chatRoomId);
      const current = await tx.message.findUnique({ where: { id: message.id }, select: { deletedAt: true } });
      if (!current || current.deletedAt) throw AppError.conflict('The message was deleted');
      const existing = await tx.pinnedMessage.findUnique({ where: { messageId: message.id } });
      if (existing) return { pin: existing, created: false, eventSeq: null };
      const count = await tx.pinnedMessage.count({ where: { chatRoomId: message.chatRoomId } });
      if (count >= MAX_PINS_PER_ROOM) {
        throw new AppError(ErrorCode.LIMIT_REACHED, `A room can have at most ${MAX_PINS_PER_ROOM} pinned messages`, {
          limit: MAX_PINS_PER_ROOM,
        });
      }
      const pin = await tx.pinnedMessage.create({
        data: { messageId: message.id, chatRoomId: message.chatRoomId, pinnedBy: userId },
      });
      const eventSeq = await this.events.appendOne(tx, message.chatRoomId, 'messagePinned', toPinEvent(pin));
      return { pin, created: true, eventSeq };
    });
    if (result.eventSeq === null) return { pin: toPinEvent(result.pin), created: false };
    const pin = { ...toPinEvent(result.pin), eventSeq: result.eventSeq };
    this.emitter.toRoom(message.chatRoomId, 'messagePinned', pin);
    return { pin, created: true };
  }

  /** Unpinning a message that is not pinned is harmless. */
  async unpin(userId: string, messageId: string): Promise<MaybeStamped<MessageDeletedEvent>> {
    const message = await this.requirePinner(userId, messageId);
    const result = { chatRoomId: message.chatRoomId, messageId: message.id };
    const logged = await this.prisma.$transaction(async (tx) => {
      await this.locks.pins.lock(tx, message.chatRoomId);
      const pin = await tx.pinnedMessage.findUnique({ where: { messageId: message.id } });
      if (!pin) return [];
      await tx.pinnedMessage.delete({ where: { messageId: message.id } });
      return this.events.appendAll(tx, message.chatRoomId, [
        { type: 'messageUnpinned', data: { ...toPinEvent(pin), unpinnedBy: userId } },
      ]);
    });
    this.emitter.roomEvents(message.chatRoomId, logged);
    return logged.length > 0 ? { ...result, eventSeq: logged[0].eventSeq } : result;
  }

  /** The room's pinned messages, newest pin first, as the viewer sees them. */
  async list(userId: string, chatRoomId: string): Promise<MessageView[]> {
    await this.rooms.requireParticipant(userId, chatRoomId);
    const pins = await this.prisma.pinnedMessage.findMany({
      where: { chatRoomId },
      orderBy: [{ pinnedAt: 'desc' }, { messageId: 'asc' }],
      include: { message: true },
      take: MAX_PINS_PER_ROOM,
    });
    return this.views.views(
      pins.map((p) => p.message),
      userId,
    );
  }

  /** The message, if the user may pin it: OWNER or ADMIN of a group, either member of a DIRECT room. */
  private async requirePinner(userId: string, messageId: string): Promise<Message> {
    const message = await this.messages.requireVisible(userId, messageId);
    const me = await this.rooms.requireParticipant(userId, message.chatRoomId);
    if (me.roomType === 'GROUP' && me.role !== 'OWNER' && me.role !== 'ADMIN') {
      throw AppError.forbidden('Only the owner or an admin can pin messages in a group');
    }
    return message;
  }
}
