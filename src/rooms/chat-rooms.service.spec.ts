import type { BlocksService } from '../blocks/blocks.service';
import { ChatConfig } from '../config/chat-config';
import type { ChatLimits, ChatUserProfile } from '../config/chat-options';
import type { PrismaService } from '../persistence/prisma.service';
import type { ChatEmitter } from '../realtime/chat.emitter';
import { ChatUsersService } from '../users/chat-users.service';
import type { RoomWithParticipants } from './chat-room.mapper';
import { unreadCount } from './chat-room.mapper';
import { ChatRoomViews } from './chat-room-views';
import { fakeRoomEventLog } from '../../test/helpers/fake-room-event-log';
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
    joinedEventSeq: 0,
    mutedUntil: null as Date | null,
  };
}

/** A group of `size` participants: alice OWNER, then members. */
function crowd(size: number): ReturnType<typeof participant>[] {
  return [participant(A, 'OWNER'), ...Array.from({ length: size - 1 }, (_, i) => participant(`member-${i}`, 'MEMBER'))];
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
    lastEventSeq: 0,
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
  let emitter: Record<'toRoom' | 'toUsers' | 'toRoomAndUsers' | 'roomEvents' | 'joinRoom' | 'leaveRoom', jest.Mock>;
  let events: ReturnType<typeof fakeRoomEventLog>;
  /** Every broadcast, as socket.io serializes it: once per emitter call, whatever the number of recipients. */
  let sent: { event: string; to: unknown; bytes: number }[];
  let service: ChatRoomsService;

  /** The room as the service reads it: whole, or (requireParticipant) its type and one participant. */
  function stored(r: RoomWithParticipants): void {
    prisma.chatRoom.findUnique.mockImplementation(async (args: any) =>
      args.select
        ? {
            type: r.type,
            participants: r.participants.filter((p) => p.userId === args.select.participants.where.userId),
          }
        : r,
    );
  }

  beforeEach(() => {
    tx = {
      $queryRaw: jest.fn().mockResolvedValue([{ id: ROOM }]),
      $executeRaw: jest.fn().mockResolvedValue(1),
      chatRoom: {
        findUniqueOrThrow: jest.fn(),
        create: jest.fn(),
        updateManyAndReturn: jest.fn().mockResolvedValue([{ updatedAt: new Date(Date.UTC(2026, 0, 2)) }]),
      },
      chatRoomParticipant: {
        delete: jest.fn(),
        update: jest.fn(),
        createMany: jest.fn(),
        createManyAndReturn: jest.fn(async ({ data }: { data: object[] }) =>
          data.map((row) => ({ joinedAt: new Date(Date.UTC(2026, 0, 3)), mutedUntil: null, ...row })),
        ),
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
        updateManyAndReturn: jest.fn().mockResolvedValue([{ updatedAt: new Date(Date.UTC(2026, 0, 2)) }]),
      },
      chatRoomParticipant: { findMany: jest.fn(), groupBy: jest.fn().mockResolvedValue([]) },
      message: { findMany: jest.fn().mockResolvedValue([]) },
      messageMention: { groupBy: jest.fn().mockResolvedValue([]) },
      $transaction: jest.fn((fn: (t: unknown) => unknown) => fn(tx)),
      table: jest.fn((name: string) => `"chat"."${name}"`),
    };
    // The host's directory knows everyone but those a test removes.
    directory = { findByIds: jest.fn(async (ids: string[]) => ids.map((id) => ({ id, name: `User ${id}` }))) };
    sent = [];
    const record =
      (kind: string) =>
      (to: unknown, ...rest: unknown[]): void => {
        const [event, payload] = kind === 'toRoomAndUsers' ? rest.slice(1) : rest;
        sent.push({ event: event as string, to, bytes: JSON.stringify(payload).length });
      };
    emitter = {
      toRoom: jest.fn(record('toRoom')),
      toUsers: jest.fn(record('toUsers')),
      toRoomAndUsers: jest.fn(record('toRoomAndUsers')),
      // As ChatEmitter.roomEvents sends them: to the room (and `alsoTo`), one emit per event.
      roomEvents: jest.fn(
        (to: string, logged: { type: string; data: object; eventSeq: number }[], alsoTo: string[] = []) => {
          for (const { type, data, eventSeq } of logged) {
            if (alsoTo.length > 0) emitter.toRoomAndUsers(to, alsoTo, type, { ...data, eventSeq });
            else emitter.toRoom(to, type, { ...data, eventSeq });
          }
        },
      ),
      joinRoom: jest.fn(),
      leaveRoom: jest.fn(),
    };
    events = fakeRoomEventLog();
    service = build({ maxRoomParticipants: 3, maxRoomsPerUser: 2 });
  });

  function build(limits: Partial<ChatLimits>): ChatRoomsService {
    const config = new ChatConfig({
      authenticate: () => null,
      users: directory,
      database: { dataDir: '/tmp/chat-unit' },
      limits,
    });
    const users = new ChatUsersService(config);
    const views = new ChatRoomViews(prisma as PrismaService, users, emitter as unknown as ChatEmitter);
    // No blocks here: reachable means known to the directory.
    const blocks = {
      assertReachable: (_: string, ids: string[]) => users.assertExist(ids),
    } as unknown as BlocksService;
    return new ChatRoomsService(
      prisma as PrismaService,
      users,
      emitter as unknown as ChatEmitter,
      views,
      config,
      blocks,
      events,
    );
  }

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

    it('should refuse with LIMIT_REACHED, create nothing and announce nothing when a participant is at the group cap', async () => {
      tx.chatRoomParticipant.groupBy.mockResolvedValue([{ userId: C, _count: { _all: 2 } }]);
      await expect(service.create(A, { type: 'GROUP', name: 'Team', participantIds: [B, C] })).rejects.toMatchObject({
        code: 'LIMIT_REACHED',
        details: { userIds: [C], limit: 2 },
      });
      expect(tx.chatRoom.create).not.toHaveBeenCalled();
      expect(sent).toEqual([]);
    });

    it('should make the creator OWNER, the others MEMBERs, and announce the room to all of them with one view', async () => {
      tx.chatRoom.create.mockResolvedValue(room('GROUP', [participant(A, 'OWNER'), participant(B, 'MEMBER')]));
      const { room: view, created } = await service.create(A, { type: 'GROUP', name: 'Team', participantIds: [B] });
      expect(created).toBe(true);
      expect(tx.chatRoom.create.mock.calls[0][0].data.participants.create).toEqual([
        { userId: A, role: 'OWNER' },
        { userId: B, role: 'MEMBER' },
      ]);
      expect(emitter.joinRoom).toHaveBeenCalledWith([A, B], ROOM);
      expect(emitter.toUsers).toHaveBeenCalledTimes(1);
      expect(emitter.toUsers).toHaveBeenCalledWith([A, B], 'chatRoomCreated', view);
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

    it('should open a DIRECT room for users at the group cap: DIRECT rooms are not counted', async () => {
      prisma.chatRoomParticipant.groupBy.mockResolvedValue([
        { userId: A, _count: { _all: 99 } },
        { userId: B, _count: { _all: 99 } },
      ]);
      tx.chatRoomParticipant.groupBy.mockResolvedValue([
        { userId: A, _count: { _all: 99 } },
        { userId: B, _count: { _all: 99 } },
      ]);
      prisma.chatRoom.findUnique.mockResolvedValue(null);
      prisma.chatRoom.create.mockResolvedValue(room('DIRECT', [participant(A, 'MEMBER'), participant(B, 'MEMBER')]));
      const result = await service.findOrCreateDirect(A, B);
      expect(result.created).toBe(true);
      expect(emitter.toUsers).toHaveBeenCalledWith([A, B], 'chatRoomCreated', result.room);
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
        eventSeq: 1,
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
      expect(tx.chatRoomParticipant.createManyAndReturn).not.toHaveBeenCalled();
    });

    it('should start newcomers with the existing history marked read', async () => {
      tx.chatRoom.findUniqueOrThrow.mockResolvedValue(room('GROUP', [participant(A, 'OWNER')], 42));
      prisma.chatRoom.findUnique.mockResolvedValue(
        room('GROUP', [participant(A, 'OWNER'), participant(B, 'MEMBER')], 42),
      );
      await service.addParticipants(A, ROOM, [B]);
      expect(tx.chatRoomParticipant.createManyAndReturn).toHaveBeenCalledWith({
        data: [
          { chatRoomId: ROOM, userId: B, role: 'MEMBER', lastReadSeq: 42, lastDeliveredSeq: 42, joinedEventSeq: 1 },
        ],
      });
      expect(emitter.toRoom).toHaveBeenCalledWith(ROOM, 'participantsAdded', {
        chatRoomId: ROOM,
        userIds: [B],
        participants: [{ userId: B, name: `User ${B}`, avatarUrl: null, role: 'MEMBER', joinedAt: expect.any(String) }],
        addedBy: A,
        eventSeq: 1,
      });
      expect(emitter.joinRoom).toHaveBeenCalledWith([B], ROOM);
    });

    it('should not let a member add people', async () => {
      tx.chatRoom.findUniqueOrThrow.mockResolvedValue(
        room('GROUP', [participant(A, 'OWNER'), participant(B, 'MEMBER')]),
      );
      await expect(service.addParticipants(B, ROOM, [C])).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });

    it('should refuse users at the group cap with LIMIT_REACHED naming them, and add nobody', async () => {
      tx.chatRoom.findUniqueOrThrow.mockResolvedValue(room('GROUP', [participant(A, 'OWNER')]));
      tx.chatRoomParticipant.groupBy.mockResolvedValue([
        { userId: B, _count: { _all: 1 } },
        { userId: C, _count: { _all: 2 } },
      ]);
      await expect(service.addParticipants(A, ROOM, [B, C])).rejects.toMatchObject({
        code: 'LIMIT_REACHED',
        details: { userIds: [C], limit: 2 },
      });
      expect(tx.chatRoomParticipant.createManyAndReturn).not.toHaveBeenCalled();
      expect(sent).toEqual([]);
    });
  });

  // A room view lists every participant, so one per member is O(members²): room changes go once, as deltas.
  describe('room-change broadcasts', () => {
    const SIZES = [3, 1000];

    it.each(SIZES)('should tell a room of %d of a rename with one small delta', async (size) => {
      stored(room('GROUP', crowd(size)));
      const view = await service.update(A, ROOM, 'Renamed');
      expect(view.participants).toHaveLength(size);
      expect(emitter.toRoom).toHaveBeenCalledWith(ROOM, 'chatRoomUpdated', {
        chatRoomId: ROOM,
        updatedAt: '2026-01-02T00:00:00.000Z',
        updatedBy: A,
        name: 'Renamed',
        eventSeq: 1,
      });
      expect(sent).toEqual([{ event: 'chatRoomUpdated', to: ROOM, bytes: expect.any(Number) }]);
      expect(sent[0].bytes).toBeLessThan(200);
    });

    it('should broadcast nothing for a rename to the current name', async () => {
      stored(room('GROUP', crowd(3)));
      tx.chatRoom.updateManyAndReturn.mockResolvedValue([]);
      await service.update(A, ROOM, 'Team');
      expect(tx.chatRoom.updateManyAndReturn).toHaveBeenCalledWith(
        expect.objectContaining({ where: { id: ROOM, name: { not: 'Team' } } }),
      );
      expect(sent).toEqual([]);
    });

    it.each(SIZES)(
      'should tell a room of %d that its last owner left with two small deltas, the heir named',
      async (size) => {
        tx.chatRoom.findUniqueOrThrow.mockResolvedValue(room('GROUP', crowd(size)));
        await service.leave(A, ROOM);
        expect(emitter.toRoom).toHaveBeenCalledWith(ROOM, 'chatRoomUpdated', {
          chatRoomId: ROOM,
          updatedAt: '2026-01-01T00:00:00.000Z',
          updatedBy: A,
          roles: [{ userId: 'member-0', role: 'OWNER' }],
          eventSeq: 2,
        });
        expect(sent.map((m) => m.event)).toEqual(['participantRemoved', 'chatRoomUpdated']);
        for (const m of sent) expect(m.bytes).toBeLessThan(200);
      },
    );

    it.each(SIZES)(
      'should tell a room of %d of two newcomers with one delta, and give the newcomers one view',
      async (size) => {
        service = build({ maxRoomParticipants: 2000 });
        const before = crowd(size);
        tx.chatRoom.findUniqueOrThrow.mockResolvedValue(room('GROUP', before, 7));
        // Newcomers start with the history read: they share one cursor, so one view fits both.
        const newcomer = (id: string) => ({ ...participant(id, 'MEMBER'), lastReadSeq: 7, lastDeliveredSeq: 7 });
        prisma.chatRoom.findUnique.mockResolvedValue(room('GROUP', [...before, newcomer(B), newcomer(C)], 7));
        await service.addParticipants(A, ROOM, [B, C]);
        expect(sent.map((m) => [m.event, m.to])).toEqual([
          ['participantsAdded', ROOM],
          ['chatRoomCreated', [B, C]],
        ]);
        expect(sent[0].bytes).toBeLessThan(400);
      },
    );
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
