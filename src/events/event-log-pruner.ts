import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ChatConfig } from '../config/chat-config';
import { PrismaService } from '../persistence/prisma.service';

/**
 * Keeps the room event log within `eventLog.maxAgeMs` and the newest
 * `eventLog.maxEventsPerRoom` events of each room, every
 * `eventLog.pruneIntervalMs`. Every process prunes (the deletes are
 * idempotent); a failed run is logged and retried at the next interval.
 * Pruning never loses a change for a client: `sync` answers `resync` when a
 * cursor is older than what is kept.
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
    const [events, rooms] = [this.prisma.table('RoomEvent'), this.prisma.table('ChatRoom')];
    const cutoff = new Date(Date.now() - maxAgeMs).toISOString();
    const old = await this.prisma.$executeRaw`
      DELETE FROM ${events} WHERE "createdAt" < (${cutoff}::timestamptz AT TIME ZONE 'UTC')`;
    // Only rooms with more events than kept: a range of the primary key each.
    const surplus = await this.prisma.$executeRaw`
      DELETE FROM ${events} e USING ${rooms} r
       WHERE r."lastEventSeq" > ${maxEventsPerRoom}::int AND e."chatRoomId" = r."id"
         AND e."eventSeq" <= r."lastEventSeq" - ${maxEventsPerRoom}::int`;
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
