import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { isChatId } from '../common/chat-id.validator';
import { PG_INT_MAX } from '../common/pg-int';
import type { RoomSync, SyncPayload, SyncResult } from '../contract/chat.events';
import { PrismaService } from '../persistence/prisma.service';
import { ChatRoomsService } from '../rooms/chat-rooms.service';
import { RoomEventPayloads } from './room-event-payloads';

export const MAX_SYNC_ROOMS = 500;
export const MAX_SYNC_EVENTS = 500;
export const DEFAULT_SYNC_EVENTS = 100;

interface Membership {
  chatRoomId: string;
  joinedEventSeq: number;
  lastReadSeq: number;
  lastDeliveredSeq: number;
  chatRoom: { lastSeq: number; lastEventSeq: number };
}

/**
 * `sync`: everything that changed in a user's rooms after the client's
 * cursors, replayed from the room event log, so a client that was away
 * (any outage, any node) ends with exactly the server's state.
 *
 * - A room the user is in: its events after the cursor, in order. A cursor
 *   from before the user's current membership began (they were away from
 *   the room), past the room's newest event, or older than the log keeps
 *   (the replayed events would not start right after it): `resync`.
 * - A room the user is not in (left, removed, or never in): `left`, and no
 *   events at all. The client drops the room; replaying what happened before
 *   the removal would rebuild messages from their current rows, and so show
 *   a former member edits made after they left.
 */
@Injectable()
export class SyncService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly rooms: ChatRoomsService,
    private readonly payloads: RoomEventPayloads,
  ) {}

  async sync(userId: string, payload: SyncPayload): Promise<SyncResult> {
    const limit = checkPayload(payload);
    const memberships: Membership[] = await this.prisma.chatRoomParticipant.findMany({
      where: { userId },
      select: {
        chatRoomId: true,
        joinedEventSeq: true,
        lastReadSeq: true,
        lastDeliveredSeq: true,
        chatRoom: { select: { lastSeq: true, lastEventSeq: true } },
      },
    });
    const byRoom = new Map(memberships.map((m) => [m.chatRoomId, m]));
    const asked = payload.rooms.map((r) => ({ chatRoomId: r.chatRoomId.toLowerCase(), after: r.afterEventSeq }));
    const askedIds = new Set(asked.map((r) => r.chatRoomId));
    const newIds = memberships.map((m) => m.chatRoomId).filter((id) => !askedIds.has(id));
    const [rooms, joined] = await Promise.all([
      Promise.all(asked.map((r) => this.roomSync(r.chatRoomId, r.after, byRoom.get(r.chatRoomId), limit))),
      newIds.length > 0 ? this.rooms.listForUser(userId, newIds) : [],
    ]);
    return {
      rooms,
      joined,
      readStates: memberships.map((m) => ({
        chatRoomId: m.chatRoomId,
        lastDeliveredSeq: m.lastDeliveredSeq,
        lastReadSeq: m.lastReadSeq,
        unreadCount: Math.max(0, m.chatRoom.lastSeq - m.lastReadSeq),
      })),
    };
  }

  private async roomSync(
    chatRoomId: string,
    after: number,
    member: Membership | undefined,
    limit: number,
  ): Promise<RoomSync> {
    const answer: RoomSync = { chatRoomId, events: [], hasMore: false, resync: false, left: false };
    if (member) {
      if (after < member.joinedEventSeq || after > member.chatRoom.lastEventSeq) return { ...answer, resync: true };
      if (after === member.chatRoom.lastEventSeq) return answer;
      return this.replay(answer, after, member.chatRoom.lastEventSeq, limit);
    }
    return { ...answer, left: true };
  }

  /** The events (after, upTo], at most `limit`; `resync` if the log no longer starts right after the cursor. */
  private async replay(answer: RoomSync, after: number, upTo: number, limit: number): Promise<RoomSync> {
    const rows = await this.prisma.roomEvent.findMany({
      where: { chatRoomId: answer.chatRoomId, eventSeq: { gt: after, lte: upTo } },
      orderBy: { eventSeq: 'asc' },
      take: limit + 1,
    });
    // Pruned meanwhile (or never kept): the client must reload the room rather than miss changes.
    if (rows[0]?.eventSeq !== after + 1) return { ...answer, resync: true };
    const page = rows.slice(0, limit);
    return { ...answer, events: await this.payloads.build(page), hasMore: rows.length > limit };
  }
}

/** The DTOs check the same; host code calling in does not pass through them. The events per room. */
function checkPayload(payload: SyncPayload): number {
  const fail = (field: string, error: string): never => {
    throw AppError.validation(error, [{ field, errors: [error] }]);
  };
  if (!Array.isArray(payload?.rooms)) fail('rooms', 'rooms must be an array');
  if (payload.rooms.length > MAX_SYNC_ROOMS) fail('rooms', `rooms must have at most ${MAX_SYNC_ROOMS} entries`);
  payload.rooms.forEach((room, i) => {
    if (!isChatId(room?.chatRoomId)) fail(`rooms[${i}].chatRoomId`, 'chatRoomId must be a UUID');
    const after = room.afterEventSeq;
    if (!Number.isInteger(after) || after < 0 || after > PG_INT_MAX) {
      fail(`rooms[${i}].afterEventSeq`, 'afterEventSeq must be an integer >= 0');
    }
  });
  const limit = payload.limit ?? DEFAULT_SYNC_EVENTS;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SYNC_EVENTS) {
    fail('limit', `limit must be an integer from 1 to ${MAX_SYNC_EVENTS}`);
  }
  return limit;
}
