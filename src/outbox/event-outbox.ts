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
/** How long stopping waits for a pass in flight. */
const STOP_WAIT_MS = 2000;
/** A hint waits this long, so one read covers a burst of writes. */
const WAKE_DELAY_MS = 20;

interface Cursor {
  txid: string;
  chatRoomId: string;
  eventSeq: number;
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
 * renewed at every pass); another takes over `outbox.leaseMs` after it
 * stops without handing it back.
 */
@Injectable()
export class EventOutbox implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ChatOutbox');
  private readonly owner = randomUUID();
  private readonly consumers: OutboxConsumer[] = [];
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
    const cursor = await this.claim(consumer.name);
    if (!cursor) return false;
    const events = await this.read(cursor, consumer.types);
    if (events.length === 0) return false;
    const last = events[events.length - 1];
    // Each room's events in its order (a batch spans transactions; a room's eventSeq is its commit order).
    const deliveries = await consumer.handle([...events].sort(byRoomOrder));
    const moved = await this.prisma.$transaction(async (tx) => {
      const count = await tx.$executeRaw`
        UPDATE ${this.table()}
           SET "txid" = ${last.txid}::xid8, "chatRoomId" = ${last.chatRoomId}::uuid, "eventSeq" = ${last.eventSeq}::int,
               "updatedAt" = now() AT TIME ZONE 'UTC'
         WHERE "consumer" = ${consumer.name} AND "leaseOwner" = ${this.owner}`;
      // Our turn ran out and another process read the batch too: it keeps (or kept) what it found.
      if (count === 0) return false;
      if (deliveries.length > 0) await this.keep(tx, deliveries);
      return true;
    });
    if (!moved) this.logger.warn(`outbox ${consumer.name}: lost its turn while handling a batch; read again`);
    else if (deliveries.length > 0) for (const listener of this.afterPass) listener();
    return moved && events.length === BATCH;
  }

  /** Takes (or renews) the consumer's turn; its cursor, or undefined when another process holds the turn. */
  private async claim(consumer: string): Promise<Cursor | undefined> {
    const leaseMs = this.config.outbox.leaseMs;
    const [cursor] = await this.prisma.$queryRaw<Cursor[]>`
      UPDATE ${this.table()}
         SET "leaseOwner" = ${this.owner},
             "leaseUntil" = (now() AT TIME ZONE 'UTC') + ${leaseMs}::int * interval '1 millisecond'
       WHERE "consumer" = ${consumer}
         AND ("leaseOwner" IS NULL OR "leaseOwner" = ${this.owner} OR "leaseUntil" < now() AT TIME ZONE 'UTC')
      RETURNING "txid"::text AS "txid", "chatRoomId", "eventSeq"`;
    return cursor;
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
