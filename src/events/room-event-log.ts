import { Injectable } from '@nestjs/common';
import type { RoomEventType } from '../contract/chat.events';
import { Prisma } from '../persistence/generated/prisma/client';
import { OutboxSignal } from '../outbox/outbox-signal';
import { PrismaService } from '../persistence/prisma.service';
import type { LoggedRoomEvent } from '../realtime/chat.emitter';

type Tx = Prisma.TransactionClient;

/** One change to append: its type and the payload of its live broadcast (without eventSeq). */
export interface NewRoomEvent {
  type: RoomEventType;
  /** A payload of the contract (plain JSON: strings, numbers, arrays, objects). */
  data: object;
}

/**
 * The room event log: every room-visible change is appended in the same
 * transaction as the change, numbered per room with no gaps (the room row's
 * `lastEventSeq`, moved under its row lock, so events are numbered in commit
 * order). Messages are appended by the message writer's own statement.
 *
 * Lock order, everywhere: advisory locks (pins, reactions), then the room
 * row (`lock` or `append`), then message rows. The writer takes the room row
 * and then thread roots, so a transaction that changes a message takes the
 * room row first (`lock`) and cannot deadlock with it.
 */
@Injectable()
export class RoomEventLog {
  constructor(
    private readonly prisma: PrismaService,
    private readonly signal: OutboxSignal,
  ) {}

  /** Takes the room's row lock until `tx` ends (before changing message rows). False when the room is gone. */
  async lock(tx: Tx, chatRoomId: string): Promise<boolean> {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM ${this.prisma.table('ChatRoom')} WHERE "id" = ${chatRoomId}::uuid FOR UPDATE`;
    return rows.length > 0;
  }

  /** Appends the events in order; their eventSeqs, in the same order. */
  async append(tx: Tx, chatRoomId: string, events: NewRoomEvent[]): Promise<number[]> {
    if (events.length === 0) return [];
    // Raw: Prisma's update would also move the room's updatedAt, which says when the room itself changed.
    const [room] = await tx.$queryRaw<{ lastEventSeq: number }[]>`
      UPDATE ${this.prisma.table('ChatRoom')} SET "lastEventSeq" = "lastEventSeq" + ${events.length}::int
       WHERE "id" = ${chatRoomId}::uuid RETURNING "lastEventSeq"`;
    if (!room) throw new Error(`room ${chatRoomId} vanished while its event was appended`);
    const first = room.lastEventSeq - events.length + 1;
    await tx.roomEvent.createMany({
      data: events.map((e, i) => ({ chatRoomId, eventSeq: first + i, type: e.type, data: e.data })),
    });
    // Before the commit: the outbox reads a moment later, and its polls catch what that moment misses.
    this.signal.logged();
    return events.map((_, i) => first + i);
  }

  /** `append`, answering the events with their eventSeqs (for ChatEmitter.roomEvents). */
  async appendAll(tx: Tx, chatRoomId: string, events: NewRoomEvent[]): Promise<LoggedRoomEvent[]> {
    const seqs = await this.append(tx, chatRoomId, events);
    return events.map((e, i) => ({ ...e, eventSeq: seqs[i] }));
  }

  /**
   * Erases a deleted message's content from the log: what its newMessage
   * event kept (it is replayed from the deleted row) and the views its
   * messageUpdated events hold; and from the outbox's deliveries. Under the
   * room's row lock.
   */
  async erase(tx: Tx, chatRoomId: string, messageId: string): Promise<void> {
    const erased = Prisma.sql`'{"content": "", "attachments": [], "mentionedUserIds": []}'::jsonb`;
    // And from the outbox's deliveries: a webhook not sent yet sends it empty, a push not made yet is not made.
    await tx.$executeRaw`
      DELETE FROM ${this.prisma.table('OutboxDelivery')}
       WHERE "chatRoomId" = ${chatRoomId}::uuid AND "target" = 'offline' AND "status" = 'pending'
         AND "payload"->'message'->>'id' = ${messageId}`;
    await tx.$executeRaw`
      UPDATE ${this.prisma.table('OutboxDelivery')}
         SET "payload" = CASE WHEN "target" = 'offline'
                              THEN jsonb_set("payload", '{message}', ("payload"->'message') || ${erased})
                              ELSE jsonb_set("payload", '{data}', ("payload"->'data') || ${erased}) END
       WHERE "chatRoomId" = ${chatRoomId}::uuid AND "type" IN ('newMessage', 'messageUpdated')
         AND COALESCE("payload"->'message', "payload"->'data')->>'id' = ${messageId}`;
    await tx.$executeRaw`
      UPDATE ${this.prisma.table('RoomEvent')}
         SET "data" = CASE WHEN "type" = 'newMessage' THEN NULL
                           ELSE "data" || ${erased} END
       WHERE "chatRoomId" = ${chatRoomId}::uuid
         AND (("type" = 'newMessage' AND "messageId" = ${messageId}::uuid)
              OR ("type" = 'messageUpdated' AND "data"->>'id' = ${messageId}))`;
  }

  /** The eventSeq of a stored message's newMessage event (for a write whose statement's answer was lost). */
  async eventSeqOf(chatRoomId: string, messageId: string): Promise<number> {
    const event = await this.prisma.roomEvent.findFirst({
      where: { chatRoomId, messageId, type: 'newMessage' },
      select: { eventSeq: true },
    });
    if (!event) throw new Error(`message ${messageId} has no newMessage event`);
    return event.eventSeq;
  }

  /** `append` of one event: its eventSeq. */
  async appendOne(tx: Tx, chatRoomId: string, type: RoomEventType, data: object): Promise<number> {
    return (await this.append(tx, chatRoomId, [{ type, data }]))[0];
  }
}
