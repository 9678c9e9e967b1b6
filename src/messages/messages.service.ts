import { Injectable } from '@nestjs/common';
import { codePointLength } from '../common/code-points.validator';
import { unstorableFields, unstorableMessage } from '../common/storable-text';
import { AppError } from '../common/app-error';
import { isChatId } from '../common/chat-id.validator';
import { ChatConfig } from '../config/chat-config';
import type { Message } from '../persistence/generated/prisma/client';
import { PrismaService } from '../persistence/prisma.service';
import { ChatEmitter } from '../realtime/chat.emitter';
import type {
  Attachment,
  MaybeStamped,
  MessageDeletedEvent,
  MessagePage,
  MessageType,
  MessageView,
  Stamped,
} from '../contract/chat.events';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { ChatRoomsService, directKey } from '../rooms/chat-rooms.service';
import { TypingService } from '../typing/typing.service';
import { toMessageResponse, toThreadSummary, type MessageExtras } from './message.mapper';
import { BeforeSend } from './before-send';
import { MessageLocks } from './message-locks';
import { MessageViews } from './message-views';
import { MessageWriter } from './message-writer';
import { RoomEventLog, type NewRoomEvent } from '../events/room-event-log';

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
  /** Quote a message of the same room (not deleted). */
  replyToId?: string;
  /** Reply in the thread of this root message of the same room. */
  threadId?: string;
  /** Room members to mention: distinct, at most MAX_MENTIONS. */
  mentions?: string[];
}

/** Most users one message mentions. */
export const MAX_MENTIONS = 50;

export interface SendResult {
  /** With the eventSeq of its newMessage event (also for a repeated clientMessageId: the first message's). */
  message: Stamped<MessageView>;
  /** False when `clientMessageId` repeated an earlier send: the first message is returned, nothing is broadcast. */
  created: boolean;
}

export interface HistoryQuery {
  beforeSeq?: number;
  afterSeq?: number;
  limit?: number;
  /** The main timeline only (no thread replies). */
  excludeThreadReplies?: boolean;
}

