import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/app-error';
import type { MaybeStamped, ReactionEvent, ReactionPage } from '../contract/chat.events';
import { RoomEventLog } from '../events/room-event-log';
import { MessageLocks } from '../messages/message-locks';
import { MessagesService } from '../messages/messages.service';
import { PrismaService } from '../persistence/prisma.service';
import { ChatEmitter } from '../realtime/chat.emitter';
import { ChatUsersService } from '../users/chat-users.service';
import { isReactionEmoji, REACTION_EMOJI_RULE } from './emoji';
import { decodeCursor, encodeCursor } from './reaction-cursor';

/** Distinct emoji one message can carry; one more is refused with LIMIT_REACHED. */
export const MAX_EMOJI_PER_MESSAGE = 50;
export const DEFAULT_REACTIONS_PAGE = 50;

export interface AddReactionResult {
  /** With its eventSeq when it was stored now. */
  reaction: MaybeStamped<ReactionEvent>;
  /** False when the user had already reacted so: nothing stored, nothing broadcast. */
  created: boolean;
}

export interface ReactionsQuery {
  cursor?: string;
  limit?: number;
}

/**
 * Reactions: one per user, message and emoji. Adding and removing are
 * broadcast to the room (`reactionAdded` / `reactionRemoved`) only when they
 * changed something. Message views carry the counts (see MessageViews).
 */
@Injectable()
export class ReactionsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly messages: MessagesService,
    private readonly emitter: ChatEmitter,
    private readonly users: ChatUsersService,
    private readonly locks: MessageLocks,
    private readonly events: RoomEventLog,
  ) {}

  async add(userId: string, messageId: string, emoji: string): Promise<AddReactionResult> {
    checkEmoji(emoji);
    const message = await this.messages.requireVisible(userId, messageId);
    if (message.deletedAt) throw AppError.conflict('The message was deleted');
    const reaction: ReactionEvent = { chatRoomId: message.chatRoomId, messageId: message.id, userId, emoji };
    // The count and the insert are serialized per message, so racing adds of new emoji cannot pass the cap.
    const eventSeq = await this.prisma.$transaction(async (tx) => {
      await this.locks.reactions.lock(tx, message.id);
      const current = await tx.message.findUnique({ where: { id: message.id }, select: { deletedAt: true } });
      if (!current || current.deletedAt) throw AppError.conflict('The message was deleted');
      const key = { messageId_emoji_userId: { messageId: message.id, emoji, userId } };
      if (await tx.messageReaction.findUnique({ where: key })) return null;
      const used = await tx.messageReaction.findFirst({
        where: { messageId: message.id, emoji },
        select: { emoji: true },
      });
      if (!used) {
        const distinct = await tx.messageReaction.groupBy({ by: ['emoji'], where: { messageId: message.id } });
        if (distinct.length >= MAX_EMOJI_PER_MESSAGE) {
          throw new AppError(
            ErrorCode.LIMIT_REACHED,
            `A message can carry at most ${MAX_EMOJI_PER_MESSAGE} different emoji`,
            { limit: MAX_EMOJI_PER_MESSAGE },
          );
        }
      }
      await tx.messageReaction.create({ data: { messageId: message.id, emoji, userId } });
      return this.events.appendOne(tx, message.chatRoomId, 'reactionAdded', reaction);
    });
    if (eventSeq !== null) this.emitter.toRoom(message.chatRoomId, 'reactionAdded', { ...reaction, eventSeq });
    return { reaction: eventSeq === null ? reaction : { ...reaction, eventSeq }, created: eventSeq !== null };
  }

  /** Removing a reaction that is not there (or of a deleted message, whose reactions are gone) is harmless. */
  async remove(userId: string, messageId: string, emoji: string): Promise<MaybeStamped<ReactionEvent>> {
    checkEmoji(emoji);
    const message = await this.messages.requireVisible(userId, messageId);
    const reaction: ReactionEvent = { chatRoomId: message.chatRoomId, messageId: message.id, userId, emoji };
    const eventSeq = await this.prisma.$transaction(async (tx) => {
      const { count } = await tx.messageReaction.deleteMany({ where: { messageId: message.id, emoji, userId } });
      return count > 0 ? this.events.appendOne(tx, message.chatRoomId, 'reactionRemoved', reaction) : null;
    });
    if (eventSeq === null) return reaction;
    this.emitter.toRoom(message.chatRoomId, 'reactionRemoved', { ...reaction, eventSeq });
    return { ...reaction, eventSeq };
  }

  /** Who reacted to a message with `emoji`, oldest first, with names from the host's directory. */
  async list(userId: string, messageId: string, emoji: string, query: ReactionsQuery = {}): Promise<ReactionPage> {
    checkEmoji(emoji);
    const message = await this.messages.requireVisible(userId, messageId);
    const limit = query.limit ?? DEFAULT_REACTIONS_PAGE;
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = await this.prisma.messageReaction.findMany({
      where: {
        messageId: message.id,
        emoji,
        ...(after && {
          OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, userId: { gt: after.userId } }],
        }),
      },
      orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }],
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    const profiles = await this.users.profiles(page.map((r) => r.userId));
    const last = page[page.length - 1];
    return {
      users: page.map((r) => ({
        userId: r.userId,
        name: profiles.get(r.userId)?.name ?? r.userId,
        avatarUrl: profiles.get(r.userId)?.avatarUrl ?? null,
        reactedAt: r.createdAt.toISOString(),
      })),
      nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
    };
  }
}

/** The socket and REST validate this already; host code calling in does not pass through them. */
function checkEmoji(emoji: string): void {
  if (!isReactionEmoji(emoji))
    throw AppError.validation(REACTION_EMOJI_RULE, [{ field: 'emoji', errors: [REACTION_EMOJI_RULE] }]);
}
