import { Injectable } from '@nestjs/common';
import { BlocksService } from '../blocks/blocks.service';
import { AppError, ErrorCode } from '../common/app-error';
import { ChatConfig } from '../config/chat-config';
import type { ChatRoomView } from '../contract/chat.events';
import type { ChatRoomParticipant, Prisma } from '../persistence/generated/prisma/client';
import { isUniqueViolation } from '../persistence/prisma-errors';
import { PrismaService } from '../persistence/prisma.service';
import { ChatEmitter } from '../realtime/chat.emitter';
import { ChatUsersService } from '../users/chat-users.service';
import { RoomWithParticipants, toParticipantResponse } from './chat-room.mapper';
import { ChatRoomViews } from './chat-room-views';
import { RoomEventLog, type NewRoomEvent } from '../events/room-event-log';
import { GroupQuota } from './group-quota';
import type { CreateChatRoomDto } from './dto/chat-room.dto';

const withParticipants = { participants: true } as const;
type Tx = Prisma.TransactionClient;

export interface CreateRoomResult {
  room: ChatRoomView;
  /** False when a DIRECT room for the pair already existed. */
  created: boolean;
}

const canManage = (p: Pick<ChatRoomParticipant, 'role'>): boolean => p.role === 'OWNER' || p.role === 'ADMIN';

/** The pair's key, the same whichever side asks; unambiguous for any ids (they may contain ':'). */
export function directKey(a: string, b: string): string {
  return JSON.stringify(a < b ? [a, b] : [b, a]);
}

/**
 * Rooms, participants and roles. Transport-neutral: callers pass the acting
 * user's id, errors are AppErrors, and every change is broadcast through
 * ChatEmitter whichever transport asked for it.
 */
@Injectable()
export class ChatRoomsService {
  private readonly quota: GroupQuota;

  constructor(
    private readonly prisma: PrismaService,
    private readonly users: ChatUsersService,
    private readonly emitter: ChatEmitter,
    private readonly views: ChatRoomViews,
    private readonly config: ChatConfig,
    private readonly blocks: BlocksService,
    private readonly events: RoomEventLog,
  ) {
    this.quota = new GroupQuota(config.schema, config.limits.maxRoomsPerUser);
  }

  async create(userId: string, dto: CreateChatRoomDto): Promise<CreateRoomResult> {
    const others = dto.participantIds;
    if (others.includes(userId)) {
      throw AppError.validation('participantIds must not include yourself', [
        { field: 'participantIds', errors: ['participantIds must not include yourself'] },
      ]);
    }
    if (dto.type === 'DIRECT') {
      if (others.length !== 1) {
        throw AppError.validation('a DIRECT room has exactly one other participant', [
          { field: 'participantIds', errors: ['a DIRECT room has exactly one other participant'] },
        ]);
      }
      if (dto.name !== undefined) {
        throw AppError.validation('only GROUP rooms have a name', [
          { field: 'name', errors: ['only GROUP rooms have a name'] },
        ]);
      }
      return this.findOrCreateDirect(userId, others[0]);
    }
    if (dto.name === undefined) {
      throw AppError.validation('a GROUP room needs a name', [
        { field: 'name', errors: ['name is required for GROUP rooms'] },
      ]);
    }
    const name = dto.name;
    this.assertRoomSize(others.length + 1);
    await this.blocks.assertReachable(userId, others);
    const room = await this.prisma.$transaction(async (tx) => {
      await this.quota.reserve(tx, [userId, ...others]);
      return tx.chatRoom.create({
        data: {
          type: 'GROUP',
          name,
          participants: {
            create: [{ userId, role: 'OWNER' }, ...others.map((id) => ({ userId: id, role: 'MEMBER' as const }))],
          },
        },
        include: withParticipants,
      });
    });
    await this.views.announce(room, [userId, ...others]);
    return { room: await this.views.view(room, userId), created: true };
  }

