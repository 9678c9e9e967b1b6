import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Prisma, type Message } from '../persistence/generated/prisma/client';
import { isUnavailable } from '../common/to-app-error';
import { isUniqueViolation, sqlState } from '../persistence/prisma-errors';
import { OutboxSignal } from '../outbox/outbox-signal';
import { PrismaService } from '../persistence/prisma.service';
import type { Attachment, MessageType } from '../contract/chat.events';
import type { ThreadColumns } from './message.mapper';

export interface NewMessage {
  chatRoomId: string;
  senderId: string;
  content: string;
  type: MessageType;
  attachments: Attachment[];
  clientMessageId: string | null;
  /** A message of the same room (checked by the caller). */
  replyToId: string | null;
  /** A thread root of the same room (checked by the caller). */
  threadId: string | null;
  /** User ids to mention, distinct; those no longer in the room when the message is written are left out. */
  mentions: string[];
}

/** A stored message as the writer returns it: with its mentions and, for a thread reply, its root's new summary. */
export interface WrittenMessage extends Message {
  /** The mentioned users who were in the room, in the order given. */
  mentionedUserIds: string[];
  /** Its newMessage event's number in the room's log (null when recovered after a lost connection). */
  eventSeq: number | null;
  /** A thread reply's root after this write, and its threadUpdated event (null for other messages). */
  root: (ThreadColumns & { eventSeq: number }) | null;
}

/**
 * What became of one message handed to the writer:
 * - `stored`: inserted now, with its seq;
 * - `duplicate`: its (senderId, clientMessageId) was stored before: that first message;
 * - `refused`: the room does not exist or the sender is not in it; nothing stored.
 */
export type WriteResult =
  { kind: 'stored'; message: WrittenMessage } | { kind: 'duplicate'; message: Message } | { kind: 'refused' };

interface Pending {
  idx: number;
  /** Chosen here, so a write whose outcome is unknown (a lost connection) can be looked up. */
  id: string;
  input: NewMessage;
  resolve: (result: WriteResult) => void;
  reject: (error: unknown) => void;
}

type AnsweredRow = Message & {
  idx: number;
  written: boolean;
  mentionedUserIds: string[];
  rootReplyCount: number | null;
  rootLastReplyAt: Date | null;
  rootParticipantIds: string[] | null;
  eventSeq: number | null;
  rootEventSeq: number | null;
};

/** Most messages one statement inserts. */
const MAX_BATCH = 500;
/** Rooms whose row another transaction holds, written at the same time, each on its own connection. */
const MAX_WAITING_ROOMS = 4;
const DEADLOCK = '40P01';

/**
 * SQLSTATE classes of errors a row's own data can cause (invalid text,
 * out-of-range values, constraint violations): a batch failing with one of
 * them is split, so the row that caused it fails alone.
 */
