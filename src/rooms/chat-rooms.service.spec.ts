import { ChatConfig } from '../config/chat-config';
import type { ChatUserProfile } from '../config/chat-options';
import type { PrismaService } from '../persistence/prisma.service';
import type { ChatEmitter } from '../realtime/chat.emitter';
import { ChatUsersService } from '../users/chat-users.service';
import type { RoomWithParticipants } from './chat-room.mapper';
import { unreadCount } from './chat-room.mapper';
import { ChatRoomViews } from './chat-room-views';
import { ChatRoomsService, directKey } from './chat-rooms.service';

// The host's user ids: opaque strings.
const A = 'alice';
const B = 'bob';
const C = 'carol';
const D = 'dave';
const ROOM = '00000000-0000-4000-8000-0000000000f1';

function participant(userId: string, role: 'OWNER' | 'ADMIN' | 'MEMBER', joinedMinute = 0) {
  return {
    chatRoomId: ROOM,
    userId,
    role,
    joinedAt: new Date(Date.UTC(2026, 0, 1, 0, joinedMinute)),
    lastReadSeq: 0,
    lastDeliveredSeq: 0,
  };
}

function room(
  type: 'DIRECT' | 'GROUP',
  participants: ReturnType<typeof participant>[],
  lastSeq = 0,
): RoomWithParticipants {
  const at = new Date(Date.UTC(2026, 0, 1));
  return {
    id: ROOM,
    type,
    name: type === 'GROUP' ? 'Team' : null,
    directKey: null,
    lastSeq,
    lastMessageAt: null,
    createdAt: at,
    updatedAt: at,
    participants,
  };
}

