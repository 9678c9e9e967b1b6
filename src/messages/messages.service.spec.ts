import { AppError } from '../common/app-error';
import { ChatConfig } from '../config/chat-config';
import type { PrismaService } from '../persistence/prisma.service';
import type { ChatEmitter } from '../realtime/chat.emitter';
import type { ChatRoomsService } from '../rooms/chat-rooms.service';
import { BeforeSend } from './before-send';
import { MessageLocks } from './message-locks';
import { MessageViews } from './message-views';
import { MessagesService } from './messages.service';
import { fakeRoomEventLog } from '../../test/helpers/fake-room-event-log';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const ROOM = '00000000-0000-4000-8000-0000000000f1';

function row(seq: number, overrides: Record<string, unknown> = {}) {
  return {
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    chatRoomId: ROOM,
    senderId: A,
    seq,
    content: `m${seq}`,
    type: 'TEXT',
    attachments: [],
    clientMessageId: null,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
    editedAt: null,
    deletedAt: null,
    replyToId: null,
    threadId: null,
    threadReplyCount: 0,
    threadLastReplyAt: null,
    threadParticipantIds: [],
    ...overrides,
  };
}

describe(MessagesService.name, () => {
  let prisma: any;
  let rooms: jest.Mocked<Pick<ChatRoomsService, 'requireParticipant' | 'findOrCreateDirect'>>;
  let emitter: jest.Mocked<Pick<ChatEmitter, 'toRoom'>>;
  let typing: { stop: jest.Mock };
  let writer: { write: jest.Mock };
  let limits: { consume: jest.Mock };
  let service: MessagesService;
  let events: ReturnType<typeof fakeRoomEventLog>;

  beforeEach(() => {
    prisma = {
      message: {
        findUnique: jest.fn().mockResolvedValue(null),
        findFirst: jest.fn(),
        findMany: jest.fn(),
        update: jest.fn(),
        updateMany: jest.fn(),
      },
      chatRoom: { findUnique: jest.fn().mockResolvedValue(null) },
      messageReaction: {
        groupBy: jest.fn().mockResolvedValue([]),
        findMany: jest.fn().mockResolvedValue([]),
        deleteMany: jest.fn().mockResolvedValue({ count: 0 }),
      },
      pinnedMessage: {
        findMany: jest.fn().mockResolvedValue([]),
        findUnique: jest.fn().mockResolvedValue(null),
        delete: jest.fn(),
      },
      messageMention: {
        findMany: jest.fn().mockResolvedValue([]),
        deleteMany: jest.fn().mockResolvedValue({ count: 0 }),
      },
      chatRoomParticipant: { findMany: jest.fn().mockResolvedValue([]) },
      $executeRaw: jest.fn().mockResolvedValue(1),
      $transaction: jest.fn((fn: (tx: unknown) => unknown) => fn(prisma)),
    };
    rooms = { requireParticipant: jest.fn(), findOrCreateDirect: jest.fn() };
    emitter = { toRoom: jest.fn() };
    // The logged events go out through toRoom, as ChatEmitter.roomEvents sends them.
    (emitter as any).roomEvents = (room: string, logged: { type: string; data: object; eventSeq: number }[]) => {
      for (const e of logged)
        emitter.toRoom(room, e.type as 'newMessage', { ...(e.data as any), eventSeq: e.eventSeq });
    };
    const config = new ChatConfig({
      authenticate: () => null,
      users: { findByIds: async () => [] },
      database: { dataDir: '/tmp/chat-unit' },
      limits: { maxMessageLength: 10 },
    });
    typing = { stop: jest.fn().mockResolvedValue(false) };
    writer = {
      write: jest
        .fn()
        .mockResolvedValue({ kind: 'stored', message: { ...row(1), mentionedUserIds: [], eventSeq: 1, root: null } }),
    };
    limits = { consume: jest.fn().mockResolvedValue(undefined) };
    events = fakeRoomEventLog();
    service = new MessagesService(
      prisma as PrismaService,
      rooms as unknown as ChatRoomsService,
      emitter as unknown as ChatEmitter,
      config,
      typing as any,
      new BeforeSend(config),
      writer as any,
      limits as any,
      new MessageViews(prisma as PrismaService),
      new MessageLocks(config),
      events,
    );
  });

  describe('send', () => {
    it.each([
      ['neither chatRoomId nor recipientId', { content: 'hi' }, 'chatRoomId'],
      ['both chatRoomId and recipientId', { chatRoomId: ROOM, recipientId: B, content: 'hi' }, 'chatRoomId'],
      ['blank content without attachments', { chatRoomId: ROOM, content: '   ' }, 'content'],
      ['content over limits.maxMessageLength', { chatRoomId: ROOM, content: 'x'.repeat(11) }, 'content'],
      ['an IMAGE without attachments', { chatRoomId: ROOM, content: 'look', type: 'IMAGE' as const }, 'attachments'],
      // Host code calls the service past the socket's and REST's validation.
      ['a NUL byte in content', { chatRoomId: ROOM, content: 'a\u0000b' }, 'content'],
      [
        'a lone surrogate in clientMessageId',
        { chatRoomId: ROOM, content: 'hi', clientMessageId: 'c\ud800' },
        'clientMessageId',
      ],
      [
        'a NUL byte in an attachment name',
        { chatRoomId: ROOM, content: 'hi', attachments: [{ url: 'https://x.test/a', name: 'a\u0000' }] },
        'attachments[0].name',
      ],
    ])('should refuse %s with VALIDATION_FAILED naming the field, storing nothing', async (_, input, field) => {
      const error = (await service.send(A, input).catch((e: unknown) => e)) as AppError;
      expect(error).toBeInstanceOf(AppError);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect(writer.write).not.toHaveBeenCalled();
      expect(emitter.toRoom).not.toHaveBeenCalled();
    });

    it('should count content in code points: 10 emoji fit a limit of 10', async () => {
      await service.send(A, { chatRoomId: ROOM, content: '😀'.repeat(10) });
      expect(writer.write).toHaveBeenCalledWith(expect.objectContaining({ content: '😀'.repeat(10) }));
    });

    it('should accept empty content when there are attachments', async () => {
      await service.send(A, { chatRoomId: ROOM, content: '', attachments: [{ url: 'https://x.test/a.png' }] });
      expect(writer.write).toHaveBeenCalledWith(
        expect.objectContaining({ content: '', attachments: [{ url: 'https://x.test/a.png' }] }),
      );
    });

    it('should store the trimmed content and broadcast newMessage to the room after the insert', async () => {
      const { message, created } = await service.send(A, { chatRoomId: ROOM, content: '  hi  ' });
      expect(created).toBe(true);
      expect(writer.write).toHaveBeenCalledWith({
        chatRoomId: ROOM,
        senderId: A,
        content: 'hi',
        type: 'TEXT',
        attachments: [],
        clientMessageId: null,
        replyToId: null,
        threadId: null,
        mentions: [],
      });
      expect(emitter.toRoom).toHaveBeenCalledWith(ROOM, 'newMessage', { ...message, eventSeq: 1 });
      expect(message).toMatchObject({ seq: 1, chatRoomId: ROOM, createdAt: '2026-01-01T00:00:01.000Z' });
      expect(typing.stop).toHaveBeenCalledWith(A, ROOM);
    });

    it('should return the first message for a repeated clientMessageId without broadcasting', async () => {
      writer.write.mockResolvedValue({ kind: 'duplicate', message: row(7, { clientMessageId: 'c1' }) });
      const result = await service.send(A, { chatRoomId: ROOM, content: 'again', clientMessageId: 'c1' });
      expect(result).toMatchObject({ created: false, message: { seq: 7, content: 'm7' } });
      expect(emitter.toRoom).not.toHaveBeenCalled();
    });

    it('should say why nothing was inserted when the sender is not a participant', async () => {
      writer.write.mockResolvedValue({ kind: 'refused' });
      rooms.requireParticipant.mockRejectedValue(AppError.forbidden());
      await expect(service.send(B, { chatRoomId: ROOM, content: 'hi' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(emitter.toRoom).not.toHaveBeenCalled();
    });

    it('should open the DIRECT room for a recipientId', async () => {
      rooms.findOrCreateDirect.mockResolvedValue({ room: { id: ROOM } as any, created: true });
      await service.send(A, { recipientId: B, content: 'hi' });
      expect(rooms.findOrCreateDirect).toHaveBeenCalledWith(A, B);
      expect(limits.consume).toHaveBeenCalledWith('rooms', A);
      expect(emitter.toRoom).toHaveBeenCalledWith(ROOM, 'newMessage', expect.objectContaining({ chatRoomId: ROOM }));
    });

    it('should not count against the rooms limit when the DIRECT room exists', async () => {
      prisma.chatRoom.findUnique.mockResolvedValue({ id: ROOM });
      await service.send(A, { recipientId: B, content: 'hi' });
      expect(limits.consume).not.toHaveBeenCalled();
      expect(rooms.findOrCreateDirect).not.toHaveBeenCalled();
      expect(writer.write).toHaveBeenCalledWith(expect.objectContaining({ chatRoomId: ROOM }));
    });

    it('should open no DIRECT room past the rooms limit', async () => {
      limits.consume.mockRejectedValue(new AppError('RATE_LIMITED', 'Too many rooms', { retryAfterMs: 10 }));
      await expect(service.send(A, { recipientId: B, content: 'hi' })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      expect(rooms.findOrCreateDirect).not.toHaveBeenCalled();
      expect(writer.write).not.toHaveBeenCalled();
    });
  });

  describe('history', () => {
    it('should return the newest page ascending, with hasMore when older ones exist', async () => {
      prisma.message.findMany.mockResolvedValue([row(5), row(4), row(3)]);
      const page = await service.history(A, ROOM, { limit: 2 });
      expect(prisma.message.findMany).toHaveBeenCalledWith({
        where: { chatRoomId: ROOM, seq: {} },
        orderBy: { seq: 'desc' },
        take: 3,
      });
      expect(page.messages.map((m) => m.seq)).toEqual([4, 5]);
      expect(page.hasMore).toBe(true);
    });

    it('should page forward from afterSeq', async () => {
      prisma.message.findMany.mockResolvedValue([row(3), row(4)]);
      const page = await service.history(A, ROOM, { afterSeq: 2, limit: 5 });
      expect(prisma.message.findMany).toHaveBeenCalledWith({
        where: { chatRoomId: ROOM, seq: { gt: 2 } },
        orderBy: { seq: 'asc' },
        take: 6,
      });
      expect(page).toMatchObject({ hasMore: false, messages: [{ seq: 3 }, { seq: 4 }] });
    });

    it('should check membership first', async () => {
      rooms.requireParticipant.mockRejectedValue(AppError.forbidden());
      await expect(service.history(B, ROOM, {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(prisma.message.findMany).not.toHaveBeenCalled();
    });
  });

  describe('send with replies, threads and mentions', () => {
    const OTHER_ROOM = '00000000-0000-4000-8000-0000000000f2';

    it.each([
      ['a repeated mention', { mentions: [B, B] }, 'mentions'],
      ['51 mentions', { mentions: Array.from({ length: 51 }, (_, i) => `u${i}`) }, 'mentions'],
      ['a replyToId that is not a UUID', { replyToId: 'nope' }, 'replyToId'],
    ])('should refuse %s before looking anything up', async (_, extra, field) => {
      const error = (await service.send(A, { chatRoomId: ROOM, content: 'hi', ...extra }).catch((e) => e)) as AppError;
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.details).toEqual([expect.objectContaining({ field })]);
      expect(writer.write).not.toHaveBeenCalled();
    });

    it('should check the sender is in the room before saying anything about its messages or members', async () => {
      rooms.requireParticipant.mockRejectedValue(AppError.notFound('Chat room'));
      await expect(service.send(A, { chatRoomId: ROOM, content: 'hi', mentions: [B] })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      expect(prisma.chatRoomParticipant.findMany).not.toHaveBeenCalled();
    });

    it('should refuse a quote from another room, a deleted quote, a reply as thread root and a non-member, naming each', async () => {
      prisma.message.findUnique.mockImplementation(({ where }: { where: { id: string } }) =>
        Promise.resolve(
          where.id === row(1).id ? row(1, { chatRoomId: OTHER_ROOM }) : row(2, { threadId: row(1).id }), // the would-be root is itself a reply
        ),
      );
      prisma.chatRoomParticipant.findMany.mockResolvedValue([{ userId: B }]);
      const error = (await service
        .send(A, { chatRoomId: ROOM, content: 'hi', replyToId: row(1).id, threadId: row(2).id, mentions: [B, 'x'] })
        .catch((e) => e)) as AppError;
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.details).toEqual([
        expect.objectContaining({ field: 'replyToId' }),
        expect.objectContaining({ field: 'threadId' }),
        { field: 'mentions', errors: ['not members of this room: x'] },
      ]);
      expect(writer.write).not.toHaveBeenCalled();

      prisma.message.findUnique.mockResolvedValue(row(1, { deletedAt: new Date() }));
      await expect(service.send(A, { chatRoomId: ROOM, content: 'hi', replyToId: row(1).id })).rejects.toMatchObject({
        details: [expect.objectContaining({ field: 'replyToId' })],
      });
    });

    it('should broadcast newMessage with the quote and mentions, then threadUpdated with the root the writer returned', async () => {
      const quoted = row(1, { senderId: B, content: 'the quoted words' });
      prisma.message.findUnique.mockImplementation(({ where }: { where: { id: string } }) =>
        Promise.resolve(where.id === quoted.id ? quoted : row(2)),
      );
      prisma.chatRoomParticipant.findMany.mockResolvedValue([{ userId: B }]);
      const lastReplyAt = new Date(Date.UTC(2026, 0, 3));
      writer.write.mockResolvedValue({
        kind: 'stored',
        message: {
          ...row(3, { replyToId: quoted.id, threadId: row(2).id }),
          mentionedUserIds: [B],
          eventSeq: 7,
          root: { threadReplyCount: 4, threadLastReplyAt: lastReplyAt, threadParticipantIds: [B, A], eventSeq: 8 },
        },
      });
      const { message } = await service.send(A, {
        chatRoomId: ROOM,
        content: 'hi',
        replyToId: quoted.id,
        threadId: row(2).id,
        mentions: [B],
      });
      expect(writer.write).toHaveBeenCalledWith(
        expect.objectContaining({ replyToId: quoted.id, threadId: row(2).id, mentions: [B] }),
      );
      expect(message).toMatchObject({
        replyTo: { id: quoted.id, senderId: B, excerpt: 'the quoted words', deleted: false },
        threadId: row(2).id,
        thread: null,
        mentionedUserIds: [B],
      });
      expect(emitter.toRoom.mock.calls).toEqual([
        [ROOM, 'newMessage', { ...message, eventSeq: 7 }],
        [
          ROOM,
          'threadUpdated',
          {
            chatRoomId: ROOM,
            messageId: row(2).id,
            thread: { replyCount: 4, lastReplyAt: lastReplyAt.toISOString(), participantIds: [B, A] },
            eventSeq: 8,
          },
        ],
      ]);
    });
  });

  describe('delete', () => {
    it('should take a deleted thread reply off its root’s count and say so with threadUpdated', async () => {
      const root = row(1);
      prisma.message.findFirst.mockResolvedValue(row(2, { threadId: root.id }));
      prisma.message.updateMany.mockResolvedValue({ count: 1 });
      prisma.message.update.mockResolvedValue({
        threadReplyCount: 2,
        threadLastReplyAt: new Date(Date.UTC(2026, 0, 5)),
        threadParticipantIds: [A],
      });
      await service.delete(A, row(2).id);
      expect(prisma.message.update).toHaveBeenCalledWith(
        expect.objectContaining({ where: { id: root.id }, data: { threadReplyCount: { decrement: 1 } } }),
      );
      expect(prisma.messageMention.deleteMany).toHaveBeenCalledWith({ where: { messageId: row(2).id } });
      expect(emitter.toRoom).toHaveBeenLastCalledWith(ROOM, 'threadUpdated', {
        chatRoomId: ROOM,
        messageId: root.id,
        thread: { replyCount: 2, lastReplyAt: '2026-01-05T00:00:00.000Z', participantIds: [A] },
        eventSeq: 2,
      });
      expect(events.logged.map((e) => e.type)).toEqual(['messageDeleted', 'threadUpdated']);
    });

    it('should not let a plain member delete someone else’s message', async () => {
      prisma.message.findFirst.mockResolvedValue(row(1, { senderId: A }));
      rooms.requireParticipant.mockResolvedValue({ role: 'MEMBER' } as any);
      await expect(service.delete(B, row(1).id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(prisma.message.updateMany).not.toHaveBeenCalled();
    });

    it('should let an admin delete, and broadcast only when something changed', async () => {
      prisma.message.findFirst.mockResolvedValue(row(1, { senderId: A }));
      rooms.requireParticipant.mockResolvedValue({ role: 'ADMIN' } as any);
      prisma.message.updateMany.mockResolvedValueOnce({ count: 1 }).mockResolvedValueOnce({ count: 0 });
      await service.delete(B, row(1).id);
      await service.delete(B, row(1).id);
      expect(emitter.toRoom).toHaveBeenCalledTimes(1);
      expect(emitter.toRoom).toHaveBeenCalledWith(ROOM, 'messageDeleted', {
        chatRoomId: ROOM,
        messageId: row(1).id,
        eventSeq: 1,
      });
      expect(events.logged).toHaveLength(1);
    });

    it('should answer NOT_FOUND for a message outside the user’s rooms', async () => {
      prisma.message.findFirst.mockResolvedValue(null);
      await expect(service.delete(B, row(1).id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('should clear reactions and the pin under the locks, and broadcast messageUnpinned after messageDeleted', async () => {
      const pinnedAt = new Date(Date.UTC(2026, 0, 2));
      prisma.message.findFirst.mockResolvedValue(row(1, { senderId: A }));
      prisma.message.updateMany.mockResolvedValue({ count: 1 });
      prisma.pinnedMessage.findUnique.mockResolvedValue({
        messageId: row(1).id,
        chatRoomId: ROOM,
        pinnedBy: B,
        pinnedAt,
      });
      await service.delete(A, row(1).id);
      // Both locks (room pins, message reactions) before the update.
      expect(prisma.$executeRaw).toHaveBeenCalledTimes(2);
      expect(prisma.$executeRaw.mock.invocationCallOrder[1]).toBeLessThan(
        prisma.message.updateMany.mock.invocationCallOrder[0],
      );
      expect(prisma.messageReaction.deleteMany).toHaveBeenCalledWith({ where: { messageId: row(1).id } });
      expect(prisma.pinnedMessage.delete).toHaveBeenCalledWith({ where: { messageId: row(1).id } });
      expect(emitter.toRoom.mock.calls.map((c) => c[1])).toEqual(['messageDeleted', 'messageUnpinned']);
      expect(emitter.toRoom).toHaveBeenLastCalledWith(ROOM, 'messageUnpinned', {
        chatRoomId: ROOM,
        messageId: row(1).id,
        pinnedBy: B,
        pinnedAt: pinnedAt.toISOString(),
        unpinnedBy: A,
        eventSeq: 2,
      });
    });
  });

  describe('edit', () => {
    it('should only let the sender edit', async () => {
      prisma.message.findFirst.mockResolvedValue(row(1, { senderId: A }));
      await expect(service.edit(B, row(1).id, 'new')).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(prisma.message.update).not.toHaveBeenCalled();
    });

    it('should refuse to edit a deleted message', async () => {
      prisma.message.findFirst.mockResolvedValue(row(1, { deletedAt: new Date() }));
      await expect(service.edit(A, row(1).id, 'new')).rejects.toMatchObject({ code: 'CONFLICT' });
    });
  });
});