  /**
   * The DIRECT room of a pair, created on first use. Racing creations end in
   * one room (unique directKey). Not counted by the group quota: nobody can
   * lock another user out of direct messages by filling their groups.
   */
  async findOrCreateDirect(userId: string, otherId: string): Promise<CreateRoomResult> {
    if (otherId === userId) {
      throw AppError.validation('a DIRECT room needs another user', [
        { field: 'participantIds', errors: ['cannot open a DIRECT room with yourself'] },
      ]);
    }
    const key = directKey(userId, otherId);
    const existing = await this.prisma.chatRoom.findUnique({ where: { directKey: key }, include: withParticipants });
    if (existing) return { room: await this.views.view(existing, userId), created: false };
    await this.blocks.assertReachable(userId, [otherId]);
    try {
      const room = await this.prisma.chatRoom.create({
        data: {
          type: 'DIRECT',
          directKey: key,
          participants: {
            create: [
              { userId, role: 'MEMBER' },
              { userId: otherId, role: 'MEMBER' },
            ],
          },
        },
        include: withParticipants,
      });
      await this.views.announce(room, [userId, otherId]);
      return { room: await this.views.view(room, userId), created: true };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const winner = await this.prisma.chatRoom.findUniqueOrThrow({
        where: { directKey: key },
        include: withParticipants,
      });
      return { room: await this.views.view(winner, userId), created: false };
    }
  }

  /** The user's rooms, most recently active first. */
  /** The user's rooms (only `chatRoomIds` among them, when given), most recently active first. */
  async listForUser(userId: string, chatRoomIds?: string[]): Promise<ChatRoomView[]> {
    const rooms = await this.prisma.chatRoom.findMany({
      where: { participants: { some: { userId } }, ...(chatRoomIds && { id: { in: chatRoomIds } }) },
      include: withParticipants,
    });
    return (await this.views.views(rooms, userId)).sort((a, b) => activity(b).localeCompare(activity(a)));
  }

  async getForUser(userId: string, chatRoomId: string): Promise<ChatRoomView> {
    const room = await this.loadRoom(chatRoomId);
    this.participantOf(room, userId);
    return this.views.view(room, userId);
  }

  // ---- membership: the one place that answers who is in which room ----

  /** The ids of the room's participants. */
  async memberIds(chatRoomId: string): Promise<string[]> {
    const rows = await this.prisma.chatRoomParticipant.findMany({ where: { chatRoomId }, select: { userId: true } });
    return rows.map((r) => r.userId);
  }

  /** A blocked sender in a DIRECT room: NOT_FOUND, as if the blocker did not exist (see BlocksService). */
  assertNotBlockedInDirect(senderId: string, chatRoomId: string): Promise<void> {
    return this.blocks.assertNotBlockedInDirect(senderId, chatRoomId);
  }

  /** The room's participants with their mutes (the offline notifications' recipients). */
  async membersWithMutes(chatRoomId: string): Promise<{ userId: string; mutedUntil: Date | null }[]> {
    return this.prisma.chatRoomParticipant.findMany({
      where: { chatRoomId },
      select: { userId: true, mutedUntil: true },
    });
  }

  /** Everyone who shares at least one room with the user. */
  async roomMateIds(userId: string): Promise<string[]> {
    const rows = await this.prisma.chatRoomParticipant.findMany({
      where: { chatRoom: { participants: { some: { userId } } }, userId: { not: userId } },
      select: { userId: true },
      distinct: ['userId'],
    });
    return rows.map((r) => r.userId);
  }

  /** Ids of every room the user is in: the socket auto-joins these at connect. */
  async roomIdsForUser(userId: string): Promise<string[]> {
    // Straight on the driver: this runs at every handshake.
    const rows = await this.prisma.database.query<{ chatRoomId: string }>(
      `SELECT "chatRoomId"::text AS "chatRoomId" FROM ${this.prisma.database.table('ChatRoomParticipant')} WHERE "userId" = $1`,
      [userId],
    );
    return rows.map((r) => r.chatRoomId);
  }

  /**
   * The participant row of `userId` in the room. Unknown room → NOT_FOUND,
   * not a participant → FORBIDDEN.
   */
  async requireParticipant(
    userId: string,
    chatRoomId: string,
  ): Promise<ChatRoomParticipant & { roomType: 'DIRECT' | 'GROUP' }> {
    const room = await this.prisma.chatRoom.findUnique({
      where: { id: chatRoomId },
      select: { type: true, participants: { where: { userId } } },
    });
    if (!room) throw AppError.notFound('Chat room');
    const participant = room.participants[0];
    if (!participant) throw AppError.forbidden('You are not a participant of this chat room');
    return { ...participant, roomType: room.type };
  }

