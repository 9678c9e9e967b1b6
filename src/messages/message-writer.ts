import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Prisma, type Message } from '../persistence/generated/prisma/client';
import { isUniqueViolation, sqlState } from '../persistence/prisma-errors';
import { PrismaService } from '../persistence/prisma.service';
import type { Attachment, MessageType } from '../contract/chat.events';

export interface NewMessage {
  chatRoomId: string;
  senderId: string;
  content: string;
  type: MessageType;
  attachments: Attachment[];
  clientMessageId: string | null;
}

/**
 * What became of one message handed to the writer:
 * - `stored`: inserted now, with its seq;
 * - `duplicate`: its (senderId, clientMessageId) was stored before: that first message;
 * - `refused`: the room does not exist or the sender is not in it; nothing stored.
 */
export type WriteResult =
  { kind: 'stored'; message: Message } | { kind: 'duplicate'; message: Message } | { kind: 'refused' };

interface Pending {
  idx: number;
  input: NewMessage;
  resolve: (result: WriteResult) => void;
  reject: (error: unknown) => void;
}

/** Most messages one statement inserts. */
const MAX_BATCH = 500;
const DEADLOCK = '40P01';

/**
 * Group commit. Sends that arrive while a batch is being written wait for
 * it, then go together in one statement and one transaction: one WAL flush
 * for the lot instead of one per message, and no added latency when the
 * load is light (a lone send is written at once). Each sender's promise
 * resolves only after the commit, so "acked" still means "stored".
 *
 * The statement checks membership, skips clientMessageIds already stored,
 * locks the rooms it touches in id order (no deadlocks between writers),
 * numbers each room's messages after its lastSeq with no gaps, inserts them,
 * and moves each sender's read and delivered cursors to their newest message.
 */
@Injectable()
export class MessageWriter {
  private readonly logger = new Logger(MessageWriter.name);
  private queue: Pending[] = [];
  private writing = false;
  private counter = 0;

  constructor(private readonly prisma: PrismaService) {}

