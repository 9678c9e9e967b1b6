import { createHash } from 'node:crypto';
import type { Prisma } from './generated/prisma/client';

const int32 = (text: string): number => createHash('sha256').update(text).digest().readInt32BE(0);

/**
 * A family of transaction-scoped PostgreSQL advisory locks, one per id (a
 * message, a room), per chat schema. Used where a count and the insert after
 * it must not interleave with another request's (reaction and pin caps), and
 * where a room row lock would get in the message writer's way (it skips
 * locked rooms). A collision of two ids' keys only makes them wait for each other.
 */
export class AdvisoryLock {
  private readonly lockClass: number;

  constructor(schema: string, purpose: string) {
    this.lockClass = int32(`nest-chat-gateway:${schema}:${purpose}`);
  }

  /** Held until `tx` ends. */
  async lock(tx: Prisma.TransactionClient, id: string): Promise<void> {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${this.lockClass}::int4, ${int32(id.toLowerCase())}::int4)`;
  }

  /**
   * Several ids (compared as given: user ids are case-sensitive), held until
   * `tx` ends, taken in one fixed order (ascending key) so two transactions
   * naming the same ids cannot deadlock.
   */
  async lockAll(tx: Prisma.TransactionClient, ids: string[]): Promise<void> {
    const keys = [...new Set(ids.map(int32))].sort((a, b) => a - b);
    // unnest yields the keys in array order, and the locks are taken row by row in that order.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${this.lockClass}::int4, k) FROM unnest(${keys}::int4[]) AS k`;
  }
}
