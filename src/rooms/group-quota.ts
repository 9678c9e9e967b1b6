import { AppError, ErrorCode } from '../common/app-error';
import { AdvisoryLock } from '../persistence/advisory-lock';
import type { Prisma } from '../persistence/generated/prisma/client';

type Tx = Prisma.TransactionClient;

/**
 * `limits.maxRoomsPerUser`: how many GROUP rooms a user can be in, whether
 * they created them or others added them. DIRECT rooms are not counted (one
 * per pair, so at most one per other user, and their creation is
 * rate-limited): others can fill a user's groups, but never lock them out of
 * direct messages.
 *
 * The count and the insert that follows must not interleave with another
 * request's for the same user, or concurrent creations and additions, each
 * fitting alone, would together pass the cap. So `reserve` takes a
 * transaction-scoped advisory lock per user first, in one fixed order
 * (ascending key) so two requests naming the same users cannot deadlock; the
 * count, a statement after the lock, sees every earlier holder's committed
 * rows (READ COMMITTED). Callers that also lock a room row lock it first.
 */
export class GroupQuota {
  /** Per chat schema, and apart from the migrator's single-key lock. */
  private readonly locks: AdvisoryLock;

  constructor(
    schema: string,
    private readonly limit: number,
  ) {
    this.locks = new AdvisoryLock(schema, 'group-quota');
  }

  /**
   * Within `tx`, before inserting: locks the users' quotas until the
   * transaction ends, then refuses with LIMIT_REACHED, naming them, if one
   * more group would put any of `userIds` over the cap.
   */
  async reserve(tx: Tx, userIds: string[]): Promise<void> {
    // A collision of two users' keys only makes them wait for each other.
    await this.locks.lockAll(tx, userIds);
    const counts = await tx.chatRoomParticipant.groupBy({
      by: ['userId'],
      where: { userId: { in: userIds }, chatRoom: { type: 'GROUP' } },
      _count: { _all: true },
    });
    const full = new Set(counts.filter((c) => c._count._all >= this.limit).map((c) => c.userId));
    if (full.size > 0) {
      throw new AppError(ErrorCode.LIMIT_REACHED, `A user can be in at most ${this.limit} groups`, {
        userIds: userIds.filter((id) => full.has(id)),
        limit: this.limit,
      });
    }
  }
}
