import { AppError } from '../common/app-error';
import { ChatConfig } from '../config/chat-config';
import { MessageLocks } from '../messages/message-locks';
import type { MessagesService } from '../messages/messages.service';
import type { PrismaService } from '../persistence/prisma.service';
import type { ChatEmitter } from '../realtime/chat.emitter';
import type { ChatUsersService } from '../users/chat-users.service';
import { encodeCursor } from './reaction-cursor';
import { MAX_EMOJI_PER_MESSAGE, ReactionsService } from './reactions.service';
import { fakeRoomEventLog } from '../../test/helpers/fake-room-event-log';

const A = 'ann';
const ROOM = '00000000-0000-4000-8000-0000000000f1';
const MESSAGE = '00000000-0000-4000-8000-000000000001';
const emojiRows = (n: number): { emoji: string }[] => Array.from({ length: n }, (_, i) => ({ emoji: `:e${i}:` }));

describe(ReactionsService.name, () => {
  let prisma: any;
  let messages: { requireVisible: jest.Mock };
  let emitter: { toRoom: jest.Mock };
  let service: ReactionsService;

  beforeEach(() => {
    prisma = {
      message: { findUnique: jest.fn().mockResolvedValue({ deletedAt: null }) },
      messageReaction: {
        findUnique: jest.fn().mockResolvedValue(null),
        findFirst: jest.fn().mockResolvedValue(null),
        groupBy: jest.fn().mockResolvedValue([]),
        create: jest.fn().mockResolvedValue({}),
        deleteMany: jest.fn().mockResolvedValue({ count: 1 }),
        findMany: jest.fn().mockResolvedValue([]),
      },
      $executeRaw: jest.fn().mockResolvedValue(1),
      $transaction: jest.fn((fn: (tx: unknown) => unknown) => fn(prisma)),
    };
    messages = {
      requireVisible: jest.fn().mockResolvedValue({ id: MESSAGE, chatRoomId: ROOM, deletedAt: null }),
    };
    emitter = { toRoom: jest.fn() };
    const config = new ChatConfig({
      authenticate: () => null,
      users: { findByIds: async () => [] },
      database: { dataDir: '/tmp/chat-unit' },
    });
    const users = { profiles: jest.fn().mockResolvedValue(new Map()) };
    service = new ReactionsService(
      prisma as PrismaService,
      messages as unknown as MessagesService,
      emitter as unknown as ChatEmitter,
      users as unknown as ChatUsersService,
      new MessageLocks(config),
      fakeRoomEventLog(),
    );
  });

  describe('add', () => {
    it('should store a new reaction after locking the message, and broadcast reactionAdded', async () => {
      const result = await service.add(A, MESSAGE, '👍');
      const event = { chatRoomId: ROOM, messageId: MESSAGE, userId: A, emoji: '👍' };
      expect(result).toEqual({ reaction: { ...event, eventSeq: 1 }, created: true });
      expect(prisma.$executeRaw.mock.invocationCallOrder[0]).toBeLessThan(
        prisma.messageReaction.groupBy.mock.invocationCallOrder[0],
      );
      expect(prisma.messageReaction.create).toHaveBeenCalledWith({
        data: { messageId: MESSAGE, emoji: '👍', userId: A },
      });
      expect(emitter.toRoom).toHaveBeenCalledWith(ROOM, 'reactionAdded', { ...event, eventSeq: 1 });
    });

    it('should store and broadcast nothing when the user already reacted with that emoji', async () => {
      prisma.messageReaction.findUnique.mockResolvedValue({ messageId: MESSAGE, emoji: '👍', userId: A });
      expect((await service.add(A, MESSAGE, '👍')).created).toBe(false);
      expect(prisma.messageReaction.create).not.toHaveBeenCalled();
      expect(emitter.toRoom).not.toHaveBeenCalled();
    });

    it(`should refuse a new emoji past ${MAX_EMOJI_PER_MESSAGE} distinct ones with LIMIT_REACHED, storing nothing`, async () => {
      prisma.messageReaction.groupBy.mockResolvedValue(emojiRows(MAX_EMOJI_PER_MESSAGE));
      const error = (await service.add(A, MESSAGE, '🎉').catch((e: unknown) => e)) as AppError;
      expect(error).toBeInstanceOf(AppError);
      expect(error.code).toBe('LIMIT_REACHED');
      expect(error.details).toEqual({ limit: MAX_EMOJI_PER_MESSAGE });
      expect(prisma.messageReaction.create).not.toHaveBeenCalled();
      expect(emitter.toRoom).not.toHaveBeenCalled();
    });

    it(`should accept the ${MAX_EMOJI_PER_MESSAGE}th distinct emoji`, async () => {
      prisma.messageReaction.groupBy.mockResolvedValue(emojiRows(MAX_EMOJI_PER_MESSAGE - 1));
      expect((await service.add(A, MESSAGE, '🎉')).created).toBe(true);
    });

    it('should let another user join an emoji already used when the message is at the cap', async () => {
      prisma.messageReaction.groupBy.mockResolvedValue(emojiRows(MAX_EMOJI_PER_MESSAGE));
      prisma.messageReaction.findFirst.mockResolvedValue({ emoji: ':e0:' });
      expect((await service.add(A, MESSAGE, ':e0:')).created).toBe(true);
    });

    it('should refuse a deleted message with CONFLICT, also when it was deleted before the lock was taken', async () => {
      messages.requireVisible.mockResolvedValueOnce({ id: MESSAGE, chatRoomId: ROOM, deletedAt: new Date() });
      await expect(service.add(A, MESSAGE, '👍')).rejects.toMatchObject({ code: 'CONFLICT' });
      prisma.message.findUnique.mockResolvedValue({ deletedAt: new Date() });
      await expect(service.add(A, MESSAGE, '👍')).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(prisma.messageReaction.create).not.toHaveBeenCalled();
    });

    it.each([
      ['a word', 'like'],
      ['two emoji', '👍👍'],
      ['a long short code', `:${'a'.repeat(63)}:`],
    ])('should refuse %s from host code with VALIDATION_FAILED naming emoji', async (_what, emoji) => {
      await expect(service.add(A, MESSAGE, emoji)).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [expect.objectContaining({ field: 'emoji' })],
      });
      expect(messages.requireVisible).not.toHaveBeenCalled();
    });
  });

  describe('remove', () => {
    it('should broadcast reactionRemoved only when a reaction was removed', async () => {
      prisma.messageReaction.deleteMany.mockResolvedValueOnce({ count: 1 }).mockResolvedValueOnce({ count: 0 });
      await service.remove(A, MESSAGE, '👍');
      await service.remove(A, MESSAGE, '👍');
      expect(emitter.toRoom).toHaveBeenCalledTimes(1);
      expect(emitter.toRoom).toHaveBeenCalledWith(ROOM, 'reactionRemoved', {
        chatRoomId: ROOM,
        messageId: MESSAGE,
        userId: A,
        emoji: '👍',
        eventSeq: 1,
      });
    });
  });

  describe('list', () => {
    it('should page from the cursor on, oldest first, with a next cursor only when more remain', async () => {
      const at = (s: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
      prisma.messageReaction.findMany.mockResolvedValue([
        { userId: 'b', createdAt: at(2) },
        { userId: 'c', createdAt: at(3) },
        { userId: 'd', createdAt: at(4) },
      ]);
      const page = await service.list(A, MESSAGE, '👍', {
        cursor: encodeCursor({ createdAt: at(1), userId: 'a' }),
        limit: 2,
      });
      expect(prisma.messageReaction.findMany).toHaveBeenCalledWith(
        expect.objectContaining({
          where: {
            messageId: MESSAGE,
            emoji: '👍',
            OR: [{ createdAt: { gt: at(1) } }, { createdAt: at(1), userId: { gt: 'a' } }],
          },
          take: 3,
        }),
      );
      expect(page.users.map((u) => u.userId)).toEqual(['b', 'c']);
      expect(page.users[0]).toEqual({ userId: 'b', name: 'b', avatarUrl: null, reactedAt: at(2).toISOString() });
      expect(page.nextCursor).toBe(encodeCursor({ createdAt: at(3), userId: 'c' }));
    });

    it('should refuse a cursor it did not give with VALIDATION_FAILED', async () => {
      await expect(service.list(A, MESSAGE, '👍', { cursor: 'nope' })).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
    });
  });
});