  async leave(userId: string, chatRoomId: string): Promise<{ chatRoomId: string }> {
    const logged = await this.inRoomTransaction(chatRoomId, async (tx, room) => {
      const me = this.participantOf(room, userId);
      this.assertGroup(room, 'You cannot leave a DIRECT room');
      await tx.chatRoomParticipant.delete({ where: { chatRoomId_userId: { chatRoomId, userId } } });
      const heir = await this.keepAnOwner(tx, room, me);
      const events: NewRoomEvent[] = [{ type: 'participantRemoved', data: { chatRoomId, userId, removedBy: userId } }];
      if (heir) {
        const roles = [{ userId: heir, role: 'OWNER' as const }];
        const data = { chatRoomId, updatedAt: room.updatedAt.toISOString(), updatedBy: userId, roles };
        events.push({ type: 'chatRoomUpdated', data });
      }
      return this.events.appendAll(tx, chatRoomId, events);
    });
    // The leaver hears of their own removal (its sockets then leave the room), not of the new owner.
    this.emitter.roomEvents(chatRoomId, logged.slice(0, 1), [userId]);
    this.emitter.leaveRoom([userId], chatRoomId);
    this.emitter.roomEvents(chatRoomId, logged.slice(1));
    return { chatRoomId };
  }

  async addParticipants(actorId: string, chatRoomId: string, userIds: string[]): Promise<ChatRoomView> {
    // Before the transaction: the host's directory may use the same (embedded, single-connection) database.
    await this.blocks.assertReachable(actorId, userIds);
    const profiles = await this.users.profiles(userIds);
    const logged = await this.inRoomTransaction(chatRoomId, async (tx, room) => {
      const actor = this.participantOf(room, actorId);
      this.assertGroup(room, 'DIRECT rooms have fixed participants');
      if (!canManage(actor)) throw AppError.forbidden('Only the owner or an admin can add participants');
      const already = userIds.filter((id) => room.participants.some((p) => p.userId === id));
      if (already.length > 0) {
        throw new AppError(ErrorCode.CONFLICT, 'Some users are already participants', { userIds: already });
      }
      this.assertRoomSize(room.participants.length + userIds.length);
      // Through `tx`: the embedded database has one connection, held by this transaction.
      await this.quota.reserve(tx, userIds);
      // Newcomers start with the history marked read: no flood of unread for old messages. Their membership
      // starts at the participantsAdded event (the room row is locked: it is the room's next one).
      const rows = await tx.chatRoomParticipant.createManyAndReturn({
        data: userIds.map((id) => ({
          chatRoomId,
          userId: id,
          role: 'MEMBER' as const,
          lastReadSeq: room.lastSeq,
          lastDeliveredSeq: room.lastSeq,
          joinedEventSeq: room.lastEventSeq + 1,
        })),
      });
      const byUser = new Map(rows.map((r) => [r.userId, r]));
      const participants = userIds.map((id) => toParticipantResponse(byUser.get(id)!, profiles));
      const data = { chatRoomId, userIds, participants, addedBy: actorId };
      return this.events.appendAll(tx, chatRoomId, [{ type: 'participantsAdded', data }]);
    });
    const room = await this.loadRoom(chatRoomId);
    // The room hears of the newcomers only (O(added)); the newcomers, whose sockets join after it, get the whole room.
    this.emitter.roomEvents(chatRoomId, logged);
    await this.views.announce(room, userIds);
    return this.views.view(room, actorId);
  }

  /**
   * Removes `userId` from a group. The last owner cannot be removed, not even
   * by themselves (leaving instead hands ownership on). Removing oneself is
   * allowed to anyone; otherwise owners remove anyone, admins members only.
   */
  async removeParticipant(actorId: string, chatRoomId: string, userId: string): Promise<ChatRoomView> {
    const logged = await this.inRoomTransaction(chatRoomId, async (tx, room) => {
      const actor = this.participantOf(room, actorId);
      this.assertGroup(room, 'DIRECT rooms have fixed participants');
      const target = room.participants.find((p) => p.userId === userId);
      if (!target) throw AppError.notFound('Participant');
      if (target.role === 'OWNER' && room.participants.filter((p) => p.role === 'OWNER').length === 1) {
        throw AppError.conflict('Cannot remove the last owner');
      }
      if (userId !== actorId) {
        if (!canManage(actor)) throw AppError.forbidden('Only the owner or an admin can remove participants');
        if (actor.role === 'ADMIN' && target.role !== 'MEMBER')
          throw AppError.forbidden('An admin can remove members only');
      }
      await tx.chatRoomParticipant.delete({ where: { chatRoomId_userId: { chatRoomId, userId } } });
      const data = { chatRoomId, userId, removedBy: actorId };
      return this.events.appendAll(tx, chatRoomId, [{ type: 'participantRemoved', data }]);
    });
    this.emitter.roomEvents(chatRoomId, logged, [userId]);
    this.emitter.leaveRoom([userId], chatRoomId);
    return this.views.view(await this.loadRoom(chatRoomId), actorId);
  }

