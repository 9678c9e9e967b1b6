import { Injectable } from '@nestjs/common';
import type { MessageView, RoomEventType, SyncEvent } from '../contract/chat.events';
import { toThreadSummary } from '../messages/message.mapper';
import { MessageViews } from '../messages/message-views';
import type { Prisma } from '../persistence/generated/prisma/client';
import { PrismaService } from '../persistence/prisma.service';

/** A logged event as read from the room event log. */
export interface LoggedEventRow {
  chatRoomId: string;
  eventSeq: number;
  type: string;
  messageId: string | null;
  data: Prisma.JsonValue | null;
}

/**
 * Logged events as their live broadcasts said them, for `sync` and the
 * outbox. The writer's events (a new message, a thread's summary) name the
 * message: their payload is built from the row now, as the live broadcast
 * was (a new message has no reactions, pin or thread yet, and says what it
 * said when sent, which its event keeps; the log's later messageUpdated and
 * messageDeleted follow). A deleted message's content is erased from the
 * log (RoomEventLog.erase): replayed, it is empty.
 */
@Injectable()
export class RoomEventPayloads {
  constructor(
    private readonly prisma: PrismaService,
    private readonly views: MessageViews,
  ) {}

  async build(rows: LoggedEventRow[]): Promise<SyncEvent[]> {
    const ids = [...new Set(rows.flatMap((r) => (r.messageId ? [r.messageId] : [])))];
    const messages = ids.length > 0 ? await this.prisma.message.findMany({ where: { id: { in: ids } } }) : [];
    const byId = new Map(messages.map((m) => [m.id, m]));
    const newIds = new Set(rows.flatMap((r) => (r.type === 'newMessage' && r.messageId ? [r.messageId] : [])));
    const views = new Map(
      (
        await this.views.views(
          messages.filter((m) => newIds.has(m.id)),
          null,
        )
      ).map((v) => [v.id, v]),
    );
    return rows.map((row): SyncEvent => {
      const eventSeq = row.eventSeq;
      if (row.messageId === null)
        return { eventSeq, type: row.type as RoomEventType, data: { ...(row.data as object), eventSeq } } as SyncEvent;
      const message = byId.get(row.messageId);
      if (!message) throw new Error(`event ${row.chatRoomId}#${eventSeq} names a message that is gone`);
      if (row.type === 'threadUpdated') {
        const thread = toThreadSummary(message);
        return {
          eventSeq,
          type: 'threadUpdated',
          data: { chatRoomId: row.chatRoomId, messageId: message.id, thread, eventSeq },
        };
      }
      const view = views.get(message.id)!;
      // As sent: its content then (kept in the log), never edited. Erased from the log once deleted.
      const sent = (row.data as Pick<MessageView, 'content' | 'attachments' | 'mentionedUserIds'> | null) ?? {};
      return {
        eventSeq,
        type: 'newMessage',
        data: {
          ...view,
          ...sent,
          editedAt: null,
          reactions: [],
          pinnedAt: null,
          pinnedBy: null,
          thread: null,
          eventSeq,
        },
      };
    });
  }
}
