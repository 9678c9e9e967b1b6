import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { RoomEventType } from '../contract/chat.events';
import { ChatConfig } from '../config/chat-config';
import type { LoggedEventRow } from '../events/room-event-payloads';
import { Prisma } from '../persistence/generated/prisma/client';
import { PrismaService } from '../persistence/prisma.service';
import { OutboxSignal } from './outbox-signal';
import { SerialRunner } from './serial-runner';

/** A committed event of the log, as a consumer reads it. */
export interface OutboxEvent extends LoggedEventRow {
  type: RoomEventType;
  createdAt: Date;
}

/** A delivery a consumer wants made (due at once) and retried until it succeeds (see OutboxDeliveries). */
export interface NewDelivery {
  id: string;
  target: string;
  chatRoomId: string;
  eventSeq: number;
  type: string;
  payload: object;
}

/** Reads the room event log after commit, batch by batch. */
export interface OutboxConsumer {
  /** Its cursor's name in the database. */
  readonly name: string;
  /** The event types it reads. */
  readonly types: readonly RoomEventType[];
  /**
   * Handles a batch (outside any transaction). What it returns is kept with
   * the cursor's move, in one transaction: a batch is either handled and
   * passed, or read again (at least once).
   */
  handle(events: OutboxEvent[]): Promise<NewDelivery[]>;
}

const BATCH = 500;
/**
 * How often a cursor that moved past events that needed nothing kept is
 * stored. Reading them again after a crash is harmless: deliveries have
 * ids derived from the event, so none is kept twice.
 */
const SAVE_EVERY_MS = 1000;
/** How long stopping waits for a pass in flight. */
const STOP_WAIT_MS = 2000;
/** A hint waits this long, so one read covers a burst of writes (and the writes' commits). */
const WAKE_DELAY_MS = 100;

interface Cursor {
  txid: string;
  chatRoomId: string;
  eventSeq: number;
}

/** A consumer's turn while this process holds it. */
interface Turn {
  /** Where it has read up to: ahead of the stored cursor while `unsaved`. */
  cursor: Cursor;
  unsaved: boolean;
  savedAt: number;
  /** When to renew the lease (half of it, by this process's clock, counted from before it was taken). */
  renewAt: number;
}

/**
 * The outbox: consumers (the webhooks, the offline notifier) read the room
 * event log from where they left off, whatever happened to the process
 * that logged the events.
 *
 * Events are read in the order of the transactions that logged them, and
 * only those of transactions older than the oldest one still running
 * (`pg_snapshot_xmin`): those are all committed or never will be, so a
 * cursor that passes them never skips an event that commits later. A long
 * transaction anywhere on the database server delays the outbox, never
 * loses an event.
 *
 * One process at a time reads for a consumer (a lease on its cursor row,
 * renewed when half of it has gone); another takes over `outbox.leaseMs`
 * after it stops without handing it back. The cursor is stored with the
 * deliveries a batch keeps, and otherwise at most every SAVE_EVERY_MS.
 */