  /** Renames a group: one chatRoomUpdated delta to the room, whatever its size. */
  async update(actorId: string, chatRoomId: string, name: string): Promise<ChatRoomView> {
    const actor = await this.requireParticipant(actorId, chatRoomId);
    if (actor.roomType !== 'GROUP') throw AppError.forbidden('DIRECT rooms have no name');
    if (!canManage(actor)) throw AppError.forbidden('Only the owner or an admin can rename the room');
    const logged = await this.prisma.$transaction(async (tx) => {
      if (!(await this.events.lock(tx, chatRoomId))) return [];
      const renamed = await tx.chatRoom.updateManyAndReturn({
        where: { id: chatRoomId, name: { not: name } },
        data: { name },
        select: { updatedAt: true },
      });
      if (renamed.length === 0) return [];
      const data = { chatRoomId, updatedAt: renamed[0].updatedAt.toISOString(), updatedBy: actorId, name };
      return this.events.appendAll(tx, chatRoomId, [{ type: 'chatRoomUpdated', data }]);
    });
    this.emitter.roomEvents(chatRoomId, logged);
    return this.getForUser(actorId, chatRoomId);
  }

  // ---- helpers ----

  private async loadRoom(chatRoomId: string): Promise<RoomWithParticipants> {
    const room = await this.prisma.chatRoom.findUnique({ where: { id: chatRoomId }, include: withParticipants });
    if (!room) throw AppError.notFound('Chat room');
    return room;
  }

  private participantOf(room: RoomWithParticipants, userId: string): ChatRoomParticipant {
    const participant = room.participants.find((p) => p.userId === userId);
    if (!participant) throw AppError.forbidden('You are not a participant of this chat room');
    return participant;
  }

  private assertGroup(room: RoomWithParticipants, message: string): void {
    if (room.type !== 'GROUP') throw AppError.forbidden(message);
  }

  private assertRoomSize(size: number): void {
    if (size > this.config.limits.maxRoomParticipants) {
      throw AppError.conflict(`A room has at most ${this.config.limits.maxRoomParticipants} participants`);
    }
  }

  /**
   * Membership changes run in a transaction that first locks the room row, so
   * concurrent changes to one room (two owners removing each other, two adds
   * of one user) are serialized and the checks see the committed state.
   */
  private async inRoomTransaction<T>(
    chatRoomId: string,
    fn: (tx: Tx, room: RoomWithParticipants) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        if (!(await this.events.lock(tx, chatRoomId))) throw AppError.notFound('Chat room');
        const room = await tx.chatRoom.findUniqueOrThrow({ where: { id: chatRoomId }, include: withParticipants });
        return fn(tx, room);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw AppError.conflict('Some users are already participants');
      throw error;
    }
  }

  /** When the last owner leaves a group, its longest-standing admin (else member) becomes owner: their id. */
  private async keepAnOwner(
    tx: Tx,
    room: RoomWithParticipants,
    leaver: ChatRoomParticipant,
  ): Promise<string | undefined> {
    if (leaver.role !== 'OWNER') return undefined;
    const rest = room.participants.filter((p) => p.userId !== leaver.userId);
    if (rest.length === 0 || rest.some((p) => p.role === 'OWNER')) return undefined;
    const byTenure = [...rest].sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime());
    const heir = byTenure.find((p) => p.role === 'ADMIN') ?? byTenure[0];
    await tx.chatRoomParticipant.update({
      where: { chatRoomId_userId: { chatRoomId: room.id, userId: heir.userId } },
      data: { role: 'OWNER' },
    });
    return heir.userId;
  }
}

function activity(room: ChatRoomView): string {
  return room.lastMessageAt ?? room.createdAt;
}