  write(input: NewMessage): Promise<WriteResult> {
    return new Promise<WriteResult>((resolve, reject) => {
      this.queue.push({ idx: this.counter++, input, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        await this.flush(batch);
      }
    } finally {
      this.writing = false;
    }
  }

  private async flush(batch: Pending[]): Promise<void> {
    // A clientMessageId repeated inside the batch: the first copy is written, the others get its result.
    const firsts = new Map<string, Pending>();
    const followers = new Map<Pending, Pending>();
    for (const p of batch) {
      const key = p.input.clientMessageId === null ? undefined : `${p.input.senderId}|${p.input.clientMessageId}`;
      const first = key === undefined ? undefined : firsts.get(key);
      if (first) followers.set(p, first);
      else if (key !== undefined) firsts.set(key, p);
    }
    const leaders = batch.filter((p) => !followers.has(p));
    let results: Map<Pending, WriteResult>;
    try {
      results = await this.insertBatch(leaders);
    } catch (error) {
      if (isUniqueViolation(error) || sqlState(error) === DEADLOCK) {
        // Another process raced us on a clientMessageId (or a lock): settle each message on its own.
        // A second try sees the racing row as committed and answers `duplicate`.
        results = new Map();
        for (const p of leaders) {
          try {
            results.set(p, await this.insertOne(p));
          } catch (single) {
            p.reject(single);
          }
        }
      } else {
        for (const p of batch) p.reject(error);
        return;
      }
    }
    for (const p of leaders) {
      const result = results.get(p);
      if (result) p.resolve(result);
    }
    for (const [p, first] of followers) {
      const result = results.get(first);
      if (!result) continue;
      p.resolve(result.kind === 'refused' ? result : { kind: 'duplicate', message: result.message });
    }
  }

  private async insertOne(p: Pending, attempts = 3): Promise<WriteResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.insertBatch([p])).get(p)!;
      } catch (error) {
        const retry = isUniqueViolation(error) || sqlState(error) === DEADLOCK;
        if (!retry || attempt >= attempts) throw error;
      }
    }
  }

  /** One statement for the whole batch; then the existing rows for the clientMessageIds it skipped. */
  private async insertBatch(batch: Pending[]): Promise<Map<Pending, WriteResult>> {
    const rows = batch.map((p) => ({
      idx: p.idx,
      id: randomUUID(),
      chatRoomId: p.input.chatRoomId,
      senderId: p.input.senderId,
      content: p.input.content,
      type: p.input.type,
      attachments: p.input.attachments,
      clientMessageId: p.input.clientMessageId,
    }));
    const [rooms, participants, messages] = [
      this.prisma.table('ChatRoom'),
      this.prisma.table('ChatRoomParticipant'),
      this.prisma.table('Message'),
    ];
    const messageType = Prisma.raw(`${this.prisma.database.table('MessageType')}`);
    const inserted = await this.prisma.$queryRaw<(Message & { idx: number })[]>`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(
          idx int, id uuid, "chatRoomId" uuid, "senderId" text, content text, type text, attachments jsonb, "clientMessageId" text)
      ), allowed AS (
        SELECT i.* FROM input i
         WHERE EXISTS (SELECT 1 FROM ${participants} p WHERE p."chatRoomId" = i."chatRoomId" AND p."userId" = i."senderId")
           AND (i."clientMessageId" IS NULL OR NOT EXISTS (
                SELECT 1 FROM ${messages} m WHERE m."senderId" = i."senderId" AND m."clientMessageId" = i."clientMessageId"))
      ), counts AS (
        SELECT "chatRoomId", count(*)::int AS n FROM allowed GROUP BY "chatRoomId"
      ), locked AS (
        SELECT r."id" FROM ${rooms} r WHERE r."id" IN (SELECT "chatRoomId" FROM counts) ORDER BY r."id" FOR UPDATE
      ), rooms AS (
        UPDATE ${rooms} r
           SET "lastSeq" = r."lastSeq" + c.n,
               "lastMessageAt" = (now() AT TIME ZONE 'UTC'),
               "updatedAt" = (now() AT TIME ZONE 'UTC')
          FROM counts c, locked l
         WHERE r."id" = c."chatRoomId" AND l."id" = r."id"
        RETURNING r."id", r."lastSeq" - c.n AS base, r."lastMessageAt"
      ), numbered AS (
        SELECT a.*, (rooms.base + row_number() OVER (PARTITION BY a."chatRoomId" ORDER BY a.idx))::int AS seq,
               rooms."lastMessageAt" AS "createdAt"
          FROM allowed a JOIN rooms ON rooms."id" = a."chatRoomId"
      ), inserted AS (
        INSERT INTO ${messages} ("id", "chatRoomId", "senderId", "seq", "content", "type", "attachments", "clientMessageId", "createdAt")
        SELECT "id", "chatRoomId", "senderId", seq, content, type::${messageType}, attachments, "clientMessageId", "createdAt"
          FROM numbered
        RETURNING *
      ), cursors AS (
        UPDATE ${participants} c
           SET "lastReadSeq" = GREATEST(c."lastReadSeq", s.top),
               "lastDeliveredSeq" = GREATEST(c."lastDeliveredSeq", s.top)
          FROM (SELECT "chatRoomId", "senderId", max(seq) AS top FROM numbered GROUP BY 1, 2) s
         WHERE c."chatRoomId" = s."chatRoomId" AND c."userId" = s."senderId"
      )
      SELECT inserted.*, numbered.idx FROM inserted JOIN numbered ON numbered."id" = inserted."id"`;

    const byIdx = new Map(inserted.map((row) => [row.idx, row]));
    const results = new Map<Pending, WriteResult>();
    const skippedWithKey: Pending[] = [];
    for (const p of batch) {
      const row = byIdx.get(p.idx);
      if (row) {
        const { idx: _idx, ...message } = row;
        results.set(p, { kind: 'stored', message });
      } else if (p.input.clientMessageId !== null) skippedWithKey.push(p);
      else results.set(p, { kind: 'refused' });
    }
    if (skippedWithKey.length > 0) {
      const existing = await this.prisma.message.findMany({
        where: {
          OR: skippedWithKey.map((p) => ({ senderId: p.input.senderId, clientMessageId: p.input.clientMessageId })),
        },
      });
      for (const p of skippedWithKey) {
        const first = existing.find(
          (m) => m.senderId === p.input.senderId && m.clientMessageId === p.input.clientMessageId,
        );
        results.set(p, first ? { kind: 'duplicate', message: first } : { kind: 'refused' });
      }
    }
    if (batch.length > 50)
      this.logger.verbose(`group commit: ${inserted.length}/${batch.length} messages in one statement`);
    return results;
  }
}
