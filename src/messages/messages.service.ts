import { Injectable } from '@nestjs/common';
import { codePointLength } from '../common/code-points.validator';
import { unstorableFields, unstorableMessage } from '../common/storable-text';
import { AppError } from '../common/app-error';
import { ChatConfig } from '../config/chat-config';
import type { Message } from '../persistence/generated/prisma/client';
import { PrismaService } from '../persistence/prisma.service';
import { ChatEmitter } from '../realtime/chat.emitter';
import type { Attachment, MessagePage, MessageType, MessageView } from '../contract/chat.events';
import { NotificationsService } from '../notifications/notifications.service';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { ChatRoomsService, directKey } from '../rooms/chat-rooms.service';
import { TypingService } from '../typing/typing.service';
import { toMessageResponse } from './message.mapper';
import { MessageLocks } from './message-locks';
import { MessageViews } from './message-views';
import { MessageWriter } from './message-writer';

export const DEFAULT_PAGE_SIZE = 50;

/** What a message is made of, whoever sends it (socket, REST or a host module). */
export interface SendMessageInput {
  chatRoomId?: string;
  recipientId?: string;
  content?: string;
  /** SYSTEM is accepted from host code only; client DTOs refuse it. */
  type?: MessageType;
  attachments?: Attachment[];
  clientMessageId?: string;
}

export interface SendResult {
  message: MessageView;
  /** False when `clientMessageId` repeated an earlier send: the first message is returned, nothing is broadcast. */
  created: boolean;
}

export interface HistoryQuery {
  beforeSeq?: number;
  afterSeq?: number;
  limit?: number;
}