describe(ChatRoomsService.name, () => {
  let prisma: any;
  let tx: any;
  let directory: { findByIds: jest.Mock<Promise<ChatUserProfile[]>, [string[]]> };
  let emitter: jest.Mocked<Pick<ChatEmitter, 'toRoom' | 'toUsers' | 'toRoomAndUsers' | 'joinRoom' | 'leaveRoom'>>;
  let service: ChatRoomsService;

  beforeEach(() => {
    tx = {
      $queryRaw: jest.fn().mockResolvedValue([{ id: ROOM }]),
      chatRoom: { findUniqueOrThrow: jest.fn() },
      chatRoomParticipant: {
        delete: jest.fn(),
        update: jest.fn(),
        createMany: jest.fn(),
        groupBy: jest.fn().mockResolvedValue([]),
      },
    };
    prisma = {
      chatRoom: {
        findUnique: jest.fn(),
        findUniqueOrThrow: jest.fn(),
        create: jest.fn(),
        findMany: jest.fn(),
        update: jest.fn(),
      },
      chatRoomParticipant: { findMany: jest.fn(), groupBy: jest.fn().mockResolvedValue([]) },
      message: { findMany: jest.fn().mockResolvedValue([]) },
      $transaction: jest.fn((fn: (t: unknown) => unknown) => fn(tx)),
      table: jest.fn((name: string) => `"chat"."${name}"`),
    };
    // The host's directory knows everyone but those a test removes.
    directory = { findByIds: jest.fn(async (ids: string[]) => ids.map((id) => ({ id, name: `User ${id}` }))) };
    emitter = {
      toRoom: jest.fn(),
      toUsers: jest.fn(),
      toRoomAndUsers: jest.fn(),
      joinRoom: jest.fn(),
      leaveRoom: jest.fn(),
    };
    const config = new ChatConfig({
      authenticate: () => null,
      users: directory,
      database: { dataDir: '/tmp/chat-unit' },
      limits: { maxRoomParticipants: 3 },
    });
    const users = new ChatUsersService(config);
    const views = new ChatRoomViews(prisma as PrismaService, users, emitter as unknown as ChatEmitter);
    service = new ChatRoomsService(prisma as PrismaService, users, emitter as unknown as ChatEmitter, views, config);
  });

  describe('create', () => {
    it.each([
      ['with yourself', { type: 'DIRECT' as const, participantIds: [A] }],
      ['with two others', { type: 'DIRECT' as const, participantIds: [B, C] }],
      ['with a name', { type: 'DIRECT' as const, name: 'x', participantIds: [B] }],
      ['a GROUP without a name', { type: 'GROUP' as const, participantIds: [B] }],
    ])('should refuse a room %s with VALIDATION_FAILED and store nothing', async (_, dto) => {
      await expect(service.create(A, dto)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(prisma.chatRoom.create).not.toHaveBeenCalled();
      expect(emitter.toUsers).not.toHaveBeenCalled();
    });

    it('should refuse unknown users with NOT_FOUND naming them', async () => {
      directory.findByIds.mockImplementation(async (ids) =>
        ids.filter((id) => id !== C).map((id) => ({ id, name: `User ${id}` })),
      );
      await expect(service.create(A, { type: 'GROUP', name: 'Team', participantIds: [B, C] })).rejects.toMatchObject({
        code: 'NOT_FOUND',
        details: { userIds: [C] },
      });
      expect(prisma.chatRoom.create).not.toHaveBeenCalled();
    });

    it('should refuse a group larger than limits.maxRoomParticipants', async () => {
      await expect(service.create(A, { type: 'GROUP', name: 'Team', participantIds: [B, C, D] })).rejects.toMatchObject(
        { code: 'CONFLICT' },
      );
    });

    it('should make the creator OWNER, the others MEMBERs, and announce the room to each of them', async () => {
      prisma.chatRoom.create.mockResolvedValue(room('GROUP', [participant(A, 'OWNER'), participant(B, 'MEMBER')]));
      const { room: view, created } = await service.create(A, { type: 'GROUP', name: 'Team', participantIds: [B] });
      expect(created).toBe(true);
      expect(prisma.chatRoom.create.mock.calls[0][0].data.participants.create).toEqual([
        { userId: A, role: 'OWNER' },
        { userId: B, role: 'MEMBER' },
      ]);
      expect(emitter.joinRoom).toHaveBeenCalledWith([A, B], ROOM);
      expect(emitter.toUsers).toHaveBeenCalledWith([A], 'chatRoomCreated', expect.objectContaining({ id: ROOM }));
      expect(emitter.toUsers).toHaveBeenCalledWith([B], 'chatRoomCreated', expect.objectContaining({ id: ROOM }));
      expect(view.participants.map((p) => p.role)).toEqual(['OWNER', 'MEMBER']);
      expect(view.participants.map((p) => p.name)).toEqual([`User ${A}`, `User ${B}`]);
    });
  });

  describe('findOrCreateDirect', () => {
    it('should return the existing room of a pair without broadcasting', async () => {
      prisma.chatRoom.findUnique.mockResolvedValue(
        room('DIRECT', [participant(A, 'MEMBER'), participant(B, 'MEMBER')]),
      );
      const result = await service.findOrCreateDirect(A, B);
      expect(result.created).toBe(false);
      expect(prisma.chatRoom.findUnique).toHaveBeenCalledWith(
        expect.objectContaining({ where: { directKey: directKey(B, A) } }),
      );
      expect(emitter.toUsers).not.toHaveBeenCalled();
    });

    it('should return the winner of a racing creation without broadcasting', async () => {
      prisma.chatRoom.findUnique.mockResolvedValue(null);
      prisma.chatRoom.create.mockRejectedValue(Object.assign(new Error('unique'), { code: 'P2002' }));
      prisma.chatRoom.findUniqueOrThrow.mockResolvedValue(
        room('DIRECT', [participant(A, 'MEMBER'), participant(B, 'MEMBER')]),
      );
      const result = await service.findOrCreateDirect(A, B);
      expect(result).toMatchObject({ created: false, room: { id: ROOM } });
      expect(emitter.toUsers).not.toHaveBeenCalled();
    });
  });

  describe('removeParticipant', () => {
    it('should not let an admin remove another admin', async () => {
      tx.chatRoom.findUniqueOrThrow.mockResolvedValue(
        room('GROUP', [participant(A, 'OWNER'), participant(B, 'ADMIN'), participant(C, 'ADMIN')]),
      );
      await expect(service.removeParticipant(B, ROOM, C)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(tx.chatRoomParticipant.delete).not.toHaveBeenCalled();
    });

    it.each([
      ['an admin', B],
      ['the owner themselves', A],
    ])('should refuse to remove the last owner, even by %s, with CONFLICT', async (_, actor) => {
      tx.chatRoom.findUniqueOrThrow.mockResolvedValue(
        room('GROUP', [participant(A, 'OWNER'), participant(B, 'ADMIN')]),
      );
      await expect(service.removeParticipant(actor, ROOM, A)).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(tx.chatRoomParticipant.delete).not.toHaveBeenCalled();
      expect(emitter.toRoomAndUsers).not.toHaveBeenCalled();
    });

    it('should let an owner remove another owner', async () => {
      tx.chatRoom.findUniqueOrThrow.mockResolvedValue(
        room('GROUP', [participant(A, 'OWNER'), participant(B, 'OWNER')]),
      );
      prisma.chatRoom.findUnique.mockResolvedValue(room('GROUP', [participant(A, 'OWNER')]));
      await service.removeParticipant(A, ROOM, B);
      expect(tx.chatRoomParticipant.delete).toHaveBeenCalledWith({
        where: { chatRoomId_userId: { chatRoomId: ROOM, userId: B } },
      });
    });

    it('should tell the room and the removed user, then unsubscribe the removed user', async () => {
      tx.chatRoom.findUniqueOrThrow.mockResolvedValue(
        room('GROUP', [participant(A, 'OWNER'), participant(B, 'MEMBER')]),
      );
      prisma.chatRoom.findUnique.mockResolvedValue(room('GROUP', [participant(A, 'OWNER')]));
      await service.removeParticipant(A, ROOM, B);
      expect(emitter.toRoomAndUsers).toHaveBeenCalledWith(ROOM, [B], 'participantRemoved', {
        chatRoomId: ROOM,
        userId: B,
        removedBy: A,
      });
      expect(emitter.leaveRoom).toHaveBeenCalledWith([B], ROOM);
    });
  });

  describe('leave', () => {
    it('should pass ownership to the longest-standing admin when the last owner leaves', async () => {
      tx.chatRoom.findUniqueOrThrow.mockResolvedValue(
        room('GROUP', [
          participant(A, 'OWNER', 0),
          participant(B, 'MEMBER', 1),
          participant(C, 'ADMIN', 2),
          participant(D, 'ADMIN', 3),
        ]),
      );
      prisma.chatRoom.findUnique.mockResolvedValue(room('GROUP', [participant(C, 'OWNER')]));
      await service.leave(A, ROOM);
      expect(tx.chatRoomParticipant.update).toHaveBeenCalledWith({
        where: { chatRoomId_userId: { chatRoomId: ROOM, userId: C } },
        data: { role: 'OWNER' },
      });
    });

    it('should refuse to leave a DIRECT room', async () => {
      tx.chatRoom.findUniqueOrThrow.mockResolvedValue(
        room('DIRECT', [participant(A, 'MEMBER'), participant(B, 'MEMBER')]),
      );
      await expect(service.leave(A, ROOM)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(tx.chatRoomParticipant.delete).not.toHaveBeenCalled();
    });
  });

  describe('addParticipants', () => {
    it('should refuse users who are already participants with CONFLICT and add nobody', async () => {
      tx.chatRoom.findUniqueOrThrow.mockResolvedValue(
        room('GROUP', [participant(A, 'OWNER'), participant(B, 'MEMBER')]),
      );
      await expect(service.addParticipants(A, ROOM, [B])).rejects.toMatchObject({
        code: 'CONFLICT',
        details: { userIds: [B] },
      });
      expect(tx.chatRoomParticipant.createMany).not.toHaveBeenCalled();
    });

    it('should start newcomers with the existing history marked read', async () => {
      tx.chatRoom.findUniqueOrThrow.mockResolvedValue(room('GROUP', [participant(A, 'OWNER')], 42));
      prisma.chatRoom.findUnique.mockResolvedValue(
        room('GROUP', [participant(A, 'OWNER'), participant(B, 'MEMBER')], 42),
      );
      await service.addParticipants(A, ROOM, [B]);
      expect(tx.chatRoomParticipant.createMany).toHaveBeenCalledWith({
        data: [{ chatRoomId: ROOM, userId: B, role: 'MEMBER', lastReadSeq: 42, lastDeliveredSeq: 42 }],
      });
      expect(emitter.toRoom).toHaveBeenCalledWith(ROOM, 'participantsAdded', {
        chatRoomId: ROOM,
        userIds: [B],
        addedBy: A,
      });
      expect(emitter.joinRoom).toHaveBeenCalledWith([B], ROOM);
    });

    it('should not let a member add people', async () => {
      tx.chatRoom.findUniqueOrThrow.mockResolvedValue(
        room('GROUP', [participant(A, 'OWNER'), participant(B, 'MEMBER')]),
      );
      await expect(service.addParticipants(B, ROOM, [C])).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });
  });
});

describe('unreadCount', () => {
  it('should count the messages after the read cursor and never go negative', () => {
    expect(unreadCount({ lastSeq: 10 }, { lastReadSeq: 4 })).toBe(6);
    expect(unreadCount({ lastSeq: 3 }, { lastReadSeq: 3 })).toBe(0);
    expect(unreadCount({ lastSeq: 3 }, { lastReadSeq: 5 })).toBe(0);
    expect(unreadCount({ lastSeq: 3 }, undefined)).toBe(0);
  });
});
