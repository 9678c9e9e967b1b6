import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ChatConfig } from '../config/chat-config';
import { PrismaService } from '../persistence/prisma.service';

/**
 * Keeps the room event log within `eventLog.maxAgeMs` and the newest
 * `eventLog.maxEventsPerRoom` events of each room, every
 * `eventLog.pruneIntervalMs`. Every process prunes (the deletes are
 * idempotent); a failed run is logged and retried at the next interval.
 * Pruning never loses a change for a client: `sync` answers `resync` when a
 * cursor is older than what is kept. Finished outbox deliveries go with the
 * log's age.
 */
@Injectable()
export class EventLogPruner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(EventLogPruner.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly prisma: PrismaService,
    private readonly config: ChatConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.pruneQuietly(), this.config.eventLog.pruneIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Deletes what is past the retention; the number of events deleted. */
  async prune(): Promise<number> {
    const { maxAgeMs, maxEventsPerRoom } = this.config.eventLog;
    const [events, rooms, cursors] = ['RoomEvent', 'ChatRoom', 'OutboxCursor'].map((t) =>
      this.prisma.table(t as 'RoomEvent'),
    );
    const cutoff = new Date(Date.now() - maxAgeMs).toISOString();
    const old = await this.prisma.$executeRaw`
      DELETE FROM ${events} WHERE "createdAt" < (${cutoff}::timestamptz AT TIME ZONE 'UTC')`;
    // Only rooms with more events than kept: a range of the primary key each. Not what an outbox consumer (active
    // within maxAgeMs) has still to read: a webhook that is down for a while gets its events once it is back.
    const surplus = await this.prisma.$executeRaw`
      DELETE FROM ${events} e USING ${rooms} r
       WHERE r."lastEventSeq" > ${maxEventsPerRoom}::int AND e."chatRoomId" = r."id"
         AND e."eventSeq" <= r."lastEventSeq" - ${maxEventsPerRoom}::int
         AND NOT EXISTS (SELECT 1 FROM ${cursors} c
                          WHERE c."updatedAt" >= (${cutoff}::timestamptz AT TIME ZONE 'UTC') AND e."txid" >= c."txid")`;
    // Deliveries done (or given up) are kept as long as the log, to look into.
    await this.prisma.outboxDelivery.deleteMany({
      where: { status: { in: ['delivered', 'failed'] }, createdAt: { lt: new Date(cutoff) } },
    });
    return old + surplus;
  }

  private async pruneQuietly(): Promise<void> {
    try {
      const deleted = await this.prune();
      if (deleted > 0) this.logger.debug(`pruned ${deleted} room events`);
    } catch (error) {
      this.logger.warn(`pruning the room event log failed: ${(error as Error).message}`);
    }
  }
}
