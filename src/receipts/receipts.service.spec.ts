import { FakeNamespace } from '../../test/helpers/fake-namespace';
import { AppError } from '../common/app-error';
import type { PrismaService } from '../persistence/prisma.service';
import { ChatEmitter } from '../realtime/chat.emitter';
import type { ChatRoomsService } from '../rooms/chat-rooms.service';
import { ReceiptsService } from './receipts.service';

const SENDER = 'user-sender';
const READER = 'user-reader';
const OUTSIDER = 'user-outsider';
const ROOM = '00000000-0000-4000-8000-0000000000f1';
const OTHER_ROOM = '00000000-0000-4000-8000-0000000000f2';
const messageId = (seq: number): string => `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;

interface Cursor {
  lastDeliveredSeq: number;
  lastReadSeq: number;
}

describe(ReceiptsService.name, () => {
  let namespace: FakeNamespace;
  /** The participant rows, by `room|user`: what the transaction locks and updates. */
  let cursors: Map<string, Cursor>;
  let update: jest.Mock;
  let rooms: { requireParticipant: jest.Mock };
  let service: ReceiptsService;
  const lastSeq = 5;

  const statusesAt = (socketId: string): [string, number, string][] =>
    namespace
      .received(socketId, 'messageStatus')
      .map((e) => [e.userId, Number(e.messageId.slice(-12)), e.status] as [string, number, string]);

  beforeEach(() => {
    namespace = new FakeNamespace();
    namespace.connect('sender1', SENDER, [ROOM]);
    namespace.connect('reader1', READER, [ROOM, OTHER_ROOM]);
    namespace.connect('reader2', READER, [ROOM]);
    namespace.connect('outsider1', OUTSIDER, [OTHER_ROOM]);
    const emitter = new ChatEmitter();
    emitter.bind(namespace.asNamespace());

    cursors = new Map([
      [`${ROOM}|${SENDER}`, { lastDeliveredSeq: lastSeq, lastReadSeq: lastSeq }],
      [`${ROOM}|${READER}`, { lastDeliveredSeq: 0, lastReadSeq: 0 }],
    ]);
    update = jest.fn(
      async ({ where, data }: { where: { chatRoomId_userId: Record<string, string> }; data: Cursor }) => {
        const { chatRoomId, userId } = where.chatRoomId_userId;
        cursors.set(`${chatRoomId}|${userId}`, { ...data });
      },
    );
    const tx = {
      // `SELECT … FOR UPDATE`: the values are the two table names, then chatRoomId and userId.
      $queryRaw: jest.fn(async (_sql: TemplateStringsArray, ...values: unknown[]) => {
        const [chatRoomId, userId] = values.slice(-2) as string[];
        const cursor = cursors.get(`${chatRoomId}|${userId}`);
        return cursor ? [{ ...cursor, lastSeq }] : [];
      }),
      chatRoomParticipant: { update },
    };
    const prisma = {
      table: (name: string) => name,
      message: {
        // Messages 1..5 are in ROOM; none elsewhere.
        findFirst: jest.fn(async ({ where }: { where: { id: string; chatRoomId: string } }) => {
          const seq = Number(where.id.slice(-12));
          return where.chatRoomId === ROOM && seq >= 1 && seq <= lastSeq ? { seq } : null;
        }),
      },
      $transaction: jest.fn(async (work: (t: typeof tx) => Promise<unknown>) => work(tx)),
    };
    rooms = {
      requireParticipant: jest.fn(async (userId: string, chatRoomId: string) => {
        if (!cursors.has(`${chatRoomId}|${userId}`)) throw AppError.forbidden();
      }),
    };
    service = new ReceiptsService(prisma as unknown as PrismaService, rooms as unknown as ChatRoomsService, emitter);
  });

  describe('cursors', () => {
    it('should move the delivered cursor forward and answer the new state', async () => {
      expect(await service.markAsDelivered(READER, ROOM, messageId(3))).toEqual({
        chatRoomId: ROOM,
        lastDeliveredSeq: 3,
        lastReadSeq: 0,
        unreadCount: 5,
      });
      expect(cursors.get(`${ROOM}|${READER}`)).toEqual({ lastDeliveredSeq: 3, lastReadSeq: 0 });
    });

    it('should move delivered along with read: reading implies delivery', async () => {
      expect(await service.markAsRead(READER, ROOM, messageId(2))).toEqual({
        chatRoomId: ROOM,
        lastDeliveredSeq: 2,
        lastReadSeq: 2,
        unreadCount: 3,
      });
      expect(statusesAt('sender1')).toEqual([
        [READER, 2, 'delivered'],
        [READER, 2, 'read'],
      ]);
    });

    it('should never move the read cursor back, writing and broadcasting nothing', async () => {
      await service.markAsRead(READER, ROOM, messageId(4));
      update.mockClear();
      const before = statusesAt('sender1');

      expect(await service.markAsRead(READER, ROOM, messageId(1))).toMatchObject({
        lastReadSeq: 4,
        lastDeliveredSeq: 4,
        unreadCount: 1,
      });
      expect(await service.markAsRead(READER, ROOM, messageId(4))).toMatchObject({ lastReadSeq: 4 });
      expect(cursors.get(`${ROOM}|${READER}`)).toEqual({ lastDeliveredSeq: 4, lastReadSeq: 4 });
      expect(update).not.toHaveBeenCalled();
      expect(statusesAt('sender1')).toEqual(before);
    });

    it('should never move the delivered cursor back, writing and broadcasting nothing', async () => {
      await service.markAsDelivered(READER, ROOM, messageId(5));
      update.mockClear();

      expect(await service.markAsDelivered(READER, ROOM, messageId(2))).toMatchObject({ lastDeliveredSeq: 5 });
      expect(cursors.get(`${ROOM}|${READER}`)).toEqual({ lastDeliveredSeq: 5, lastReadSeq: 0 });
      expect(update).not.toHaveBeenCalled();
      expect(statusesAt('sender1')).toEqual([[READER, 5, 'delivered']]);
    });

    it('should move only the read cursor when delivery is already past the message', async () => {
      await service.markAsDelivered(READER, ROOM, messageId(5));
      await service.markAsRead(READER, ROOM, messageId(3));

      expect(cursors.get(`${ROOM}|${READER}`)).toEqual({ lastDeliveredSeq: 5, lastReadSeq: 3 });
      expect(statusesAt('sender1')).toEqual([
        [READER, 5, 'delivered'],
        [READER, 3, 'read'],
      ]);
    });
  });

  describe('who is told', () => {
    it('should tell every socket in the room, the reader’s other tabs included, and nobody outside it', async () => {
      await service.markAsRead(READER, ROOM, messageId(1));

      for (const socketId of ['sender1', 'reader1', 'reader2']) {
        expect(statusesAt(socketId)).toEqual([
          [READER, 1, 'delivered'],
          [READER, 1, 'read'],
        ]);
      }
      expect(statusesAt('outsider1')).toEqual([]);
      expect(namespace.received('sender1', 'messageStatus')[1]).toEqual({
        chatRoomId: ROOM,
        messageId: messageId(1),
        userId: READER,
        status: 'read',
        at: expect.any(String),
      });
    });

    it('should refuse a mark by a non-participant with FORBIDDEN, broadcasting nothing', async () => {
      const error = (await service.markAsRead(OUTSIDER, ROOM, messageId(1)).catch((e: unknown) => e)) as AppError;
      expect(error).toBeInstanceOf(AppError);
      expect(error.code).toBe('FORBIDDEN');
      expect(namespace.receivers('messageStatus')).toEqual([]);
    });

    it('should refuse a message of another room with NOT_FOUND, broadcasting nothing', async () => {
      cursors.set(`${OTHER_ROOM}|${READER}`, { lastDeliveredSeq: 0, lastReadSeq: 0 });
      const error = (await service.markAsRead(READER, OTHER_ROOM, messageId(1)).catch((e: unknown) => e)) as AppError;
      expect(error.code).toBe('NOT_FOUND');
      expect(namespace.receivers('messageStatus')).toEqual([]);
    });

    it('should refuse with FORBIDDEN when the participant is removed before the cursor is locked', async () => {
      // The participant check passed, then they were removed: the locked row is what counts.
      rooms.requireParticipant.mockResolvedValueOnce(undefined);
      cursors.delete(`${ROOM}|${READER}`);
      const error = (await service.markAsRead(READER, ROOM, messageId(1)).catch((e: unknown) => e)) as AppError;
      expect(error.code).toBe('FORBIDDEN');
      expect(update).not.toHaveBeenCalled();
      expect(namespace.receivers('messageStatus')).toEqual([]);
    });
  });
});