@Injectable()
export class MessagesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly rooms: ChatRoomsService,
    private readonly emitter: ChatEmitter,
    private readonly config: ChatConfig,
    private readonly typing: TypingService,
    private readonly notifications: NotificationsService,
    private readonly writer: MessageWriter,
    private readonly limits: RateLimitService,
    private readonly views: MessageViews,
    private readonly locks: MessageLocks,
  ) {}

  /**
   * Stores a message (through the group-commit writer) and broadcasts
   * `newMessage` to the room. Resolves only after the message is committed.
   * A repeated clientMessageId (also two at once) yields the first message
   * and no second broadcast.
   */
  async send(senderId: string, input: SendMessageInput): Promise<SendResult> {
    if ((input.chatRoomId === undefined) === (input.recipientId === undefined)) {
      const error = 'exactly one of chatRoomId and recipientId is required';
      throw AppError.validation(error, [
        { field: 'chatRoomId', errors: [error] },
        { field: 'recipientId', errors: [error] },
      ]);
    }
    if (input.recipientId === senderId) {
      throw AppError.validation('recipientId must be another user', [
        { field: 'recipientId', errors: ['cannot send a direct message to yourself'] },
      ]);
    }
    // The socket and REST validate this already; host code calling in does not pass through them.
    refuseUnstorable({
      content: input.content,
      clientMessageId: input.clientMessageId,
      attachments: input.attachments,
    });
    const type = input.type ?? 'TEXT';
    const attachments = input.attachments ?? [];
    const content = this.checkContent(input.content ?? '', attachments.length > 0);
    if ((type === 'IMAGE' || type === 'FILE') && attachments.length === 0) {
      throw AppError.validation(`a ${type} message needs at least one attachment`, [
        { field: 'attachments', errors: [`a ${type} message needs at least one attachment`] },
      ]);
    }

    const chatRoomId = input.chatRoomId ?? (await this.directRoomId(senderId, input.recipientId!));
    const result = await this.writer.write({
      chatRoomId,
      senderId,
      content,
      type,
      attachments,
      clientMessageId: input.clientMessageId ?? null,
    });
    if (result.kind === 'duplicate')
      return { message: await this.views.view(result.message, senderId), created: false };
    if (result.kind === 'refused') {
      // Nothing stored: the room is unknown or the sender is not in it; say which.
      await this.rooms.requireParticipant(senderId, chatRoomId);
      // Or the room is DIRECT and the other participant blocked the sender (see MessageWriter).
      await this.rooms.assertNotBlockedInDirect(senderId, chatRoomId);
      throw new Error(`message for ${chatRoomId} refused although the sender is a participant`);
    }
    const stored = result.message;
    const message = toMessageResponse(stored);
    this.emitter.toRoom(chatRoomId, 'newMessage', message);
    this.typing.stop(senderId, chatRoomId).catch(() => undefined);
    this.notifications.dispatchOffline(message);
    return { message, created: true };
  }

  async edit(userId: string, messageId: string, rawContent: string): Promise<MessageView> {
    const message = await this.requireVisible(userId, messageId);
    if (message.senderId !== userId) throw AppError.forbidden('Only the sender can edit a message');
    if (message.deletedAt) throw AppError.conflict('The message was deleted');
    refuseUnstorable({ content: rawContent });
    const content = this.checkContent(rawContent, (message.attachments as unknown[]).length > 0);
    const updated = await this.prisma.message.update({
      where: { id: messageId },
      data: { content, editedAt: new Date() },
    });
    // A broadcast has no single viewer: `me` is false in it, and the editor's ack says the same as the room sees.
    const view = await this.views.view(updated, null);
    this.emitter.toRoom(updated.chatRoomId, 'messageUpdated', view);
    return view;
  }

  /**
   * Soft delete: the seq stays (history has no holes), content, attachments
   * and reactions are cleared, and a pin is removed (`messageUnpinned`).
   * Repeating it is harmless.
   */
  async delete(userId: string, messageId: string): Promise<{ chatRoomId: string; messageId: string }> {
    const message = await this.requireVisible(userId, messageId);
    const result = { chatRoomId: message.chatRoomId, messageId };
    if (message.senderId !== userId) {
      const me = await this.rooms.requireParticipant(userId, message.chatRoomId);
      if (me.role !== 'OWNER' && me.role !== 'ADMIN') {
        throw AppError.forbidden('Only the sender, the owner or an admin can delete a message');
      }
    }
    if (message.deletedAt) return result;
    // Under the locks that reacting and pinning take: neither can slip in after the clearing.
    const { count, pin } = await this.prisma.$transaction(async (tx) => {
      await this.locks.pins.lock(tx, message.chatRoomId);
      await this.locks.reactions.lock(tx, messageId);
      const { count } = await tx.message.updateMany({
        where: { id: messageId, deletedAt: null },
        data: { deletedAt: new Date(), content: '', attachments: [] },
      });
      if (count === 0) return { count, pin: null };
      await tx.messageReaction.deleteMany({ where: { messageId } });
      const pin = await tx.pinnedMessage.findUnique({ where: { messageId } });
      if (pin) await tx.pinnedMessage.delete({ where: { messageId } });
      return { count, pin };
    });
    if (count === 0) return result;
    this.emitter.toRoom(message.chatRoomId, 'messageDeleted', result);
    if (pin) {
      this.emitter.toRoom(message.chatRoomId, 'messageUnpinned', {
        ...result,
        pinnedBy: pin.pinnedBy,
        pinnedAt: pin.pinnedAt.toISOString(),
        unpinnedBy: userId,
      });
    }
    return result;
  }

  /**
   * A page of history, ascending by seq. Default: the newest `limit`.
   * `beforeSeq`: the `limit` messages just older than it. `afterSeq`: the
   * `limit` messages just after it (catch-up after a reconnect). Both: the
   * range between them, from afterSeq on.
   */
  async history(userId: string, chatRoomId: string, query: HistoryQuery): Promise<MessagePage> {
    await this.rooms.requireParticipant(userId, chatRoomId);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const seq = {
      ...(query.beforeSeq !== undefined && { lt: query.beforeSeq }),
      ...(query.afterSeq !== undefined && { gt: query.afterSeq }),
    };
    const forward = query.afterSeq !== undefined;
    const rows = await this.prisma.message.findMany({
      where: { chatRoomId, seq },
      orderBy: { seq: forward ? 'asc' : 'desc' },
      take: limit + 1,
    });
    const hasMore = rows.length > limit;
    const page = rows.slice(0, limit);
    if (!forward) page.reverse();
    return { messages: await this.views.views(page, userId), hasMore };
  }

  // ---- helpers ----

  /** The pair's DIRECT room. Opening it counts against the sender's `rooms` limit, as createChatRoom does; finding it does not. */
  private async directRoomId(senderId: string, recipientId: string): Promise<string> {
    const existing = await this.prisma.chatRoom.findUnique({
      where: { directKey: directKey(senderId, recipientId) },
      select: { id: true },
    });
    if (existing) return existing.id;
    await this.limits.consume('rooms', senderId);
    return (await this.rooms.findOrCreateDirect(senderId, recipientId)).room.id;
  }

  private checkContent(raw: string, hasAttachments: boolean): string {
    const content = raw.trim();
    const max = this.config.limits.maxMessageLength;
    if (codePointLength(content) > max) {
      throw AppError.validation(`content must be at most ${max} characters`, [
        { field: 'content', errors: [`content must be at most ${max} characters`] },
      ]);
    }
    if (content.length === 0 && !hasAttachments) {
      throw AppError.validation('content must not be empty', [
        { field: 'content', errors: ['content must not be empty unless there are attachments'] },
      ]);
    }
    return content;
  }

  /** A message in a room the user belongs to; NOT_FOUND otherwise (no hint that it exists elsewhere). */
  async requireVisible(userId: string, messageId: string): Promise<Message> {
    const message = await this.prisma.message.findFirst({
      where: { id: messageId, chatRoom: { participants: { some: { userId } } } },
    });
    if (!message) throw AppError.notFound('Message');
    return message;
  }
}

/** Strings PostgreSQL cannot store (NUL, unpaired surrogates): VALIDATION_FAILED naming the fields, nothing written. */
function refuseUnstorable(fields: Record<string, unknown>): void {
  const bad = unstorableFields(fields);
  if (bad.length === 0) return;
  throw AppError.validation(
    unstorableMessage(bad.join(', ')),
    bad.map((field) => ({ field, errors: [unstorableMessage(field)] })),
  );
}
