import { Injectable, Logger } from '@nestjs/common';
import { ChatConfig } from '../config/chat-config';
import { PrismaService } from '../persistence/prisma.service';
import { ChatEmitter } from '../realtime/chat.emitter';
import type { UserStatusEvent } from '../contract/chat.events';
import { ChatRoomsService } from '../rooms/chat-rooms.service';
import { TypingService } from '../typing/typing.service';
import { ChatUsersService } from '../users/chat-users.service';
import { PresenceStore } from './presence.store';

/** Most ids one presence query may name. */
export const MAX_PRESENCE_IDS = 1000;

/**
 * Online while at least one socket of the user is connected (any tab, any
 * device, any node). Coming online and going offline are announced as
 * `userStatus` to the people who share a room with the user, nobody else,
 * and only they (and the user) may ask about it.
 *
 * Changes are announced in batches every `presence.announceMs`: when many
 * users connect at once (a deploy, a network blip), each room-mate's socket
 * gets the statuses together in a few writes instead of one write each.
 * Within a batch only a user's latest status goes out, so a page reload
 * (offline, online again) is not announced as going offline.
 */
@Injectable()
export class PresenceService {
  private readonly logger = new Logger(PresenceService.name);
  /** The statuses of the next batch, by user; re-queuing a user moves them to the end. */
  private readonly pending = new Map<string, { chatRoomIds: string[]; status: UserStatusEvent }>();
  private announceTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: PresenceStore,
    private readonly prisma: PrismaService,
    private readonly emitter: ChatEmitter,
    private readonly typing: TypingService,
    private readonly rooms: ChatRoomsService,
    private readonly users: ChatUsersService,
    private readonly config: ChatConfig,
  ) {
    // A dead node's users are reaped by a survivor: announce them as gone from here.
    store.onUsersOffline((userIds) => {
      for (const userId of userIds) {
        this.wentOffline(userId).catch((error: unknown) =>
          this.logger.warn(`offline broadcast failed: ${(error as Error).message}`),
        );
      }
    });
  }

  /** A socket of the user connected; `chatRoomIds` are the rooms it was subscribed to. */
  async socketConnected(userId: string, socketId: string, chatRoomIds: string[]): Promise<void> {
    if (!(await this.store.add(userId, socketId))) return;
    // Seen now; stored when they go (one write per session, not per connect).
    this.announce(chatRoomIds, { userId, isOnline: true, lastSeenAt: new Date().toISOString() });
  }

  async socketDisconnected(userId: string, socketId: string): Promise<void> {
    if (await this.store.remove(userId, socketId)) await this.wentOffline(userId);
  }

  /** Graceful shutdown: this node's sockets are gone; announce the users who have no socket left anywhere. */
  async leaveCluster(): Promise<void> {
    const offline = await this.store.leaveCluster();
    await Promise.all(offline.map((userId) => this.wentOffline(userId).catch(() => undefined)));
    // Now, not in announceMs: the connections to Redis and the sockets are about to close.
    this.flushAnnouncements();
  }

  private async wentOffline(userId: string): Promise<void> {
    await this.typing.stopAllFor(userId);
    const at = await this.touch(userId);
    const chatRoomIds = await this.rooms.roomIdsForUser(userId);
    // They may have reconnected while this ran: an "offline" queued after their "online" would stick.
    if (await this.isUserOnline(userId)) return;
    this.announce(chatRoomIds, { userId, isOnline: false, lastSeenAt: at.toISOString() });
  }

  /** Queues a status for the user's room-mates, replacing one still queued; batches go out every announceMs. */
  private announce(chatRoomIds: string[], status: UserStatusEvent): void {
    this.pending.delete(status.userId);
    this.pending.set(status.userId, { chatRoomIds, status });
    this.announceTimer ??= setTimeout(() => this.flushAnnouncements(), this.config.presenceAnnounceMs);
  }

  private flushAnnouncements(): void {
    clearTimeout(this.announceTimer);
    this.announceTimer = undefined;
    const batch = [...this.pending.values()];
    this.pending.clear();
    for (const { chatRoomIds, status } of batch) {
      this.emitter.toRoomsExceptUser(chatRoomIds, status.userId, 'userStatus', status);
    }
  }

  async isUserOnline(userId: string): Promise<boolean> {
    return (await this.store.onlineAmong([userId])).length === 1;
  }

  getOnlineUsersCount(): Promise<number> {
    return this.store.countOnline();
  }

  /**
   * Which of `userIds` (default: the caller's room-mates) are online. Only
   * the caller and their room-mates are answered for; others are left out.
   */
  async getOnlineUsers(callerId: string, userIds?: string[]): Promise<{ userIds: string[] }> {
    return { userIds: await this.store.onlineAmong(await this.visibleTo(callerId, userIds)) };
  }

  /**
   * Full status of `userIds` (default: the caller's room-mates). Ids that are
   * neither the caller nor a room-mate are left out, like unknown ones.
   */
  async statuses(callerId: string, userIds?: string[]): Promise<UserStatusEvent[]> {
    const ids = await this.visibleTo(callerId, userIds);
    if (ids.length === 0) return [];
    const [online, known, states] = await Promise.all([
      this.store.onlineAmong(ids),
      this.users.profiles(ids),
      this.prisma.userState.findMany({ where: { userId: { in: ids } } }),
    ]);
    const onlineSet = new Set(online);
    const lastSeen = new Map(states.map((s) => [s.userId, s.lastSeenAt]));
    const now = new Date().toISOString();
    // Online users are seen right now; the stored value is their last disconnect.
    return ids
      .filter((id) => known.has(id))
      .map((id) => ({
        userId: id,
        isOnline: onlineSet.has(id),
        lastSeenAt: onlineSet.has(id) ? now : (lastSeen.get(id)?.toISOString() ?? null),
      }));
  }

  /**
   * The ids among `userIds` whose presence the caller may see: themselves and
   * the people they share a room with (left out, a stranger looks the same as
   * an unknown id, so the answer tells nothing about who exists or is online).
   */
  private async visibleTo(callerId: string, userIds: string[] | undefined): Promise<string[]> {
    const mates = await this.rooms.roomMateIds(callerId);
    if (userIds === undefined) return mates;
    const visible = new Set([callerId, ...mates]);
    return [...new Set(userIds)].filter((id) => visible.has(id));
  }

  /** Stores lastSeenAt; presence must not fail because the database hiccuped. */
  private async touch(userId: string): Promise<Date> {
    const at = new Date();
    await this.prisma.userState
      .upsert({ where: { userId }, create: { userId, lastSeenAt: at }, update: { lastSeenAt: at } })
      .catch((error: unknown) => {
        this.logger.warn(`could not store lastSeenAt of ${userId}: ${(error as Error).message}`);
      });
    return at;
  }
}
