import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/app-error';
import { ChatConfig } from '../config/chat-config';
import type { BlockedUser } from '../contract/chat.events';
import { AdvisoryLock } from '../persistence/advisory-lock';
import { PrismaService } from '../persistence/prisma.service';
import { ChatUsersService } from '../users/chat-users.service';

/**
 * Who blocked whom. A blocked user cannot open a DIRECT room with the
 * blocker, send to their DIRECT room, or add them to a group; they are
 * answered exactly as if the blocker did not exist (NOT_FOUND "Unknown
 * users" naming them), so a block is never revealed. The blocker is not
 * restricted, and rooms that exist stay.
 */
@Injectable()
export class BlocksService {
  /** Per blocker: their block count and the insert after it. */
  private readonly lock: AdvisoryLock;

  constructor(
    private readonly prisma: PrismaService,
    private readonly users: ChatUsersService,
    private readonly config: ChatConfig,
  ) {
    this.lock = new AdvisoryLock(config.schema, 'user-blocks');
  }

  /** Idempotent. Yourself → VALIDATION_FAILED; an unknown user → NOT_FOUND; past the cap → LIMIT_REACHED. */
  async block(userId: string, blockedId: string): Promise<BlockedUser> {
    if (blockedId === userId) {
      throw AppError.validation('you cannot block yourself', [
        { field: 'userId', errors: ['you cannot block yourself'] },
      ]);
    }
    await this.users.assertExist([blockedId]);
    const key = { blockerId_blockedId: { blockerId: userId, blockedId } };
    const row =
      (await this.prisma.userBlock.findUnique({ where: key })) ??
      // The count and the insert under the blocker's lock: concurrent blocks cannot pass the cap together.
      (await this.prisma.$transaction(async (tx) => {
        await this.lock.lockAll(tx, [userId]);
        const existing = await tx.userBlock.findUnique({ where: key });
        if (existing) return existing;
        const limit = this.config.limits.maxBlockedUsers;
        if ((await tx.userBlock.count({ where: { blockerId: userId } })) >= limit) {
          throw new AppError(ErrorCode.LIMIT_REACHED, `You can block at most ${limit} users`, {
            userIds: [userId],
            limit,
          });
        }
        return tx.userBlock.create({ data: { blockerId: userId, blockedId } });
      }));
    return (await this.withProfiles([row]))[0];
  }

  /** Idempotent: unblocking someone not blocked changes nothing. */
  async unblock(userId: string, blockedId: string): Promise<{ userId: string }> {
    await this.prisma.userBlock.deleteMany({ where: { blockerId: userId, blockedId } });
    return { userId: blockedId };
  }

  /** The users `userId` blocked, most recent first, named from the host's directory. */
  async list(userId: string): Promise<BlockedUser[]> {
    const rows = await this.prisma.userBlock.findMany({
      where: { blockerId: userId },
      orderBy: [{ createdAt: 'desc' }, { blockedId: 'asc' }],
    });
    return this.withProfiles(rows);
  }

  /**
   * `actorId` may put these users in a room with them: each exists in the
   * host's directory and has not blocked the actor. Otherwise NOT_FOUND
   * naming them all, blockers and unknown users alike.
   */
  async assertReachable(actorId: string, userIds: string[]): Promise<void> {
    const ids = [...new Set(userIds)];
    const [profiles, blocks] = await Promise.all([
      this.users.profiles(ids),
      this.prisma.userBlock.findMany({
        where: { blockedId: actorId, blockerId: { in: ids } },
        select: { blockerId: true },
      }),
    ]);
    const blockers = new Set(blocks.map((b) => b.blockerId));
    unknownUsers(ids.filter((id) => !profiles.has(id) || blockers.has(id)));
  }

  /** Refuses a send into a DIRECT room whose other participant blocked the sender, as if they did not exist. */
  async assertNotBlockedInDirect(senderId: string, chatRoomId: string): Promise<void> {
    const peers = await this.directPeers(chatRoomId, senderId);
    if (peers.length === 0) return;
    const blocks = await this.prisma.userBlock.findMany({
      where: { blockedId: senderId, blockerId: { in: peers } },
      select: { blockerId: true },
    });
    unknownUsers(blocks.map((b) => b.blockerId));
  }

  /** The other participant of a DIRECT room (none for a GROUP). */
  private async directPeers(chatRoomId: string, userId: string): Promise<string[]> {
    const rows = await this.prisma.chatRoomParticipant.findMany({
      where: { chatRoomId, userId: { not: userId }, chatRoom: { type: 'DIRECT' } },
      select: { userId: true },
    });
    return rows.map((r) => r.userId);
  }

  private async withProfiles(rows: { blockedId: string; createdAt: Date }[]): Promise<BlockedUser[]> {
    const profiles = await this.users.profiles(rows.map((r) => r.blockedId));
    return rows.map((r) => ({
      userId: r.blockedId,
      name: profiles.get(r.blockedId)?.name ?? r.blockedId,
      avatarUrl: profiles.get(r.blockedId)?.avatarUrl ?? null,
      blockedAt: r.createdAt.toISOString(),
    }));
  }
}

/** The error for users the caller may not reach: the same as ChatUsersService.assertExist's. */
function unknownUsers(userIds: string[]): void {
  if (userIds.length > 0) throw new AppError(ErrorCode.NOT_FOUND, 'Unknown users', { userIds });
}
