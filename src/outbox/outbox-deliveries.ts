import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ChatConfig } from '../config/chat-config';
import type { Prisma } from '../persistence/generated/prisma/client';
import { PrismaService } from '../persistence/prisma.service';
import { retryDelayMs } from './backoff';
import { EventOutbox } from './event-outbox';
import { SerialRunner, settledWithin } from './serial-runner';

/** A delivery as an attempt sees it. */
export interface Delivery {
  id: string;
  target: string;
  chatRoomId: string;
  eventSeq: number;
  type: string;
  payload: Prisma.JsonValue;
  /** This attempt's number: 1 for the first. */
  attempts: number;
}

/** Makes the attempts of one kind of target. */
export interface DeliveryHandler {
  /** The targets it handles. */
  handles(target: string): boolean;
  /** Every target it handles (those this process can deliver to). */
  targets(): string[];
  /** Throws when the attempt failed (it is retried). */
  deliver(delivery: Delivery): Promise<void>;
  /** The longest an attempt takes. */
  readonly attemptMs: number;
}

const CLAIM = 50;
/** Attempts running at once in one process. */
const MAX_IN_FLIGHT = 64;
/** How long stopping waits for attempts in flight. */
const STOP_WAIT_MS = 2000;

/**
 * The deliveries kept in the database (OutboxDelivery): each attempted until
 * it succeeds, `outbox.maxAttempts` times at most, waiting longer after each
 * failure (see retryDelayMs). Every process takes due ones (`SKIP LOCKED`)
 * and moves them out of reach while it tries (`nextAttemptAt` ahead), so a
 * delivery is attempted by one process at a time, and again after a crash.
 */
@Injectable()
export class OutboxDeliveries implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ChatOutbox');
  private readonly handlers: DeliveryHandler[] = [];
  /** Attempts running, by delivery id. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly runner = new SerialRunner(() =>
    this.attemptDue().catch((error: unknown) => this.logger.warn(`outbox deliveries: ${(error as Error).message}`)),
  );

  constructor(
    private readonly prisma: PrismaService,
    private readonly config: ChatConfig,
    outbox: EventOutbox,
  ) {
    outbox.onDeliveriesKept(() => this.runner.trigger());
  }

  register(handler: DeliveryHandler): void {
    this.handlers.push(handler);
  }

  onApplicationBootstrap(): void {
    if (this.handlers.length > 0) this.runner.start(this.config.outbox.pollIntervalMs);
  }

  /** Stops taking deliveries; those still in flight after a moment are handed back, due at once for any process. */
  async onModuleDestroy(): Promise<void> {
    await this.runner.stop(STOP_WAIT_MS);
    await settledWithin(Promise.all(this.inFlight.values()), STOP_WAIT_MS);
    const unfinished = [...this.inFlight.keys()];
    if (unfinished.length === 0) return;
    await this.prisma.outboxDelivery
      .updateMany({ where: { id: { in: unfinished }, status: 'pending' }, data: { nextAttemptAt: new Date() } })
      .catch((error: unknown) => this.logger.warn(`could not hand back deliveries: ${(error as Error).message}`));
  }

  /** Attempts what is due now and waits for the attempts (for tests and tools). */
  async drain(): Promise<void> {
    if (this.handlers.length === 0) return;
    await this.runner.drain();
    await Promise.all(this.inFlight.values());
  }

  /**
   * Claims due deliveries and starts their attempts, up to MAX_IN_FLIGHT at
   * once: an attempt that hangs holds its own slot, not the others. Each
   * attempt that ends runs this again.
   */
  private async attemptDue(): Promise<void> {
    while (!this.runner.isStopped) {
      const room = Math.min(CLAIM, MAX_IN_FLIGHT - this.inFlight.size);
      if (room <= 0) return;
      const due = await this.claim(room);
      for (const delivery of due) {
        const attempt = this.attempt(delivery)
          .catch((error: unknown) => this.logger.warn(`outbox delivery ${delivery.id}: ${(error as Error).message}`))
          .finally(() => {
            this.inFlight.delete(delivery.id);
            this.runner.trigger();
          });
        this.inFlight.set(delivery.id, attempt);
      }
      if (due.length < room) return;
    }
  }

  /** Up to `limit` due deliveries, each with its attempt counted and held out of others' reach meanwhile. */
  private claim(limit: number): Promise<Delivery[]> {
    const targets = this.handlers.flatMap((h) => h.targets());
    const holdMs = Math.max(...this.handlers.map((h) => h.attemptMs)) + 5000;
    const table = this.prisma.table('OutboxDelivery');
    return this.prisma.$queryRaw<Delivery[]>`
      UPDATE ${table}
         SET "attempts" = "attempts" + 1,
             "nextAttemptAt" = (now() AT TIME ZONE 'UTC') + ${holdMs}::int * interval '1 millisecond'
       WHERE "id" IN (
         SELECT "id" FROM ${table}
          WHERE "status" = 'pending' AND "nextAttemptAt" <= now() AT TIME ZONE 'UTC' AND "target" = ANY(${targets}::text[])
          ORDER BY "nextAttemptAt" LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING "id", "target", "chatRoomId", "eventSeq", "type", "payload", "attempts"`;
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const handler = this.handlers.find((h) => h.handles(delivery.target));
    try {
      if (!handler) throw new Error(`no handler for ${delivery.target}`);
      await handler.deliver(delivery);
    } catch (error) {
      await this.failed(delivery, (error as Error).message ?? String(error));
      return;
    }
    await this.prisma.outboxDelivery.update({
      where: { id: delivery.id },
      data: { status: 'delivered', deliveredAt: new Date(), lastError: null },
    });
  }

  private async failed(delivery: Delivery, reason: string): Promise<void> {
    const { maxAttempts } = this.config.outbox;
    const lastError = reason.slice(0, 1000);
    if (delivery.attempts >= maxAttempts) {
      this.logger.error(
        `${delivery.target}: gave up on ${delivery.type} ${delivery.chatRoomId}#${delivery.eventSeq} ` +
          `(delivery ${delivery.id}) after ${delivery.attempts} attempts: ${lastError}`,
      );
      await this.prisma.outboxDelivery.update({ where: { id: delivery.id }, data: { status: 'failed', lastError } });
      return;
    }
    const nextAttemptAt = new Date(Date.now() + retryDelayMs(delivery.attempts, this.config.outbox));
    await this.prisma.outboxDelivery.update({ where: { id: delivery.id }, data: { nextAttemptAt, lastError } });
  }
}