@Injectable()
export class EventOutbox implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ChatOutbox');
  private readonly owner = randomUUID();
  private readonly consumers: OutboxConsumer[] = [];
  private readonly turns = new Map<string, Turn>();
  private readonly afterPass: (() => void)[] = [];
  private readonly runner = new SerialRunner(() => this.passes());
  private wakeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly prisma: PrismaService,
    private readonly config: ChatConfig,
    signal: OutboxSignal,
  ) {
    signal.onLogged(() => this.wake());
  }

  /** Registered by each consumer's constructor. */
  register(consumer: OutboxConsumer): void {
    this.consumers.push(consumer);
  }

  /** Told after every pass that kept deliveries. */
  onDeliveriesKept(listener: () => void): void {
    this.afterPass.push(listener);
  }

  async onApplicationBootstrap(): Promise<void> {
    // A consumer seen for the first time starts at the log's end: it is told about what happens from now on.
    for (const consumer of this.consumers) {
      await this.prisma.$executeRaw`
        INSERT INTO ${this.table()} ("consumer", "txid")
        VALUES (${consumer.name}, pg_snapshot_xmin(pg_current_snapshot())) ON CONFLICT ("consumer") DO NOTHING`;
    }
    this.runner.start(this.config.outbox.pollIntervalMs);
  }

  /**
   * Stops reading, gives a pass in flight a moment to finish (a batch not
   * passed is read again, by whichever process has the turn next), and
   * hands the leases back.
   */
  async onModuleDestroy(): Promise<void> {
    clearTimeout(this.wakeTimer);
    await this.runner.stop(STOP_WAIT_MS);
    for (const [consumer, turn] of this.turns) {
      if (turn.unsaved) await this.save(this.prisma, consumer, turn.cursor).catch(() => undefined);
    }
    this.turns.clear();
    await this.prisma.$executeRaw`
      UPDATE ${this.table()} SET "leaseOwner" = NULL, "leaseUntil" = NULL WHERE "leaseOwner" = ${this.owner}`.catch(
      () => undefined,
    );
  }

  /** Reads soon (after WAKE_DELAY_MS), e.g. because this process logged events. */
  wake(): void {
    if (this.runner.isStopped || this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.runner.trigger();
    }, WAKE_DELAY_MS);
    this.wakeTimer.unref();
  }

  /** Reads until every consumer is caught up (for tests and tools). */
  drain(): Promise<void> {
    return this.runner.drain();
  }

  private async passes(): Promise<void> {
    for (const consumer of this.consumers) {
      try {
        while (!this.runner.isStopped && (await this.pass(consumer)));
      } catch (error) {
        this.logger.warn(`outbox ${consumer.name}: ${(error as Error).message}; retried at the next poll`);
      }
    }
  }

  /** One batch of one consumer; true when there may be more to read at once. */
  private async pass(consumer: OutboxConsumer): Promise<boolean> {
    const turn = await this.turn(consumer.name);
    if (!turn) return false;
    const events = await this.read(turn.cursor, consumer.types);
    if (events.length === 0) return false;
    const last = events[events.length - 1];
    const cursor = { txid: last.txid, chatRoomId: last.chatRoomId, eventSeq: last.eventSeq };
    // Each room's events in its order (a batch spans transactions; a room's eventSeq is its commit order).
    const deliveries = await consumer.handle([...events].sort(byRoomOrder));
    if (deliveries.length === 0) {
      Object.assign(turn, { cursor, unsaved: true });
      if (Date.now() - turn.savedAt >= SAVE_EVERY_MS && !(await this.saveTurn(consumer.name, turn))) return false;
      return events.length === BATCH;
    }
    const kept = await this.prisma.$transaction(async (tx) => {
      if (!(await this.save(tx, consumer.name, cursor))) return false;
      await this.keep(tx, deliveries);
      return true;
    });
    if (!kept) {
      this.lost(consumer.name);
      return false;
    }
    Object.assign(turn, { cursor, unsaved: false, savedAt: Date.now() });
    for (const listener of this.afterPass) listener();
    return events.length === BATCH;
  }

  /**
   * The consumer's turn: held already (renewed when half of the lease has
   * gone, its cursor stored first), or taken now from the stored cursor;
   * undefined while another process holds it.
   */
  private async turn(consumer: string): Promise<Turn | undefined> {
    const held = this.turns.get(consumer);
    if (held && Date.now() < held.renewAt) return held;
    if (held?.unsaved && !(await this.saveTurn(consumer, held))) return undefined;
    const leaseMs = this.config.outbox.leaseMs;
    const renewAt = Date.now() + leaseMs / 2;
    const [cursor] = await this.prisma.$queryRaw<Cursor[]>`
      UPDATE ${this.table()}
         SET "leaseOwner" = ${this.owner},
             "leaseUntil" = (now() AT TIME ZONE 'UTC') + ${leaseMs}::int * interval '1 millisecond'
       WHERE "consumer" = ${consumer}
         AND ("leaseOwner" IS NULL OR "leaseOwner" = ${this.owner} OR "leaseUntil" < now() AT TIME ZONE 'UTC')
      RETURNING "txid"::text AS "txid", "chatRoomId", "eventSeq"`;
    if (!cursor) {
      this.turns.delete(consumer);
      return undefined;
    }
    const turn = { cursor, unsaved: false, savedAt: Date.now(), renewAt };
    this.turns.set(consumer, turn);
    return turn;
  }

  /** Stores a turn's cursor; false (and the turn dropped) when the lease was lost meanwhile. */
  private async saveTurn(consumer: string, turn: Turn): Promise<boolean> {
    if (!(await this.save(this.prisma, consumer, turn.cursor))) {
      this.lost(consumer);
      return false;
    }
    Object.assign(turn, { unsaved: false, savedAt: Date.now() });
    return true;
  }

  /** Our turn ran out and another process took it: it reads from the stored cursor (what we passed, again). */
  private lost(consumer: string): void {
    this.turns.delete(consumer);
    this.logger.warn(`outbox ${consumer}: lost its turn (this process was too slow); another process reads on`);
  }

  /** Stores the cursor, if this process still holds the turn. */
  private async save(db: Prisma.TransactionClient, consumer: string, cursor: Cursor): Promise<boolean> {
    const count = await db.$executeRaw`
      UPDATE ${this.table()}
         SET "txid" = ${cursor.txid}::xid8, "chatRoomId" = ${cursor.chatRoomId}::uuid, "eventSeq" = ${cursor.eventSeq}::int,
             "updatedAt" = now() AT TIME ZONE 'UTC'
       WHERE "consumer" = ${consumer} AND "leaseOwner" = ${this.owner}`;
    return count > 0;
  }

  private read(cursor: Cursor, types: readonly RoomEventType[]): Promise<(OutboxEvent & { txid: string })[]> {
    return this.prisma.$queryRaw<(OutboxEvent & { txid: string })[]>`
      SELECT "chatRoomId", "eventSeq", "type", "messageId", "data", "createdAt", "txid"::text AS "txid"
        FROM ${this.prisma.table('RoomEvent')}
       WHERE ("txid", "chatRoomId", "eventSeq") > (${cursor.txid}::xid8, ${cursor.chatRoomId}::uuid, ${cursor.eventSeq}::int)
         AND "txid" < pg_snapshot_xmin(pg_current_snapshot())
         AND "type" = ANY(${[...types]}::text[])
       ORDER BY "txid", "chatRoomId", "eventSeq"
       LIMIT ${BATCH}`;
  }

  private async keep(tx: Prisma.TransactionClient, deliveries: NewDelivery[]): Promise<void> {
    await tx.outboxDelivery.createMany({
      data: deliveries.map((d) => ({
        id: d.id,
        target: d.target,
        chatRoomId: d.chatRoomId,
        eventSeq: d.eventSeq,
        type: d.type,
        payload: d.payload,
      })),
      skipDuplicates: true,
    });
  }

  private table(): Prisma.Sql {
    return this.prisma.table('OutboxCursor');
  }
}

function byRoomOrder(a: OutboxEvent, b: OutboxEvent): number {
  if (a.chatRoomId !== b.chatRoomId) return a.chatRoomId < b.chatRoomId ? -1 : 1;
  return a.eventSeq - b.eventSeq;
}
