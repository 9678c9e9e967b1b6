import { Injectable } from '@nestjs/common';
import type { MessageView, ReactionSummary } from '../contract/chat.events';
import type { Message, Prisma } from '../persistence/generated/prisma/client';
import { PrismaService } from '../persistence/prisma.service';
import { toMessageResponse, type MessageExtras } from './message.mapper';

/**
 * Message views with their reactions, pins, quoted messages and mentions:
 * five queries at most for any number of messages (counts, the viewer's own
 * reactions, pins, quoted messages, mentions), the last two only when some
 * message has them. `viewerId` null: a broadcast, which has no single
 * viewer, so every `me` is false.
 */
/** What views read: the client or a transaction. */
export type ViewsDb = Pick<
  Prisma.TransactionClient,
  'message' | 'messageReaction' | 'pinnedMessage' | 'messageMention'
>;

@Injectable()
export class MessageViews {
  constructor(private readonly prisma: PrismaService) {}

  async view(message: Message, viewerId: string | null, db: ViewsDb = this.prisma): Promise<MessageView> {
    return (await this.views([message], viewerId, db))[0];
  }

  /** `db`: a transaction to read in (the embedded database has one connection, which a transaction holds). */
  async views(messages: Message[], viewerId: string | null, db: ViewsDb = this.prisma): Promise<MessageView[]> {
    const live = messages.filter((m) => m.deletedAt === null);
    const ids = live.map((m) => m.id);
    if (ids.length === 0) return messages.map((m) => toMessageResponse(m));
    const quotedIds = [...new Set(live.flatMap((m) => (m.replyToId ? [m.replyToId] : [])))];
    const [counts, mine, pins, quoted, mentions] = await Promise.all([
      db.messageReaction.groupBy({
        by: ['messageId', 'emoji'],
        where: { messageId: { in: ids } },
        _count: { _all: true },
        _min: { createdAt: true },
      }),
      viewerId === null
        ? Promise.resolve([])
        : db.messageReaction.findMany({
            where: { messageId: { in: ids }, userId: viewerId },
            select: { messageId: true, emoji: true },
          }),
      db.pinnedMessage.findMany({ where: { messageId: { in: ids } } }),
      quotedIds.length === 0
        ? Promise.resolve([])
        : db.message.findMany({
            where: { id: { in: quotedIds } },
            select: { id: true, senderId: true, content: true, deletedAt: true },
          }),
      db.messageMention.findMany({
        where: { messageId: { in: ids } },
        select: { messageId: true, userId: true },
        orderBy: [{ messageId: 'asc' }, { position: 'asc' }],
      }),
    ]);
    const own = new Set(mine.map((r) => `${r.messageId} ${r.emoji}`));
    // Each emoji in the order it was first used on the message (then by emoji, for ties).
    counts.sort(
      (a, b) =>
        (a._min.createdAt?.getTime() ?? 0) - (b._min.createdAt?.getTime() ?? 0) ||
        (a.emoji < b.emoji ? -1 : a.emoji > b.emoji ? 1 : 0),
    );
    const reactions = new Map<string, ReactionSummary[]>();
    for (const c of counts) {
      const list = reactions.get(c.messageId) ?? [];
      list.push({ emoji: c.emoji, count: c._count._all, me: own.has(`${c.messageId} ${c.emoji}`) });
      reactions.set(c.messageId, list);
    }
    const pinByMessage = new Map(pins.map((p) => [p.messageId, p]));
    const quotedById = new Map(quoted.map((q) => [q.id, q]));
    const mentioned = new Map<string, string[]>();
    for (const { messageId, userId } of mentions) {
      const list = mentioned.get(messageId);
      if (list) list.push(userId);
      else mentioned.set(messageId, [userId]);
    }
    return messages.map((m) => {
      const extras: MessageExtras = {
        reactions: reactions.get(m.id) ?? [],
        pin: pinByMessage.get(m.id) ?? null,
        quoted: (m.replyToId && quotedById.get(m.replyToId)) || null,
        mentionedUserIds: mentioned.get(m.id) ?? [],
      };
      return toMessageResponse(m, extras);
    });
  }
}