@Injectable()
export class MessagesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly rooms: ChatRoomsService,
    private readonly emitter: ChatEmitter,
    private readonly config: ChatConfig,
    private readonly typing: TypingService,
    private readonly beforeSend: BeforeSend,
    private readonly writer: MessageWriter,
    private readonly limits: RateLimitService,
    private readonly views: MessageViews,
    private readonly locks: MessageLocks,
    private readonly events: RoomEventLog,
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
      mentions: input.mentions,
    });
    const mentions = checkMentions(input.mentions ?? []);
    const type = input.type ?? 'TEXT';
    const attachments = input.attachments ?? [];
    const content = this.checkContent(input.content ?? '', attachments.length > 0);
    if ((type === 'IMAGE' || type === 'FILE') && attachments.length === 0) {
      throw AppError.validation(`a ${type} message needs at least one attachment`, [
        { field: 'attachments', errors: [`a ${type} message needs at least one attachment`] },
      ]);
    }

    const chatRoomId = input.chatRoomId ?? (await this.directRoomId(senderId, input.recipientId!, input, mentions));
    const quoted = await this.checkReferences(senderId, chatRoomId, input, mentions);
    const draft = {
      chatRoomId,
      senderId,
      content,
      type,
      attachments,
      clientMessageId: input.clientMessageId ?? null,
      replyToId: input.replyToId ?? null,
      threadId: input.threadId ?? null,
      mentions,
    };
    if (this.beforeSend.enabled && type !== 'SYSTEM') {
      // A repeat is answered as stored: the hook was asked about it the first time.
      const stored = draft.clientMessageId
        ? await this.prisma.message.findFirst({ where: { senderId, clientMessageId: draft.clientMessageId } })
        : null;
      if (stored) return this.repeated(stored, senderId);
      await this.rooms.requireParticipant(senderId, chatRoomId);
      const rewritten = await this.beforeSend.contentOf(draft);
      if (rewritten !== content) {
        refuseUnstorable({ content: rewritten });
        draft.content = this.checkContent(rewritten, attachments.length > 0);
      }
    }
    const result = await this.writer.write(draft);
    if (result.kind === 'duplicate') return this.repeated(result.message, senderId);
    if (result.kind === 'refused') {
      // Nothing stored: the room is unknown or the sender is not in it; say which.
      await this.rooms.requireParticipant(senderId, chatRoomId);
      // Or the room is DIRECT and the other participant blocked the sender (see MessageWriter).
      await this.rooms.assertNotBlockedInDirect(senderId, chatRoomId);
      throw new Error(`message for ${chatRoomId} refused although the sender is a participant`);
    }
    const stored = result.message;
    const message = toMessageResponse(stored, { quoted, mentionedUserIds: stored.mentionedUserIds });
    const eventSeq = stored.eventSeq ?? (await this.events.eventSeqOf(chatRoomId, stored.id));
    this.emitter.toRoom(chatRoomId, 'newMessage', { ...message, eventSeq });
    if (stored.threadId && stored.root) {
      this.emitter.toRoom(chatRoomId, 'threadUpdated', {
        chatRoomId,
        messageId: stored.threadId,
        thread: toThreadSummary(stored.root),
        eventSeq: stored.root.eventSeq,
      });
    }
    this.typing.stop(senderId, chatRoomId).catch(() => undefined);
    return { message: { ...message, eventSeq }, created: true };
  }

  /** The answer to a repeated clientMessageId: the first message, with the eventSeq of its newMessage event. */
  private async repeated(stored: Message, senderId: string): Promise<SendResult> {
    const eventSeq = await this.events.eventSeqOf(stored.chatRoomId, stored.id);
    return { message: { ...(await this.views.view(stored, senderId)), eventSeq }, created: false };
  }

  /**
   * The quoted message, the thread root and the mentioned users, checked
   * before the write (a message's room never changes, so what is checked
   * here stays true; a mentioned user who leaves meanwhile is left out by
   * the writer). Only for sends that have them, and only after the sender's
   * own membership: a stranger learns nothing about a room's messages or members.
   */
  private async checkReferences(
    senderId: string,
    chatRoomId: string,
    input: SendMessageInput,
    mentions: string[],
  ): Promise<MessageExtras['quoted']> {
    if (!input.replyToId && !input.threadId && mentions.length === 0) return null;
    for (const field of ['replyToId', 'threadId'] as const) {
      const id = input[field];
      if (id !== undefined && !isChatId(id)) {
        throw AppError.validation(`${field} must be a UUID`, [{ field, errors: [`${field} must be a UUID`] }]);
      }
    }
    await this.rooms.requireParticipant(senderId, chatRoomId);
    const [quoted, root, members] = await Promise.all([
      input.replyToId
        ? this.prisma.message.findUnique({
            where: { id: input.replyToId },
            select: { id: true, chatRoomId: true, senderId: true, content: true, deletedAt: true },
          })
        : null,
      input.threadId
        ? this.prisma.message.findUnique({
            where: { id: input.threadId },
            select: { chatRoomId: true, threadId: true },
          })
        : null,
      mentions.length > 0
        ? this.prisma.chatRoomParticipant.findMany({
            where: { chatRoomId, userId: { in: mentions } },
            select: { userId: true },
          })
        : [],
    ]);
    const room = chatRoomId.toLowerCase();
    const inRoom = new Set(members.map((m) => m.userId));
    refuseBadReferences(input, {
      quoteOk: quoted?.chatRoomId === room && quoted.deletedAt === null,
      rootOk: root?.chatRoomId === room && root.threadId === null,
      strangers: mentions.filter((id) => !inRoom.has(id)),
    });
    return quoted;
  }

  async edit(userId: string, messageId: string, rawContent: string): Promise<Stamped<MessageView>> {
    const message = await this.requireVisible(userId, messageId);
    if (message.senderId !== userId) throw AppError.forbidden('Only the sender can edit a message');
    if (message.deletedAt) throw AppError.conflict('The message was deleted');
    refuseUnstorable({ content: rawContent });
    const content = this.checkContent(rawContent, (message.attachments as unknown[]).length > 0);
    const { view, eventSeq } = await this.prisma.$transaction(async (tx) => {
      // The room row first (see RoomEventLog), then the message; the view is read after both, so it holds exactly
      // the reactions and pin whose events come before this one.
      await this.events.lock(tx, message.chatRoomId);
      const { count } = await tx.message.updateMany({
        where: { id: messageId, deletedAt: null },
        data: { content, editedAt: new Date() },
      });
      if (count === 0) throw AppError.conflict('The message was deleted');
      // A broadcast has no single viewer: `me` is false in it, and the editor's ack says the same as the room sees.
      const view = await this.views.view(await tx.message.findUniqueOrThrow({ where: { id: messageId } }), null, tx);
      return { view, eventSeq: await this.events.appendOne(tx, message.chatRoomId, 'messageUpdated', view) };
    });
    const stamped = { ...view, eventSeq };
    this.emitter.toRoom(message.chatRoomId, 'messageUpdated', stamped);
    return stamped;
  }

  /**
   * Soft delete: the seq stays (history has no holes), content, attachments
   * and reactions are cleared, and a pin is removed (`messageUnpinned`).
   * Repeating it is harmless. The answer has the eventSeq of its
   * messageDeleted event; none when it had been deleted already.
   */
  async delete(userId: string, messageId: string): Promise<MaybeStamped<MessageDeletedEvent>> {
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
    const logged = await this.prisma.$transaction(async (tx) => {
      await this.locks.pins.lock(tx, message.chatRoomId);
      await this.locks.reactions.lock(tx, messageId);
      await this.events.lock(tx, message.chatRoomId);
      const { count } = await tx.message.updateMany({
        where: { id: messageId, deletedAt: null },
        data: { deletedAt: new Date(), content: '', attachments: [] },
      });
      if (count === 0) return [];
      await tx.messageReaction.deleteMany({ where: { messageId } });
      await tx.messageMention.deleteMany({ where: { messageId } });
      await this.events.erase(tx, message.chatRoomId, messageId);
      const pin = await tx.pinnedMessage.findUnique({ where: { messageId } });
      if (pin) await tx.pinnedMessage.delete({ where: { messageId } });
      // A deleted reply no longer counts in its thread (an atomic decrement: replies written meanwhile add theirs).
      const root = message.threadId
        ? await tx.message.update({
            where: { id: message.threadId },
            data: { threadReplyCount: { decrement: 1 } },
            select: { threadReplyCount: true, threadLastReplyAt: true, threadParticipantIds: true },
          })
        : null;
      const events: NewRoomEvent[] = [{ type: 'messageDeleted', data: result }];
      if (message.threadId && root) {
        const thread = toThreadSummary(root);
        events.push({ type: 'threadUpdated', data: { ...result, messageId: message.threadId, thread } });
      }
      if (pin) {
        const unpinned = {
          ...result,
          pinnedBy: pin.pinnedBy,
          pinnedAt: pin.pinnedAt.toISOString(),
          unpinnedBy: userId,
        };
        events.push({ type: 'messageUnpinned', data: unpinned });
      }
      return this.events.appendAll(tx, message.chatRoomId, events);
    });
    // messageDeleted, then threadUpdated (a reply) and messageUnpinned (a pinned message), as logged; nothing when
    // it was deleted meanwhile.
    this.emitter.roomEvents(message.chatRoomId, logged);
    return logged.length > 0 ? { ...result, eventSeq: logged[0].eventSeq } : result;
  }

  /**
   * A page of history, ascending by seq. Default: the newest `limit`.
   * `beforeSeq`: the `limit` messages just older than it. `afterSeq`: the
   * `limit` messages just after it (catch-up after a reconnect). Both: the
   * range between them, from afterSeq on.
   */
  async history(userId: string, chatRoomId: string, query: HistoryQuery): Promise<MessagePage> {
    await this.rooms.requireParticipant(userId, chatRoomId);
    return this.page(userId, { chatRoomId, ...(query.excludeThreadReplies && { threadId: null }) }, query);
  }

  /**
   * A page of a thread's replies, paged like `history` by their room seq
   * (the root itself is not in it). `messageId` must be a root: a message
   * that is not itself a thread reply.
   */
  async thread(userId: string, messageId: string, query: HistoryQuery): Promise<MessagePage> {
    const root = await this.requireVisible(userId, messageId);
    if (root.threadId !== null) {
      const error = 'messageId must be a thread root, not a thread reply (pass the reply’s threadId)';
      throw AppError.validation(error, [{ field: 'messageId', errors: [error] }]);
    }
    return this.page(userId, { chatRoomId: root.chatRoomId, threadId: root.id }, query);
  }

  private async page(
    userId: string,
    where: { chatRoomId: string; threadId?: string | null },
    query: HistoryQuery,
  ): Promise<MessagePage> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const seq = {
      ...(query.beforeSeq !== undefined && { lt: query.beforeSeq }),
      ...(query.afterSeq !== undefined && { gt: query.afterSeq }),
    };
    const forward = query.afterSeq !== undefined;
    const rows = await this.prisma.message.findMany({
      where: { ...where, seq },
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
  private async directRoomId(
    senderId: string,
    recipientId: string,
    input: SendMessageInput,
    mentions: string[],
  ): Promise<string> {
    const existing = await this.prisma.chatRoom.findUnique({
      where: { directKey: directKey(senderId, recipientId) },
      select: { id: true },
    });
    if (existing) return existing.id;
    // A room about to be created has no message to quote or reply to, and only these two members:
    // a bad reference is refused before the room is made, so a refused send leaves nothing behind.
    refuseBadReferences(input, {
      quoteOk: false,
      rootOk: false,
      strangers: mentions.filter((id) => id !== senderId && id !== recipientId),
    });
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

/** VALIDATION_FAILED naming each reference that does not hold: the quoted message, the thread root, mentioned strangers. */
function refuseBadReferences(
  input: SendMessageInput,
  found: { quoteOk: boolean; rootOk: boolean; strangers: string[] },
): void {
  const fields: { field: string; errors: string[] }[] = [];
  if (input.replyToId && !found.quoteOk) {
    fields.push({ field: 'replyToId', errors: ['replyToId must be a message of this room that was not deleted'] });
  }
  if (input.threadId && !found.rootOk) {
    fields.push({
      field: 'threadId',
      errors: ['threadId must be a message of this room that is not itself a thread reply'],
    });
  }
  if (found.strangers.length > 0) {
    fields.push({ field: 'mentions', errors: [`not members of this room: ${found.strangers.join(', ')}`] });
  }
  if (fields.length > 0) throw AppError.validation(fields.map((f) => f.errors[0]).join('; '), fields);
}

/** Mentions as given, refused when repeated or too many (the DTOs say the same; host code does not pass through them). */
function checkMentions(mentions: string[]): string[] {
  const error =
    mentions.length > MAX_MENTIONS
      ? `mentions must have at most ${MAX_MENTIONS} users`
      : new Set(mentions).size !== mentions.length
        ? 'mentions must not repeat a user'
        : mentions.some((id) => typeof id !== 'string' || id.length === 0)
          ? 'mentions must be user ids'
          : undefined;
  if (error) throw AppError.validation(error, [{ field: 'mentions', errors: [error] }]);
  return mentions;
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
