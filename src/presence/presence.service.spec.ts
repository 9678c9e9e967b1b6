import { FakeNamespace } from '../../test/helpers/fake-namespace';
import { ChatConfig } from '../config/chat-config';
import type { PrismaService } from '../persistence/prisma.service';
import { ChatEmitter } from '../realtime/chat.emitter';
import type { ChatRoomsService } from '../rooms/chat-rooms.service';
import type { TypingService } from '../typing/typing.service';
import type { ChatUsersService } from '../users/chat-users.service';
import { PresenceService } from './presence.service';
import { LocalPresenceStore } from './presence.store';

const A = 'user-a';
const B = 'user-b';
const C = 'user-c';
const STRANGER = 'user-stranger';
const ROOM_AB = '00000000-0000-4000-8000-0000000000ab';
const ROOM_BC = '00000000-0000-4000-8000-0000000000bc';
/** Who is in which room: A and C are both B's room-mates, not each other's; STRANGER shares nothing. */
const MEMBERS: Record<string, string[]> = { [ROOM_AB]: [A, B], [ROOM_BC]: [B, C] };
const roomsOf = (userId: string): string[] => Object.keys(MEMBERS).filter((r) => MEMBERS[r].includes(userId));

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe(PresenceService.name, () => {
  let namespace: FakeNamespace;
  let store: LocalPresenceStore;
  let prisma: { userState: { upsert: jest.Mock; findMany: jest.Mock } };
  let typing: { stopAllFor: jest.Mock };
  let service: PresenceService;

  function build(announceMs?: number): PresenceService {
    const config = new ChatConfig({
      authenticate: () => null,
      users: { findByIds: async () => [] },
      database: { dataDir: '/tmp/chat-unit' },
      presence: { announceMs },
    });
    const emitter = new ChatEmitter();
    emitter.bind(namespace.asNamespace());
    const rooms = {
      roomIdsForUser: jest.fn(async (userId: string) => roomsOf(userId)),
      roomMateIds: jest.fn(async (userId: string) => [
        ...new Set(roomsOf(userId).flatMap((r) => MEMBERS[r].filter((id) => id !== userId))),
      ]),
    };
    const users = {
      profiles: jest.fn(async (ids: string[]) => new Map(ids.filter((id) => id !== 'unknown').map((id) => [id, {}]))),
    };
    return new PresenceService(
      store,
      prisma as unknown as PrismaService,
      emitter,
      typing as unknown as TypingService,
      rooms as unknown as ChatRoomsService,
      users as unknown as ChatUsersService,
      config,
    );
  }

  /** Connects a socket the way the gateway does: subscribed to its rooms, then presence told. */
  async function connect(socketId: string, userId: string): Promise<void> {
    namespace.connect(socketId, userId, roomsOf(userId));
    await service.socketConnected(userId, socketId, roomsOf(userId));
  }

  const statusesAt = (socketId: string): { userId: string; isOnline: boolean }[] =>
    namespace.received(socketId, 'userStatus').map(({ userId, isOnline }) => ({ userId, isOnline }));

  beforeEach(() => {
    jest.useFakeTimers();
    namespace = new FakeNamespace();
    store = new LocalPresenceStore();
    prisma = { userState: { upsert: jest.fn().mockResolvedValue({}), findMany: jest.fn().mockResolvedValue([]) } };
    typing = { stopAllFor: jest.fn().mockResolvedValue(undefined) };
    service = build(200);
    // Watchers: B shares a room with everyone, STRANGER with nobody.
    namespace.connect('b1', B, roomsOf(B));
    namespace.connect('stranger1', STRANGER, []);
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('announcements', () => {
    it('should announce a user coming online to their room-mates only: not strangers, not their own sockets', async () => {
      await connect('a1', A);
      await jest.advanceTimersByTimeAsync(200);

      expect(namespace.received('b1', 'userStatus')).toEqual([
        { userId: A, isOnline: true, lastSeenAt: expect.any(String) },
      ]);
      expect(namespace.receivers('userStatus')).toEqual(['b1']);
    });

    it('should announce a room-mate of another room to that room only', async () => {
      namespace.connect('a1', A, roomsOf(A));
      await connect('c1', C);
      await jest.advanceTimersByTimeAsync(200);

      expect(statusesAt('b1')).toEqual([{ userId: C, isOnline: true }]);
      expect(statusesAt('a1')).toEqual([]);
      expect(statusesAt('stranger1')).toEqual([]);
    });

    it('should go offline only when the last socket goes, storing lastSeenAt and ending typing', async () => {
      await connect('a1', A);
      await connect('a2', A);
      await jest.advanceTimersByTimeAsync(200);
      expect(statusesAt('b1')).toEqual([{ userId: A, isOnline: true }]);

      await service.socketDisconnected(A, 'a1');
      await jest.advanceTimersByTimeAsync(1000);
      expect(statusesAt('b1')).toEqual([{ userId: A, isOnline: true }]);
      expect(await service.isUserOnline(A)).toBe(true);
      expect(typing.stopAllFor).not.toHaveBeenCalled();

      await service.socketDisconnected(A, 'a2');
      await jest.advanceTimersByTimeAsync(200);
      expect(statusesAt('b1')).toEqual([
        { userId: A, isOnline: true },
        { userId: A, isOnline: false },
      ]);
      expect(namespace.receivers('userStatus')).toEqual(['b1']);
      expect(await service.isUserOnline(A)).toBe(false);
      expect(typing.stopAllFor).toHaveBeenCalledWith(A);
      const stored = prisma.userState.upsert.mock.calls[0][0] as { update: { lastSeenAt: Date } };
      expect(namespace.received('b1', 'userStatus')[1].lastSeenAt).toBe(stored.update.lastSeenAt.toISOString());
    });
  });

  describe('batching', () => {
    it.each([50, 200, 1000])(
      'should hold statuses for presence.announceMs (%i ms) and then send them together, in order',
      async (announceMs) => {
        service = build(announceMs);
        await connect('a1', A);
        await jest.advanceTimersByTimeAsync(announceMs / 2);
        await connect('c1', C);
        await jest.advanceTimersByTimeAsync(announceMs / 2 - 1);
        expect(statusesAt('b1')).toEqual([]);

        await jest.advanceTimersByTimeAsync(1);
        expect(statusesAt('b1')).toEqual([
          { userId: A, isOnline: true },
          { userId: C, isOnline: true },
        ]);
      },
    );

    it('should default presence.announceMs to 200', async () => {
      service = build(undefined);
      await connect('a1', A);
      await jest.advanceTimersByTimeAsync(199);
      expect(statusesAt('b1')).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(statusesAt('b1')).toEqual([{ userId: A, isOnline: true }]);
    });

    it('should send what is pending at once on leaveCluster, without waiting for the batch', async () => {
      await connect('a1', A);
      await service.leaveCluster();
      expect(statusesAt('b1')).toEqual([
        { userId: A, isOnline: false }, // the queued online, replaced by the offline of the shutdown
      ]);
    });
  });

  describe('reconnecting', () => {
    beforeEach(async () => {
      await connect('a1', A);
      await jest.advanceTimersByTimeAsync(200);
      expect(statusesAt('b1')).toEqual([{ userId: A, isOnline: true }]);
    });

    it('should not announce offline when the user is back before the batch goes out (a page reload)', async () => {
      await service.socketDisconnected(A, 'a1');
      await jest.advanceTimersByTimeAsync(100);
      await connect('a2', A);
      await jest.advanceTimersByTimeAsync(1000);

      expect(statusesAt('b1').filter((s) => !s.isOnline)).toEqual([]);
      expect(statusesAt('b1').at(-1)).toEqual({ userId: A, isOnline: true });
      expect(await service.isUserOnline(A)).toBe(true);
    });

    it('should not announce offline when the user is back while going offline is being stored', async () => {
      const storing = deferred<object>();
      prisma.userState.upsert.mockReturnValueOnce(storing.promise);
      const leaving = service.socketDisconnected(A, 'a1');
      await jest.advanceTimersByTimeAsync(0);
      await connect('a2', A);
      storing.resolve({});
      await leaving;
      await jest.advanceTimersByTimeAsync(1000);

      expect(statusesAt('b1').filter((s) => !s.isOnline)).toEqual([]);
      expect(await service.isUserOnline(A)).toBe(true);
    });

    it('should announce offline when the user is not back within the batch', async () => {
      await service.socketDisconnected(A, 'a1');
      await jest.advanceTimersByTimeAsync(200);
      await connect('a2', A);
      await jest.advanceTimersByTimeAsync(200);

      expect(statusesAt('b1')).toEqual([
        { userId: A, isOnline: true },
        { userId: A, isOnline: false },
        { userId: A, isOnline: true },
      ]);
    });
  });

  describe('queries', () => {
    beforeEach(async () => {
      for (const [socketId, userId] of [
        ['a1', A],
        ['c1', C],
        ['s1', STRANGER],
      ]) {
        await connect(socketId, userId);
      }
      await store.add(B, 'b1');
    });

    it('should answer statuses for the caller and their room-mates only, leaving strangers out like unknown ids', async () => {
      const answer = await service.statuses(A, [A, B, C, STRANGER, 'unknown']);
      expect(answer.map((s) => [s.userId, s.isOnline])).toEqual([
        [A, true],
        [B, true],
      ]);
    });

    it('should default statuses to the caller’s room-mates', async () => {
      expect((await service.statuses(B)).map((s) => s.userId).sort()).toEqual([A, C]);
      expect(await service.statuses(STRANGER)).toEqual([]);
    });

    it('should answer getOnlineUsers for the caller and their room-mates only', async () => {
      expect(await service.getOnlineUsers(A, [A, B, C, STRANGER])).toEqual({ userIds: [A, B] });
      expect(await service.getOnlineUsers(STRANGER, [A, B, C, STRANGER])).toEqual({ userIds: [STRANGER] });
      expect((await service.getOnlineUsers(B)).userIds.sort()).toEqual([A, C]);
    });

    it('should give an offline room-mate their stored lastSeenAt, and null when never seen', async () => {
      const seen = new Date('2026-01-02T03:04:05.000Z');
      prisma.userState.findMany.mockResolvedValue([{ userId: C, lastSeenAt: seen }]);
      await service.socketDisconnected(C, 'c1');
      expect(await service.statuses(B, [C])).toEqual([{ userId: C, isOnline: false, lastSeenAt: seen.toISOString() }]);
      prisma.userState.findMany.mockResolvedValue([]);
      expect(await service.statuses(B, [C])).toEqual([{ userId: C, isOnline: false, lastSeenAt: null }]);
    });
  });
});