const ROW_ERROR_CLASSES = new Set(['22', '23', '54']);

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
 *
 * One room never holds up another: the batch skips rooms whose row another
 * transaction holds (`SKIP LOCKED`), and their messages move to a lane of
 * their own that waits for that room alone (later messages for the room
 * follow them there, so each room's order is kept). One bad row never fails
 * another's: a batch failing on a row's data is split until that row fails
 * alone.
 */
@Injectable()
export class MessageWriter {
  private readonly logger = new Logger(MessageWriter.name);
  private queue: Pending[] = [];
  private writing = false;
  private counter = 0;
  /** Rooms that wait for their row, each with its messages in order. */
  private readonly waiting = new Map<string, Pending[]>();
  /** Waiting rooms being written now (at most MAX_WAITING_ROOMS). */
  private readonly lanes = new Set<string>();

  constructor(
    private readonly prisma: PrismaService,
    private readonly signal: OutboxSignal = new OutboxSignal(),
  ) {}

  write(input: NewMessage): Promise<WriteResult> {
    return new Promise<WriteResult>((resolve, reject) => {
      const p: Pending = { idx: this.counter++, id: randomUUID(), input, resolve, reject };
      const waiting = this.waiting.get(input.chatRoomId);
      if (waiting) {
        waiting.push(p);
        return;
      }
      this.queue.push(p);
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        await this.flush(batch, true);
      }
    } finally {
      this.writing = false;
    }
  }

  /** Messages of a room another transaction holds: from now on that room's messages queue behind them. */
  private defer(deferred: Pending[]): void {
    for (const p of deferred) {
      const room = p.input.chatRoomId;
      const waiting = this.waiting.get(room);
      if (waiting) waiting.push(p);
      else this.waiting.set(room, [p]);
    }
    // Messages for those rooms that arrived during the batch are younger: they follow.
    const queued = this.queue;
    this.queue = [];
    for (const p of queued) {
      const waiting = this.waiting.get(p.input.chatRoomId);
      if (waiting) waiting.push(p);
      else this.queue.push(p);
    }
    this.startLanes();
  }

  private startLanes(): void {
    for (const room of this.waiting.keys()) {
      if (this.lanes.size >= MAX_WAITING_ROOMS) return;
      if (!this.lanes.has(room)) void this.runLane(room);
    }
  }

  /** Writes one waiting room's messages, waiting for its row; hands the room back to the batch once empty. */
  private async runLane(room: string): Promise<void> {
    this.lanes.add(room);
    try {
      for (let waiting = this.waiting.get(room); waiting && waiting.length > 0; waiting = this.waiting.get(room)) {
        await this.flush(waiting.splice(0, MAX_BATCH), false);
      }
    } finally {
      this.waiting.delete(room);
      this.lanes.delete(room);
      this.startLanes();
    }
  }

  private async flush(batch: Pending[], skipLocked: boolean): Promise<void> {
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
    const { results, deferred } = await this.settle(leaders, skipLocked);
    if (results.size > 0) this.signal.logged();
    for (const p of leaders) {
      const result = results.get(p);
      if (result) p.resolve(result);
    }
    const deferredSet = new Set(deferred);
    const followersDeferred: Pending[] = [];
    for (const [p, first] of followers) {
      if (deferredSet.has(first)) {
        followersDeferred.push(p);
        continue;
      }
      const result = results.get(first);
      if (!result) continue;
      p.resolve(result.kind === 'refused' ? result : { kind: 'duplicate', message: result.message });
    }
    // In their original order: a follower answers `duplicate` once its leader is stored.
    if (deferred.length > 0) this.defer([...deferred, ...followersDeferred].sort((a, b) => a.idx - b.idx));
  }

  /**
   * Writes the messages and settles each one: a result, a rejection (the
   * promise is rejected here), or deferred (its room was held, see `defer`).
   */
  private async settle(
    batch: Pending[],
    skipLocked: boolean,
  ): Promise<{ results: Map<Pending, WriteResult>; deferred: Pending[] }> {
    try {
      return await this.insertBatch(batch, skipLocked);
    } catch (error) {
      const state = sqlState(error);
      if (isUniqueViolation(error) || state === DEADLOCK) {
        // Another process raced us on a clientMessageId (or a lock): settle each message on its own.
        // A second try sees the racing row as committed and answers `duplicate`.
        const results = new Map<Pending, WriteResult>();
        for (const p of batch) {
          try {
            results.set(p, await this.insertOne(p));
          } catch (single) {
            p.reject(single);
          }
        }
        return { results, deferred: [] };
      }
      if (batch.length > 1 && state !== undefined && ROW_ERROR_CLASSES.has(state.slice(0, 2))) {
        // One row's data failed the statement: halves, until the row that did fails alone.
        const half = Math.ceil(batch.length / 2);
        const [a, b] = [
          await this.settle(batch.slice(0, half), skipLocked),
          await this.settle(batch.slice(half), skipLocked),
        ];
        return { results: new Map([...a.results, ...b.results]), deferred: [...a.deferred, ...b.deferred] };
      }
      if (state === undefined && isUnavailable(error))
        return { results: await this.recover(batch, error), deferred: [] };
      for (const p of batch) p.reject(error);
      return { results: new Map(), deferred: [] };
    }
  }

  /**
   * The connection failed or timed out mid-statement: the batch may have
   * committed anyway. The messages found by their ids are answered as stored
   * (and so broadcast); the others fail with the error. (The chat's own pool
   * sets a server-side statement timeout shorter than the client's, so a
   * statement that timed out was rolled back by the server before the client
   * gave up, and "not found" is final.)
   */
  private async recover(batch: Pending[], error: unknown): Promise<Map<Pending, WriteResult>> {
    const results = new Map<Pending, WriteResult>();
    let found: Message[];
    try {
      found = await this.prisma.message.findMany({ where: { id: { in: batch.map((p) => p.id) } } });
    } catch {
      for (const p of batch) p.reject(error);
      return results;
    }
    const byId = new Map(found.map((m) => [m.id, m]));
    for (const p of batch) {
      const message = byId.get(p.id);
      // Its mentions and thread summary are read back by the caller (MessageViews): `root` null says so.
      if (message) {
        results.set(p, { kind: 'stored', message: { ...message, mentionedUserIds: [], eventSeq: null, root: null } });
      } else p.reject(error);
    }
    if (found.length > 0) this.logger.warn(`${found.length} messages committed although their statement failed`);
    return results;
  }

  private async insertOne(p: Pending, attempts = 3): Promise<WriteResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.insertBatch([p], false)).results.get(p)!;
      } catch (error) {
        const retry = isUniqueViolation(error) || sqlState(error) === DEADLOCK;
        if (!retry || attempt >= attempts) throw error;
      }
    }
  }

  /**
   * One statement for the whole batch; then the existing rows for the
   * clientMessageIds it skipped. With `skipLocked`, the messages of rooms
   * whose row another transaction holds are left out and returned as
   * `deferred`; without it, the statement waits for those rows.
   */
  private async insertBatch(
    batch: Pending[],
    skipLocked: boolean,
  ): Promise<{ results: Map<Pending, WriteResult>; deferred: Pending[] }> {
    const rows = batch.map((p) => ({
      idx: p.idx,
      id: p.id,
      chatRoomId: p.input.chatRoomId,
      senderId: p.input.senderId,
      content: p.input.content,
      type: p.input.type,
      attachments: p.input.attachments,
      clientMessageId: p.input.clientMessageId,
      replyToId: p.input.replyToId,
      threadId: p.input.threadId,
      mentions: p.input.mentions,
    }));
    const [rooms, participants, messages, blocks, mentions, events] = [
      this.prisma.table('ChatRoom'),
      this.prisma.table('ChatRoomParticipant'),
      this.prisma.table('Message'),
      this.prisma.table('UserBlock'),
      this.prisma.table('MessageMention'),
      this.prisma.table('RoomEvent'),
    ];
    const messageType = Prisma.raw(`${this.prisma.database.table('MessageType')}`);
    const lockMode = Prisma.raw(skipLocked ? 'FOR UPDATE SKIP LOCKED' : 'FOR UPDATE');
    const answered = await this.prisma.$queryRaw<AnsweredRow[]>`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(
          idx int, id uuid, "chatRoomId" uuid, "senderId" text, content text, type text, attachments jsonb,
          "clientMessageId" text, "replyToId" uuid, "threadId" uuid, mentions jsonb)
      ), allowed AS (
        SELECT i.* FROM input i
         WHERE EXISTS (SELECT 1 FROM ${participants} p WHERE p."chatRoomId" = i."chatRoomId" AND p."userId" = i."senderId")
           -- Not into a DIRECT room whose other participant blocked the sender (an index probe; none for most senders).
           AND NOT EXISTS (
                SELECT 1 FROM ${blocks} b
                  JOIN ${participants} o ON o."chatRoomId" = i."chatRoomId" AND o."userId" = b."blockerId"
                  JOIN ${rooms} d ON d."id" = i."chatRoomId" AND d."type" = 'DIRECT'
                 WHERE b."blockedId" = i."senderId")
           AND (i."clientMessageId" IS NULL OR NOT EXISTS (
                SELECT 1 FROM ${messages} m WHERE m."senderId" = i."senderId" AND m."clientMessageId" = i."clientMessageId"))
      ), counts AS (
        -- n messages, and t thread roots replied to (one threadUpdated event each, after the messages' events).
        SELECT "chatRoomId", count(*)::int AS n, count(DISTINCT "threadId")::int AS t FROM allowed GROUP BY "chatRoomId"
      ), locked AS (
        SELECT r."id" FROM ${rooms} r WHERE r."id" IN (SELECT "chatRoomId" FROM counts) ORDER BY r."id" ${lockMode}
      ), rooms AS (
        UPDATE ${rooms} r
           SET "lastSeq" = r."lastSeq" + c.n,
               "lastEventSeq" = r."lastEventSeq" + c.n + c.t,
               "lastMessageAt" = (now() AT TIME ZONE 'UTC'),
               "updatedAt" = (now() AT TIME ZONE 'UTC')
          FROM counts c, locked l
         WHERE r."id" = c."chatRoomId" AND l."id" = r."id"
        RETURNING r."id", r."lastSeq" - c.n AS base, r."lastEventSeq" - c.n - c.t AS "eventBase", c.n, r."lastMessageAt"
      ), numbered AS (
        SELECT a.*, (rooms.base + row_number() OVER (PARTITION BY a."chatRoomId" ORDER BY a.idx))::int AS seq,
               (rooms."eventBase" + row_number() OVER (PARTITION BY a."chatRoomId" ORDER BY a.idx))::int AS "eventSeq",
               rooms."lastMessageAt" AS "createdAt"
          FROM allowed a JOIN rooms ON rooms."id" = a."chatRoomId"
      ), inserted AS (
        INSERT INTO ${messages} ("id", "chatRoomId", "senderId", "seq", "content", "type", "attachments", "clientMessageId",
                                 "createdAt", "replyToId", "threadId")
        SELECT "id", "chatRoomId", "senderId", seq, content, type::${messageType}, attachments, "clientMessageId",
               "createdAt", "replyToId", "threadId"
          FROM numbered
        RETURNING ${this.prisma.messageColumns()}
      ), mentioned AS (
        -- Only users still in the room (the caller checked them; one may have left since).
        INSERT INTO ${mentions} ("messageId", "userId", "chatRoomId", "seq", "position")
        SELECT n."id", u."userId", n."chatRoomId", n.seq, u.position::int
          FROM numbered n, jsonb_array_elements_text(n.mentions) WITH ORDINALITY AS u("userId", position)
         WHERE EXISTS (SELECT 1 FROM ${participants} p WHERE p."chatRoomId" = n."chatRoomId" AND p."userId" = u."userId")
        RETURNING "messageId", "userId", "position"
      ), replies AS (
        SELECT n."chatRoomId", n."threadId", count(*)::int AS n, max(n."createdAt") AS at,
               array_agg(n."senderId" ORDER BY n.seq) AS senders,
               (min(rooms."eventBase") + min(rooms.n)
                 + dense_rank() OVER (PARTITION BY n."chatRoomId" ORDER BY n."threadId"))::int AS "rootEventSeq"
          FROM numbered n JOIN rooms ON rooms."id" = n."chatRoomId"
         WHERE n."threadId" IS NOT NULL GROUP BY n."chatRoomId", n."threadId"
      ), logged AS (
        -- The room event log: the messages' events, then one threadUpdated per root. Their views are built when
        -- replayed, from the rows; a new message keeps what it said when sent (an edit changes the row), and
        -- RoomEventLog.erase clears that when it is deleted.
        INSERT INTO ${events} ("chatRoomId", "eventSeq", "type", "messageId", "data", "createdAt")
        SELECT n."chatRoomId", n."eventSeq", 'newMessage', n."id",
               jsonb_build_object('senderId', n."senderId", 'content', n.content, 'attachments', n.attachments,
                 'mentionedUserIds',
                 COALESCE((SELECT jsonb_agg(m."userId" ORDER BY m.position) FROM mentioned m WHERE m."messageId" = n."id"),
                          '[]'::jsonb)),
               n."createdAt"
          FROM numbered n
        UNION ALL
        SELECT "chatRoomId", "rootEventSeq", 'threadUpdated', "threadId", NULL, at FROM replies
      ), roots AS (
        UPDATE ${messages} r
           SET "threadReplyCount" = r."threadReplyCount" + t.n,
               "threadLastReplyAt" = t.at,
               "threadParticipantIds" = COALESCE(r."threadParticipantIds", '{}') || ARRAY(
                 SELECT s.id FROM unnest(t.senders) WITH ORDINALITY AS s(id, o)
                  WHERE s.id <> ALL (COALESCE(r."threadParticipantIds", '{}'))
                  GROUP BY s.id ORDER BY min(s.o))
          FROM replies t
         WHERE r."id" = t."threadId"
        RETURNING r."id", r."threadReplyCount", r."threadLastReplyAt", r."threadParticipantIds"
      ), cursors AS (
        UPDATE ${participants} c
           SET "lastReadSeq" = GREATEST(c."lastReadSeq", s.top),
               "lastDeliveredSeq" = GREATEST(c."lastDeliveredSeq", s.top)
          FROM (SELECT "chatRoomId", "senderId", max(seq) AS top FROM numbered GROUP BY 1, 2) s
         WHERE c."chatRoomId" = s."chatRoomId" AND c."userId" = s."senderId"
      )
      -- Every allowed message: inserted, or (its room skipped as locked) not written.
      SELECT inserted.*, allowed.idx, (inserted."id" IS NOT NULL) AS written,
             COALESCE((SELECT array_agg(m."userId" ORDER BY m.position) FROM mentioned m WHERE m."messageId" = inserted."id"),
                      '{}') AS "mentionedUserIds",
             roots."threadReplyCount" AS "rootReplyCount", roots."threadLastReplyAt" AS "rootLastReplyAt",
             roots."threadParticipantIds" AS "rootParticipantIds",
             numbered."eventSeq", replies."rootEventSeq"
        FROM allowed LEFT JOIN inserted ON inserted."id" = allowed."id"
        LEFT JOIN numbered ON numbered."id" = inserted."id"
        LEFT JOIN replies ON replies."threadId" = inserted."threadId"
        LEFT JOIN roots ON roots."id" = inserted."threadId"`;

    const byIdx = new Map(answered.map((row) => [row.idx, row]));
    const results = new Map<Pending, WriteResult>();
    const deferred: Pending[] = [];
    const skippedWithKey: Pending[] = [];
    let inserted = 0;
    for (const p of batch) {
      const row = byIdx.get(p.idx);
      if (row?.written) {
        const {
          idx: _idx,
          written: _written,
          rootReplyCount,
          rootLastReplyAt,
          rootParticipantIds,
          rootEventSeq,
          ...message
        } = row;
        const root =
          rootReplyCount === null || rootEventSeq === null
            ? null
            : {
                threadReplyCount: rootReplyCount,
                threadLastReplyAt: rootLastReplyAt,
                threadParticipantIds: rootParticipantIds ?? [],
                eventSeq: rootEventSeq,
              };
        results.set(p, { kind: 'stored', message: { ...message, root } });
        inserted++;
      } else if (row) deferred.push(p);
      else if (p.input.clientMessageId !== null) skippedWithKey.push(p);
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
    if (batch.length > 50) this.logger.verbose(`group commit: ${inserted}/${batch.length} messages in one statement`);
    return { results, deferred };
  }
}
