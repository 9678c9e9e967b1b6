import type { ChatRoomView, MessageView } from '../src/contract/chat.events';
import {
  ChatUser,
  createChatUsers,
  createGroup,
  errorOf,
  expectAlive,
  expectSilence,
  expectSilenceOn,
  fieldsOf,
  inRoom,
  requestError,
  sendText,
  setParticipant,
  UNKNOWN_ID,
  unstamped,
  verifyAll,
} from './helpers/chat-factory';
import { http } from './helpers/http';
import { closeAllSockets, collect, connectChat, request, requestOk, settle, waitForEvent } from './helpers/socket';
import { startTestApp, TestApp } from './helpers/test-app';
import { MessagesService, SearchService } from '../src';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const url = (n: number): { url: string } => ({ url: `https://files.example.com/${n}.png` });
const seqsOf = (messages: MessageView[]): number[] => messages.map((m) => m.seq);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('messages (e2e)', () => {
  let t: TestApp;
  // Reused across tests; every test that counts or stores makes its own room.
  let ann: ChatUser; // OWNER of the rooms
  let ben: ChatUser;
  let cid: ChatUser;
  let out: ChatUser; // in none of them

  const cursorOf = async (chatRoomId: string, userId: string): Promise<number> =>
    (
      await t.prisma.chatRoomParticipant.findUniqueOrThrow({
        where: { chatRoomId_userId: { chatRoomId, userId } },
      })
    ).lastReadSeq;

  /** Everything stored about a room's messages, to compare before and after a refused change. */
  const snapshot = async (chatRoomId: string) => ({
    room: await t.prisma.chatRoom.findUnique({ where: { id: chatRoomId } }),
    messages: await t.prisma.message.findMany({ where: { chatRoomId }, orderBy: { seq: 'asc' } }),
    cursors: await t.prisma.chatRoomParticipant.findMany({ where: { chatRoomId }, orderBy: { userId: 'asc' } }),
  });

  beforeAll(async () => {
    t = await startTestApp();
    [ann, ben, cid, out] = await createChatUsers(t, 'ann', 'ben', 'cid', 'out');
  });
  afterAll(async () => {
    closeAllSockets();
    await t.close();
  });

  describe('sendMessage', () => {
    it("should store the message, ack it after commit, and send newMessage to every participant's every socket", async () => {
      const room = await createGroup(ann, [ben], 'Send');
      const ann2 = await connectChat(t.url, ann.token);
      const delivered = [ann.socket, ann2, ben.socket].map((s) => waitForEvent(s, 'newMessage', 5000, inRoom(room.id)));
      const silentOut = await expectSilence(out.socket, 'newMessage');

      const ack = await requestOk(ann.socket, 'sendMessage', {
        chatRoomId: room.id,
        content: '  hello world \n',
        clientMessageId: 'send-1',
      });
      // The ack comes after the commit: the row is readable right away.
      const stored = await t.prisma.message.findUniqueOrThrow({ where: { id: ack.id } });

      expect(ack).toEqual({
        id: expect.stringMatching(UUID),
        chatRoomId: room.id,
        senderId: ann.id,
        seq: 1,
        content: 'hello world',
        type: 'TEXT',
        attachments: [],
        clientMessageId: 'send-1',
        createdAt: expect.stringMatching(ISO),
        editedAt: null,
        deletedAt: null,
        reactions: [],
        pinnedAt: null,
        pinnedBy: null,
        replyTo: null,
        threadId: null,
        thread: null,
        mentionedUserIds: [],
        // The room's first change: its log starts at 1.
        eventSeq: 1,
      });
      expect(stored).toMatchObject({
        chatRoomId: room.id,
        senderId: ann.id,
        seq: 1,
        content: 'hello world',
        type: 'TEXT',
        attachments: [],
        clientMessageId: 'send-1',
        editedAt: null,
        deletedAt: null,
      });
      expect(stored.createdAt.toISOString()).toBe(ack.createdAt);
      for (const event of await Promise.all(delivered)) expect(event).toEqual(ack);
      await silentOut.verify();

      const storedRoom = await t.prisma.chatRoom.findUniqueOrThrow({ where: { id: room.id } });
      expect(storedRoom.lastSeq).toBe(1);
      expect(storedRoom.lastMessageAt?.toISOString()).toBe(ack.createdAt);
      // Sending moves the sender's own read cursor; the other participant's stays.
      expect(await cursorOf(room.id, ann.id)).toBe(1);
      expect(await cursorOf(room.id, ben.id)).toBe(0);
      const seen = async (u: ChatUser): Promise<ChatRoomView | undefined> =>
        (await requestOk(u.socket, 'getChatRooms', {})).find((r) => r.id === room.id);
      expect(await seen(ann)).toMatchObject({
        unreadCount: 0,
        lastMessage: unstamped(ack),
        lastMessageAt: ack.createdAt,
        lastEventSeq: 1,
      });
      expect(await seen(ben)).toMatchObject({ unreadCount: 1, lastMessage: unstamped(ack) });
      ann2.disconnect();
    });

    it('should number messages 1, 2, 3… per room and never count the sender’s own messages as unread', async () => {
      const room = await createGroup(ann, [ben], 'Numbering');
      const other = await createGroup(ann, [ben], 'Other numbering');
      const a = await sendText(ann, room.id, 'a');
      const b = await sendText(ben, room.id, 'b');
      const c = await sendText(ann, other.id, 'c');
      const d = await sendText(ann, room.id, 'd');
      expect([a.seq, b.seq, d.seq]).toEqual([1, 2, 3]);
      expect(c.seq).toBe(1);
      expect(await cursorOf(room.id, ann.id)).toBe(3);
      expect(await cursorOf(room.id, ben.id)).toBe(2);
      const bensView = await requestOk(ben.socket, 'joinChatRoom', { chatRoomId: room.id });
      const annsView = await requestOk(ann.socket, 'joinChatRoom', { chatRoomId: room.id });
      expect(bensView.unreadCount).toBe(1);
      expect(annsView.unreadCount).toBe(0);
    });

    it('should find or create the DIRECT room of the pair for a recipientId', async () => {
      const [p, q] = await createChatUsers(t, 'p', 'q');
      const createdForQ = waitForEvent(q.socket, 'chatRoomCreated');
      const createdForP = waitForEvent(p.socket, 'chatRoomCreated');
      const toQ = waitForEvent(q.socket, 'newMessage');

      const first = await requestOk(p.socket, 'sendMessage', { recipientId: q.id, content: 'hi q' });

      const room = await createdForQ;
      expect(room).toMatchObject({ id: first.chatRoomId, type: 'DIRECT', name: null });
      expect((await createdForP).id).toBe(first.chatRoomId);
      expect(await toQ).toEqual(first);
      expect(first.seq).toBe(1);

      const silent = await expectSilenceOn([p.socket, q.socket], 'chatRoomCreated');
      const second = await requestOk(p.socket, 'sendMessage', { recipientId: q.id, content: 'again' });
      const reply = await requestOk(q.socket, 'sendMessage', { recipientId: p.id, content: 'hi p' });
      await verifyAll(silent);
      expect([second.chatRoomId, reply.chatRoomId]).toEqual([first.chatRoomId, first.chatRoomId]);
      expect([second.seq, reply.seq]).toEqual([2, 3]);

      const rooms = await t.prisma.chatRoom.findMany({ where: { participants: { some: { userId: p.id } } } });
      expect(rooms).toHaveLength(1);
      expect(rooms[0]).toMatchObject({ id: first.chatRoomId, type: 'DIRECT', lastSeq: 3 });
      expect(await t.prisma.message.count({ where: { chatRoomId: first.chatRoomId } })).toBe(3);
    });

    it('should store attachments, and allow empty content only with them', async () => {
      const room = await createGroup(ann, [ben], 'Attachments');
      const full = { url: 'https://files.example.com/cat.png', name: 'cat.png', mimeType: 'image/png', size: 1234 };
      const image = await requestOk(ann.socket, 'sendMessage', {
        chatRoomId: room.id,
        type: 'IMAGE',
        content: '   ',
        attachments: [full],
      });
      expect(image).toMatchObject({ type: 'IMAGE', content: '', attachments: [full] });

      const ten = Array.from({ length: 10 }, (_, i) => url(i));
      const file = await requestOk(ann.socket, 'sendMessage', { chatRoomId: room.id, type: 'FILE', attachments: ten });
      expect(file).toMatchObject({ type: 'FILE', content: '', attachments: ten });

      const text = await requestOk(ann.socket, 'sendMessage', {
        chatRoomId: room.id,
        content: 'see attached',
        attachments: [{ url: 'http://localhost:8080/report.pdf' }],
      });
      expect(text).toMatchObject({ type: 'TEXT', content: 'see attached' });

      const stored = await t.prisma.message.findMany({ where: { chatRoomId: room.id }, orderBy: { seq: 'asc' } });
      expect(stored.map((m) => [m.seq, m.type, m.content, m.attachments])).toEqual([
        [1, 'IMAGE', '', [full]],
        [2, 'FILE', '', ten],
        [3, 'TEXT', 'see attached', [{ url: 'http://localhost:8080/report.pdf' }]],
      ]);
    });

    it('should accept content of exactly MAX_MESSAGE_LENGTH (default 4000) characters and refuse one more', async () => {
      const room = await createGroup(ann, [ben], 'Default limit');
      const ok = await sendText(ann, room.id, 'x'.repeat(4000));
      expect(ok.content).toHaveLength(4000);
      const error = await requestError(
        ann.socket,
        'sendMessage',
        { chatRoomId: room.id, content: 'x'.repeat(4001) },
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(error)).toEqual(['content']);
      expect(await t.prisma.message.count({ where: { chatRoomId: room.id } })).toBe(1);
    });

    it.each<[string, string, (roomId: string) => unknown, string[] | null]>([
      [
        'neither chatRoomId nor recipientId',
        'VALIDATION_FAILED',
        () => ({ content: 'x' }),
        ['chatRoomId', 'recipientId'],
      ],
      [
        'both chatRoomId and recipientId',
        'VALIDATION_FAILED',
        (id) => ({ chatRoomId: id, recipientId: ben.id, content: 'x' }),
        ['chatRoomId', 'recipientId'],
      ],
      [
        'a room id that is not a uuid',
        'VALIDATION_FAILED',
        () => ({ chatRoomId: 'general', content: 'x' }),
        ['chatRoomId'],
      ],
      [
        'a recipient id that is not a string',
        'VALIDATION_FAILED',
        () => ({ recipientId: 7, content: 'x' }),
        ['recipientId'],
      ],
      ['oneself as recipient', 'VALIDATION_FAILED', () => ({ recipientId: ann.id, content: 'x' }), ['recipientId']],
      ['an unknown recipient', 'NOT_FOUND', () => ({ recipientId: UNKNOWN_ID, content: 'x' }), null],
      ['a recipient the host does not know', 'NOT_FOUND', () => ({ recipientId: 'ben', content: 'x' }), null],
      ['an unknown room', 'NOT_FOUND', () => ({ chatRoomId: UNKNOWN_ID, content: 'x' }), null],
      ['blank content', 'VALIDATION_FAILED', (id) => ({ chatRoomId: id, content: ' \n\t ' }), ['content']],
      ['no content and no attachments', 'VALIDATION_FAILED', (id) => ({ chatRoomId: id }), ['content']],
      [
        'empty content with an empty attachment list',
        'VALIDATION_FAILED',
        (id) => ({ chatRoomId: id, content: '', attachments: [] }),
        ['content'],
      ],
      ['non-string content', 'VALIDATION_FAILED', (id) => ({ chatRoomId: id, content: 42 }), ['content']],
      ['type SYSTEM', 'VALIDATION_FAILED', (id) => ({ chatRoomId: id, content: 'x', type: 'SYSTEM' }), ['type']],
      ['an unknown type', 'VALIDATION_FAILED', (id) => ({ chatRoomId: id, content: 'x', type: 'VIDEO' }), ['type']],
      [
        'an IMAGE without attachments',
        'VALIDATION_FAILED',
        (id) => ({ chatRoomId: id, content: 'x', type: 'IMAGE' }),
        ['attachments'],
      ],
      [
        'a FILE with an empty attachment list',
        'VALIDATION_FAILED',
        (id) => ({ chatRoomId: id, content: 'x', type: 'FILE', attachments: [] }),
        ['attachments'],
      ],
      [
        '11 attachments',
        'VALIDATION_FAILED',
        (id) => ({ chatRoomId: id, content: 'x', attachments: Array.from({ length: 11 }, (_, i) => url(i)) }),
        ['attachments'],
      ],
      [
        'an ftp attachment url',
        'VALIDATION_FAILED',
        (id) => ({ chatRoomId: id, content: 'x', attachments: [{ url: 'ftp://files.example.com/a' }] }),
        ['attachments[0].url'],
      ],
      [
        'a javascript: attachment url',
        'VALIDATION_FAILED',
        (id) => ({ chatRoomId: id, content: 'x', attachments: [url(0), { url: 'javascript:alert(1)' }] }),
        ['attachments[1].url'],
      ],
      [
        'an attachment without a url',
        'VALIDATION_FAILED',
        (id) => ({ chatRoomId: id, content: 'x', attachments: [{ name: 'a.txt' }] }),
        ['attachments[0].url'],
      ],
      [
        'an attachment with a negative size',
        'VALIDATION_FAILED',
        (id) => ({ chatRoomId: id, content: 'x', attachments: [{ ...url(0), size: -1 }] }),
        ['attachments[0].size'],
      ],
      [
        'an attachment with a bad mimeType',
        'VALIDATION_FAILED',
        (id) => ({ chatRoomId: id, content: 'x', attachments: [{ ...url(0), mimeType: 'png' }] }),
        ['attachments[0].mimeType'],
      ],
      [
        'an attachment with an unknown field',
        'VALIDATION_FAILED',
        (id) => ({ chatRoomId: id, content: 'x', attachments: [{ ...url(0), thumbnail: 'x' }] }),
        ['attachments[0].thumbnail'],
      ],
      [
        'attachments that are not an array',
        'VALIDATION_FAILED',
        (id) => ({ chatRoomId: id, content: 'x', attachments: url(0) }),
        ['attachments'],
      ],
      [
        'an empty clientMessageId',
        'VALIDATION_FAILED',
        (id) => ({ chatRoomId: id, content: 'x', clientMessageId: '' }),
        ['clientMessageId'],
      ],
      [
        'a 101-character clientMessageId',
        'VALIDATION_FAILED',
        (id) => ({ chatRoomId: id, content: 'x', clientMessageId: 'c'.repeat(101) }),
        ['clientMessageId'],
      ],
      [
        'a numeric clientMessageId',
        'VALIDATION_FAILED',
        (id) => ({ chatRoomId: id, content: 'x', clientMessageId: 7 }),
        ['clientMessageId'],
      ],
      [
        'an unknown field',
        'VALIDATION_FAILED',
        (id) => ({ chatRoomId: id, content: 'x', senderId: ben.id }),
        ['senderId'],
      ],
      ['an array payload', 'VALIDATION_FAILED', (id) => [{ chatRoomId: id, content: 'x' }], ['body']],
      ['a number payload', 'VALIDATION_FAILED', () => 1, ['body']],
    ])('should refuse %s with %s, store nothing and broadcast nothing', async (_, code, payload, fields) => {
      const room = await createGroup(ann, [ben], 'Refusals');
      const before = await snapshot(room.id);
      const messages = await t.prisma.message.count();
      const rooms = await t.prisma.chatRoom.count();
      const silent = await expectSilenceOn([ann.socket, ben.socket], 'newMessage');

      const error = await requestError(ann.socket, 'sendMessage', payload(room.id), code as 'NOT_FOUND');
      if (fields) expect(fieldsOf(error)).toEqual(fields);

      await verifyAll(silent);
      expect(await snapshot(room.id)).toEqual(before);
      expect(await t.prisma.message.count()).toBe(messages);
      expect(await t.prisma.chatRoom.count()).toBe(rooms);
      await expectAlive(ann.socket);
    });

    it('should refuse a room the sender is not in with FORBIDDEN, store nothing and broadcast nothing', async () => {
      const room = await createGroup(ann, [ben], 'Not yours');
      const before = await snapshot(room.id);
      const silent = await expectSilenceOn([ann.socket, ben.socket, out.socket], 'newMessage');
      await requestError(out.socket, 'sendMessage', { chatRoomId: room.id, content: 'let me in' }, 'FORBIDDEN');
      await verifyAll(silent);
      expect(await snapshot(room.id)).toEqual(before);
      await expectAlive(out.socket);
    });
  });

  describe('idempotency', () => {
    it('should return the first message for a repeated clientMessageId and broadcast nothing new', async () => {
      const room = await createGroup(ann, [ben], 'Retry');
      const toBen = collect(ben.socket, 'newMessage');
      const first = await requestOk(ann.socket, 'sendMessage', {
        chatRoomId: room.id,
        content: 'once',
        clientMessageId: 'retry-1',
      });
      const again = await requestOk(ann.socket, 'sendMessage', {
        chatRoomId: room.id,
        content: 'once, edited in the retry',
        clientMessageId: 'retry-1',
      });

      expect(again).toEqual(first);
      await settle(ben.socket); // everything sent to ben since `collect` has arrived
      expect(toBen.filter(inRoom(room.id))).toEqual([first]);
      const stored = await t.prisma.message.findMany({ where: { chatRoomId: room.id } });
      expect(stored.map((m) => [m.seq, m.content])).toEqual([[1, 'once']]);
      expect((await t.prisma.chatRoom.findUniqueOrThrow({ where: { id: room.id } })).lastSeq).toBe(1);
    });

    it('should keep clientMessageIds per sender: the same id from another sender is a new message', async () => {
      const room = await createGroup(ann, [ben], 'Per sender');
      const a = await requestOk(ann.socket, 'sendMessage', {
        chatRoomId: room.id,
        content: 'a',
        clientMessageId: 'same',
      });
      const b = await requestOk(ben.socket, 'sendMessage', {
        chatRoomId: room.id,
        content: 'b',
        clientMessageId: 'same',
      });
      expect(b.id).not.toBe(a.id);
      expect([a.seq, b.seq]).toEqual([1, 2]);
      expect(await t.prisma.message.count({ where: { chatRoomId: room.id } })).toBe(2);
    });

    it('should store one message for two concurrent sends with the same clientMessageId, with no seq gap', async () => {
      const room = await createGroup(ann, [ben], 'Concurrent retry');
      const toBen = collect(ben.socket, 'newMessage');

      const [one, two] = await Promise.all([
        requestOk(ann.socket, 'sendMessage', { chatRoomId: room.id, content: 'twice', clientMessageId: 'race-1' }),
        requestOk(ann.socket, 'sendMessage', { chatRoomId: room.id, content: 'twice', clientMessageId: 'race-1' }),
      ]);

      expect(two).toEqual(one);
      expect(one.seq).toBe(1);
      await settle(ben.socket);
      expect(toBen.filter(inRoom(room.id))).toEqual([one]);
      expect(await t.prisma.message.count({ where: { chatRoomId: room.id } })).toBe(1);
      expect((await t.prisma.chatRoom.findUniqueOrThrow({ where: { id: room.id } })).lastSeq).toBe(1);
      // The next message follows without a hole.
      expect((await sendText(ann, room.id, 'next')).seq).toBe(2);
    });

    it('should store one message for concurrent duplicates sent over REST and the socket at once', async () => {
      const room = await createGroup(ann, [ben], 'Mixed retry');
      const toBen = collect(ben.socket, 'newMessage');
      const body = { content: 'both ways', clientMessageId: 'mixed-1' };

      const [viaSocket, viaRest] = await Promise.all([
        requestOk(ann.socket, 'sendMessage', { chatRoomId: room.id, ...body }),
        http(t.url, 'POST', `/chat-rooms/${room.id}/messages`, { token: ann.token, body }),
      ]);

      expect([200, 201]).toContain(viaRest.status);
      expect(viaRest.body).toEqual(viaSocket);
      await expectAlive(ben.socket);
      expect(toBen.filter(inRoom(room.id))).toEqual([viaSocket]);
      expect(await t.prisma.message.count({ where: { chatRoomId: room.id } })).toBe(1);
    });
  });

  describe('concurrent sends', () => {
    it('should give 24 concurrent sends from three users the gap-free seqs 1..24, each stored and delivered once', async () => {
      const room = await createGroup(ann, [ben, cid], 'Rush hour');
      const senders = [ann, ben, cid];
      const received = senders.map((u) => collect(u.socket, 'newMessage'));

      const acks = await Promise.all(
        range(1, 24).map((i) => {
          const sender = senders[i % 3];
          return requestOk(sender.socket, 'sendMessage', {
            chatRoomId: room.id,
            content: `message ${i}`,
            clientMessageId: `rush-${i}`,
          });
        }),
      );

      expect(acks.map((a) => a.seq).sort((a, b) => a - b)).toEqual(range(1, 24));
      const stored = await t.prisma.message.findMany({ where: { chatRoomId: room.id }, orderBy: { seq: 'asc' } });
      expect(seqsOf(stored as unknown as MessageView[])).toEqual(range(1, 24));
      expect(stored.map((m) => m.content).sort()).toEqual(
        range(1, 24)
          .map((i) => `message ${i}`)
          .sort(),
      );
      for (const ack of acks) {
        expect(stored.find((m) => m.id === ack.id)).toMatchObject({ seq: ack.seq, content: ack.content });
      }
      expect((await t.prisma.chatRoom.findUniqueOrThrow({ where: { id: room.id } })).lastSeq).toBe(24);

      await Promise.all(senders.map((u) => expectAlive(u.socket)));
      for (const events of received) {
        const here = events.filter(inRoom(room.id));
        expect(here.map((m) => m.seq).sort((a, b) => a - b)).toEqual(range(1, 24));
      }
      // Each sender's read cursor is at their own newest message.
      for (const sender of senders) {
        const own = acks.filter((a) => a.senderId === sender.id).map((a) => a.seq);
        expect(await cursorOf(room.id, sender.id)).toBe(Math.max(...own));
      }
    });
  });

  describe('editMessage', () => {
    it('should let the sender edit, set editedAt, store it and send messageUpdated to the room', async () => {
      const room = await createGroup(ann, [ben], 'Edits');
      const original = await sendText(ann, room.id, 'draft');
      const toBen = waitForEvent(ben.socket, 'messageUpdated', 5000, inRoom(room.id));
      const silentOut = await expectSilence(out.socket, 'messageUpdated');

      const edited = await requestOk(ann.socket, 'editMessage', { messageId: original.id, content: '  final  ' });

      expect(edited).toEqual({
        ...original,
        content: 'final',
        editedAt: expect.stringMatching(ISO),
        eventSeq: original.eventSeq + 1,
      });
      expect(await toBen).toEqual(edited);
      await silentOut.verify();
      const stored = await t.prisma.message.findUniqueOrThrow({ where: { id: original.id } });
      expect(stored.content).toBe('final');
      expect(stored.editedAt?.toISOString()).toBe(edited.editedAt);
      expect(stored.seq).toBe(original.seq);
    });

    it.each<[string, string, () => ChatUser, (messageId: string) => unknown, string[] | null]>([
      ["someone else's message", 'FORBIDDEN', () => ben, (id) => ({ messageId: id, content: 'hijack' }), null],
      [
        'a message in a room the user is not in',
        'NOT_FOUND',
        () => out,
        (id) => ({ messageId: id, content: 'x' }),
        null,
      ],
      ['an unknown message', 'NOT_FOUND', () => ann, () => ({ messageId: UNKNOWN_ID, content: 'x' }), null],
      [
        'a message id that is not a uuid',
        'VALIDATION_FAILED',
        () => ann,
        () => ({ messageId: 'm1', content: 'x' }),
        ['messageId'],
      ],
      ['blank content', 'VALIDATION_FAILED', () => ann, (id) => ({ messageId: id, content: '   ' }), ['content']],
      ['missing content', 'VALIDATION_FAILED', () => ann, (id) => ({ messageId: id }), ['content']],
      [
        'over-long content',
        'VALIDATION_FAILED',
        () => ann,
        (id) => ({ messageId: id, content: 'x'.repeat(4001) }),
        ['content'],
      ],
      ['an unknown field', 'VALIDATION_FAILED', () => ann, (id) => ({ messageId: id, content: 'x', seq: 9 }), ['seq']],
    ])('should refuse editing %s with %s and change nothing', async (_, code, actor, payload, fields) => {
      const room = await createGroup(ann, [ben], 'Refused edits');
      const message = await sendText(ann, room.id, 'keep me');
      const before = await snapshot(room.id);
      const silent = await expectSilenceOn([ann.socket, ben.socket], 'messageUpdated');

      const error = await requestError(actor().socket, 'editMessage', payload(message.id), code as 'NOT_FOUND');
      if (fields) expect(fieldsOf(error)).toEqual(fields);

      await verifyAll(silent);
      expect(await snapshot(room.id)).toEqual(before);
      await expectAlive(actor().socket);
    });

    it('should refuse editing a deleted message with CONFLICT', async () => {
      const room = await createGroup(ann, [ben], 'Edit deleted');
      const message = await sendText(ann, room.id, 'gone soon');
      await requestOk(ann.socket, 'deleteMessage', { messageId: message.id });
      const before = await snapshot(room.id);
      await requestError(ann.socket, 'editMessage', { messageId: message.id, content: 'revive' }, 'CONFLICT');
      expect(await snapshot(room.id)).toEqual(before);
    });
  });

  describe('deleteMessage', () => {
    it('should let the sender delete: the row keeps its seq, loses content and attachments, and messageDeleted goes to the room', async () => {
      const room = await createGroup(ann, [ben], 'Deletes');
      await sendText(ann, room.id, 'before');
      const message = await requestOk(ann.socket, 'sendMessage', {
        chatRoomId: room.id,
        content: 'regret',
        attachments: [url(1)],
      });
      await sendText(ben, room.id, 'after');
      // The room's 4th change (three messages before it).
      const deleted = { chatRoomId: room.id, messageId: message.id, eventSeq: 4 };
      const told = [ann, ben].map((u) => waitForEvent(u.socket, 'messageDeleted', 5000, inRoom(room.id)));
      const silentOut = await expectSilence(out.socket, 'messageDeleted');

      expect(await requestOk(ann.socket, 'deleteMessage', { messageId: message.id })).toEqual(deleted);

      for (const event of await Promise.all(told)) expect(event).toEqual(deleted);
      await silentOut.verify();
      const stored = await t.prisma.message.findUniqueOrThrow({ where: { id: message.id } });
      expect(stored).toMatchObject({ seq: 2, content: '', attachments: [] });
      expect(stored.deletedAt).toBeInstanceOf(Date);

      const page = await requestOk(ben.socket, 'getMessages', { chatRoomId: room.id });
      expect(seqsOf(page.messages)).toEqual([1, 2, 3]);
      expect(page.messages[1]).toEqual({
        ...unstamped(message),
        content: '',
        attachments: [],
        deletedAt: stored.deletedAt!.toISOString(),
      });
    });

    it.each<[string, () => ChatUser, (room: ChatRoomView) => Promise<void>]>([
      ['the OWNER', () => ann, async () => undefined],
      ['an ADMIN', () => cid, async (room) => setParticipant(t, room.id, cid.id, { role: 'ADMIN' })],
    ])("should let %s delete someone else's message", async (_, actor, setup) => {
      const room = await createGroup(ann, [ben, cid], 'Moderation');
      await setup(room);
      const moderator = actor();
      const message = await sendText(ben, room.id, 'spam');
      const toBen = waitForEvent(ben.socket, 'messageDeleted', 5000, inRoom(room.id));

      await requestOk(moderator.socket, 'deleteMessage', { messageId: message.id });

      expect(await toBen).toEqual({ chatRoomId: room.id, messageId: message.id, eventSeq: 2 });
      const stored = await t.prisma.message.findUniqueOrThrow({ where: { id: message.id } });
      expect(stored).toMatchObject({ content: '', seq: 1 });
      expect(stored.deletedAt).not.toBeNull();
    });

    it.each<[string, string, () => ChatUser, (messageId: string) => unknown, string[] | null]>([
      ["a MEMBER deleting someone else's message", 'FORBIDDEN', () => cid, (id) => ({ messageId: id }), null],
      ['a non-participant', 'NOT_FOUND', () => out, (id) => ({ messageId: id }), null],
      ['an unknown message', 'NOT_FOUND', () => ann, () => ({ messageId: UNKNOWN_ID }), null],
      ['a message id that is not a uuid', 'VALIDATION_FAILED', () => ann, () => ({ messageId: 42 }), ['messageId']],
      ['an unknown field', 'VALIDATION_FAILED', () => ann, (id) => ({ messageId: id, hard: true }), ['hard']],
    ])('should refuse %s with %s and change nothing', async (_, code, actor, payload, fields) => {
      const room = await createGroup(ann, [ben, cid], 'Refused deletes');
      const message = await sendText(ben, room.id, 'keep me');
      const before = await snapshot(room.id);
      const silent = await expectSilenceOn([ann.socket, ben.socket], 'messageDeleted');

      const error = await requestError(actor().socket, 'deleteMessage', payload(message.id), code as 'NOT_FOUND');
      if (fields) expect(fieldsOf(error)).toEqual(fields);

      await verifyAll(silent);
      expect(await snapshot(room.id)).toEqual(before);
      await expectAlive(actor().socket);
    });
  });

  describe('getMessages', () => {
    let seven: ChatRoomView;
    let many: ChatRoomView;

    beforeAll(async () => {
      seven = await createGroup(ann, [ben], 'Seven');
      for (let i = 1; i <= 7; i++) await sendText(i % 2 ? ann : ben, seven.id, `m${i}`);
      many = await createGroup(ann, [ben], 'Fifty-five');
      await Promise.all(range(1, 55).map((i) => sendText(i % 2 ? ann : ben, many.id, `n${i}`)));
    });

    const page = async (query: object): Promise<{ seqs: number[]; hasMore: boolean }> => {
      const result = await requestOk(ben.socket, 'getMessages', { chatRoomId: seven.id, ...query });
      return { seqs: seqsOf(result.messages), hasMore: result.hasMore };
    };

    it('should return the newest page ascending by seq with full messages', async () => {
      const result = await requestOk(ben.socket, 'getMessages', { chatRoomId: seven.id });
      expect(seqsOf(result.messages)).toEqual(range(1, 7));
      expect(result.hasMore).toBe(false);
      expect(result.messages.map((m) => m.content)).toEqual(range(1, 7).map((i) => `m${i}`));
      const stored = await t.prisma.message.findMany({ where: { chatRoomId: seven.id }, orderBy: { seq: 'asc' } });
      expect(result.messages.map((m) => m.id)).toEqual(stored.map((m) => m.id));
      expect(result.messages[0]).toEqual({
        id: stored[0].id,
        chatRoomId: seven.id,
        senderId: ann.id,
        seq: 1,
        content: 'm1',
        type: 'TEXT',
        attachments: [],
        clientMessageId: null,
        createdAt: stored[0].createdAt.toISOString(),
        editedAt: null,
        deletedAt: null,
        reactions: [],
        pinnedAt: null,
        pinnedBy: null,
        replyTo: null,
        threadId: null,
        thread: null,
        mentionedUserIds: [],
      });
    });

    it.each<[string, object, number[], boolean]>([
      ['the newest 3', { limit: 3 }, [5, 6, 7], true],
      ['3 older than seq 5', { beforeSeq: 5, limit: 3 }, [2, 3, 4], true],
      ['3 older than seq 4 (the last of them)', { beforeSeq: 4, limit: 3 }, [1, 2, 3], false],
      ['older than seq 2', { beforeSeq: 2, limit: 3 }, [1], false],
      ['older than seq 1', { beforeSeq: 1 }, [], false],
      ['3 after seq 0', { afterSeq: 0, limit: 3 }, [1, 2, 3], true],
      ['3 after seq 4 (the last of them)', { afterSeq: 4, limit: 3 }, [5, 6, 7], false],
      ['after the newest', { afterSeq: 7 }, [], false],
      ['everything after seq 2', { afterSeq: 2 }, [3, 4, 5, 6, 7], false],
    ])('should page %s', async (_, query, seqs, hasMore) => {
      expect(await page(query)).toEqual({ seqs, hasMore });
    });

    it('should default to 50 messages and page back through the rest', async () => {
      const newest = await requestOk(ann.socket, 'getMessages', { chatRoomId: many.id });
      expect(seqsOf(newest.messages)).toEqual(range(6, 55));
      expect(newest.hasMore).toBe(true);
      const older = await requestOk(ann.socket, 'getMessages', { chatRoomId: many.id, beforeSeq: 6 });
      expect(seqsOf(older.messages)).toEqual(range(1, 5));
      expect(older.hasMore).toBe(false);
      const catchUp = await requestOk(ann.socket, 'getMessages', { chatRoomId: many.id, afterSeq: 0, limit: 100 });
      expect(seqsOf(catchUp.messages)).toEqual(range(1, 55));
      expect(catchUp.hasMore).toBe(false);
      expect(await t.prisma.message.count({ where: { chatRoomId: many.id } })).toBe(55);
    });

    it.each<[string, string, (roomId: string) => unknown, string[] | null]>([
      ['a limit of 0', 'VALIDATION_FAILED', (id) => ({ chatRoomId: id, limit: 0 }), ['limit']],
      ['a limit of 101', 'VALIDATION_FAILED', (id) => ({ chatRoomId: id, limit: 101 }), ['limit']],
      ['a string limit', 'VALIDATION_FAILED', (id) => ({ chatRoomId: id, limit: '5' }), ['limit']],
      ['a fractional limit', 'VALIDATION_FAILED', (id) => ({ chatRoomId: id, limit: 1.5 }), ['limit']],
      ['a beforeSeq of 0', 'VALIDATION_FAILED', (id) => ({ chatRoomId: id, beforeSeq: 0 }), ['beforeSeq']],
      ['a negative afterSeq', 'VALIDATION_FAILED', (id) => ({ chatRoomId: id, afterSeq: -1 }), ['afterSeq']],
      ['a room id that is not a uuid', 'VALIDATION_FAILED', () => ({ chatRoomId: 'seven' }), ['chatRoomId']],
      ['an unknown field', 'VALIDATION_FAILED', (id) => ({ chatRoomId: id, order: 'desc' }), ['order']],
      ['an unknown room', 'NOT_FOUND', () => ({ chatRoomId: UNKNOWN_ID }), null],
    ])('should refuse %s with %s', async (_, code, payload, fields) => {
      const error = await requestError(ben.socket, 'getMessages', payload(seven.id), code as 'NOT_FOUND');
      if (fields) expect(fieldsOf(error)).toEqual(fields);
      await expectAlive(ben.socket);
    });

    it('should refuse a room the user is not in with FORBIDDEN and leak no messages', async () => {
      const ack = await request(out.socket, 'getMessages', { chatRoomId: seven.id });
      expect(errorOf(ack).code).toBe('FORBIDDEN');
      expect(JSON.stringify(ack)).not.toContain('m1');
      await expectAlive(out.socket);
    });

    describe('over REST', () => {
      it('should page like the socket with query parameters', async () => {
        const res = await http(t.url, 'GET', `/chat-rooms/${seven.id}/messages?beforeSeq=5&limit=3`, {
          token: ben.token,
        });
        expect(res.status).toBe(200);
        expect(res.body).toEqual(
          await requestOk(ben.socket, 'getMessages', { chatRoomId: seven.id, beforeSeq: 5, limit: 3 }),
        );
        const catchUp = await http(t.url, 'GET', `/chat-rooms/${many.id}/messages?afterSeq=52`, { token: ann.token });
        expect(catchUp.status).toBe(200);
        expect(seqsOf(catchUp.body.messages)).toEqual([53, 54, 55]);
        expect(catchUp.body.hasMore).toBe(false);
        const newest = await http(t.url, 'GET', `/chat-rooms/${many.id}/messages`, { token: ann.token });
        expect(seqsOf(newest.body.messages)).toEqual(range(6, 55));
        expect(newest.body.hasMore).toBe(true);
      });

      it.each<[string, () => string, () => string | undefined, number, string, string[] | null]>([
        [
          'a non-numeric limit',
          () => `/chat-rooms/${seven.id}/messages?limit=abc`,
          () => ben.token,
          400,
          'VALIDATION_FAILED',
          ['limit'],
        ],
        [
          'a limit of 0',
          () => `/chat-rooms/${seven.id}/messages?limit=0`,
          () => ben.token,
          400,
          'VALIDATION_FAILED',
          ['limit'],
        ],
        [
          'a limit of 101',
          () => `/chat-rooms/${seven.id}/messages?limit=101`,
          () => ben.token,
          400,
          'VALIDATION_FAILED',
          ['limit'],
        ],
        [
          'a negative afterSeq',
          () => `/chat-rooms/${seven.id}/messages?afterSeq=-1`,
          () => ben.token,
          400,
          'VALIDATION_FAILED',
          ['afterSeq'],
        ],
        [
          'an unknown parameter',
          () => `/chat-rooms/${seven.id}/messages?sort=desc`,
          () => ben.token,
          400,
          'VALIDATION_FAILED',
          ['sort'],
        ],
        [
          'a room id that is not a uuid',
          () => '/chat-rooms/seven/messages',
          () => ben.token,
          400,
          'VALIDATION_FAILED',
          null,
        ],
        ['a non-participant', () => `/chat-rooms/${seven.id}/messages`, () => out.token, 403, 'FORBIDDEN', null],
        ['an unknown room', () => `/chat-rooms/${UNKNOWN_ID}/messages`, () => ben.token, 404, 'NOT_FOUND', null],
        ['no token', () => `/chat-rooms/${seven.id}/messages`, () => undefined, 401, 'UNAUTHORIZED', null],
      ])('should answer %s with %d', async (_, path, token, status, code, fields) => {
        const res = await http(t.url, 'GET', path(), { token: token() });
        expect(res.status).toBe(status);
        expect(res.body).toMatchObject({ statusCode: status, code, message: expect.anything() });
        if (fields) expect(fieldsOf(res.body)).toEqual(fields);
        expect(JSON.stringify(res.body)).not.toContain('"m1"');
      });
    });
  });

  describe('REST messages', () => {
    it('should send with 201 and broadcast newMessage to sockets exactly like the socket path', async () => {
      const room = await createGroup(ann, [ben], 'REST send');
      const delivered = [ann, ben].map((u) => waitForEvent(u.socket, 'newMessage', 5000, inRoom(room.id)));
      const silentOut = await expectSilence(out.socket, 'newMessage');

      const res = await http(t.url, 'POST', `/chat-rooms/${room.id}/messages`, {
        token: ann.token,
        body: { content: ' over http ', clientMessageId: 'rest-1' },
      });

      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID),
        chatRoomId: room.id,
        senderId: ann.id,
        seq: 1,
        content: 'over http',
        type: 'TEXT',
        attachments: [],
        clientMessageId: 'rest-1',
        createdAt: expect.stringMatching(ISO),
        editedAt: null,
        deletedAt: null,
        reactions: [],
        pinnedAt: null,
        pinnedBy: null,
        replyTo: null,
        threadId: null,
        thread: null,
        mentionedUserIds: [],
        eventSeq: 1,
      });
      for (const event of await Promise.all(delivered)) expect(event).toEqual(res.body);
      await silentOut.verify();
      expect(await t.prisma.message.findUnique({ where: { id: res.body.id } })).toMatchObject({ content: 'over http' });
      expect(await cursorOf(room.id, ann.id)).toBe(1);

      // A retry answers 200 with the first message and broadcasts nothing.
      const silent = await expectSilenceOn([ann.socket, ben.socket], 'newMessage');
      const retry = await http(t.url, 'POST', `/chat-rooms/${room.id}/messages`, {
        token: ann.token,
        body: { content: 'different', clientMessageId: 'rest-1' },
      });
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual(res.body);
      const viaSocket = await requestOk(ann.socket, 'sendMessage', {
        chatRoomId: room.id,
        content: 'x',
        clientMessageId: 'rest-1',
      });
      expect(viaSocket).toEqual(res.body);
      await verifyAll(silent);
      expect(await t.prisma.message.count({ where: { chatRoomId: room.id } })).toBe(1);
    });

    it.each<[string, number, string, () => string, () => string | undefined, unknown, string[] | null]>([
      ['blank content', 400, 'VALIDATION_FAILED', () => 'ROOM', () => ann.token, { content: '  ' }, ['content']],
      [
        'type SYSTEM',
        400,
        'VALIDATION_FAILED',
        () => 'ROOM',
        () => ann.token,
        { content: 'x', type: 'SYSTEM' },
        ['type'],
      ],
      [
        'a chatRoomId in the body',
        400,
        'VALIDATION_FAILED',
        () => 'ROOM',
        () => ann.token,
        { content: 'x', chatRoomId: UNKNOWN_ID },
        ['chatRoomId'],
      ],
      [
        'a recipientId in the body',
        400,
        'VALIDATION_FAILED',
        () => 'ROOM',
        () => ann.token,
        { content: 'x', recipientId: UNKNOWN_ID },
        ['recipientId'],
      ],
      [
        'a bad attachment',
        400,
        'VALIDATION_FAILED',
        () => 'ROOM',
        () => ann.token,
        { content: 'x', attachments: [{ url: 'nope' }] },
        ['attachments[0].url'],
      ],
      ['a body that is not an object', 400, 'VALIDATION_FAILED', () => 'ROOM', () => ann.token, ['x'], ['body']],
      [
        'a room id that is not a uuid',
        400,
        'VALIDATION_FAILED',
        () => 'general',
        () => ann.token,
        { content: 'x' },
        null,
      ],
      ['a room the user is not in', 403, 'FORBIDDEN', () => 'ROOM', () => out.token, { content: 'x' }, null],
      ['an unknown room', 404, 'NOT_FOUND', () => UNKNOWN_ID, () => ann.token, { content: 'x' }, null],
      ['no token', 401, 'UNAUTHORIZED', () => 'ROOM', () => undefined, { content: 'x' }, null],
    ])('should refuse sending %s with %d and store nothing', async (_, status, code, roomId, token, body, fields) => {
      const room = await createGroup(ann, [ben], 'REST refusals');
      const messages = await t.prisma.message.count();
      const silent = await expectSilence(ben.socket, 'newMessage');
      const id = roomId() === 'ROOM' ? room.id : roomId();

      const res = await http(t.url, 'POST', `/chat-rooms/${id}/messages`, { token: token(), body });

      expect(res.status).toBe(status);
      expect(res.body).toMatchObject({ statusCode: status, code, message: expect.anything() });
      if (fields) expect(fieldsOf(res.body)).toEqual(fields);
      await silent.verify();
      expect(await t.prisma.message.count()).toBe(messages);
    });

    it('should edit with PATCH /messages/:id, broadcast messageUpdated, and refuse others', async () => {
      const room = await createGroup(ann, [ben], 'REST edit');
      const message = await sendText(ann, room.id, 'v1');
      const toBen = waitForEvent(ben.socket, 'messageUpdated', 5000, inRoom(room.id));

      const res = await http(t.url, 'PATCH', `/messages/${message.id}`, { token: ann.token, body: { content: 'v2' } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        ...message,
        content: 'v2',
        editedAt: expect.stringMatching(ISO),
        eventSeq: message.eventSeq + 1,
      });
      expect(await toBen).toEqual(res.body);

      const silent = await expectSilence(ann.socket, 'messageUpdated');
      const byOther = await http(t.url, 'PATCH', `/messages/${message.id}`, {
        token: ben.token,
        body: { content: 'v3' },
      });
      expect(byOther.status).toBe(403);
      expect(byOther.body.code).toBe('FORBIDDEN');
      const byOutsider = await http(t.url, 'PATCH', `/messages/${message.id}`, {
        token: out.token,
        body: { content: 'v3' },
      });
      expect(byOutsider.status).toBe(404);
      const blank = await http(t.url, 'PATCH', `/messages/${message.id}`, { token: ann.token, body: { content: '' } });
      expect(blank.status).toBe(400);
      expect(fieldsOf(blank.body)).toEqual(['content']);
      const badId = await http(t.url, 'PATCH', '/messages/m-1', { token: ann.token, body: { content: 'v3' } });
      expect(badId.status).toBe(400);
      const unknown = await http(t.url, 'PATCH', `/messages/${UNKNOWN_ID}`, {
        token: ann.token,
        body: { content: 'v3' },
      });
      expect(unknown.status).toBe(404);
      await silent.verify();
      expect((await t.prisma.message.findUniqueOrThrow({ where: { id: message.id } })).content).toBe('v2');
    });

    it('should delete with DELETE /messages/:id, broadcast messageDeleted, and refuse a MEMBER deleting others', async () => {
      const room = await createGroup(ann, [ben, cid], 'REST delete');
      const message = await sendText(ben, room.id, 'oops');
      const silent = await expectSilence(ann.socket, 'messageDeleted');
      const byMember = await http(t.url, 'DELETE', `/messages/${message.id}`, { token: cid.token });
      expect(byMember.status).toBe(403);
      await silent.verify();
      expect((await t.prisma.message.findUniqueOrThrow({ where: { id: message.id } })).deletedAt).toBeNull();

      const toAnn = waitForEvent(ann.socket, 'messageDeleted', 5000, inRoom(room.id));
      const res = await http(t.url, 'DELETE', `/messages/${message.id}`, { token: ben.token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ chatRoomId: room.id, messageId: message.id, eventSeq: 2 });
      expect(await toAnn).toEqual(res.body);
      const stored = await t.prisma.message.findUniqueOrThrow({ where: { id: message.id } });
      expect(stored).toMatchObject({ seq: 1, content: '', attachments: [] });
      expect(stored.deletedAt).not.toBeNull();

      expect((await http(t.url, 'DELETE', `/messages/${UNKNOWN_ID}`, { token: ben.token })).status).toBe(404);
      expect((await http(t.url, 'DELETE', '/messages/nope', { token: ben.token })).status).toBe(400);
      expect((await http(t.url, 'DELETE', `/messages/${message.id}`)).status).toBe(401);
    });
  });

  describe('host code', () => {
    it('should reply in a thread, mention and search through the exported services, broadcasting like the socket', async () => {
      const room = await createGroup(ann, [ben], 'Host threads');
      const root = await sendText(ann, room.id, 'the root of a host thread');
      const word = `zephyr${Date.now().toString(36)}`;
      const messages = t.app.get(MessagesService);
      const newMessage = waitForEvent(ben.socket, 'newMessage', 5000, (m) => m.threadId === root.id);
      const threadUpdated = waitForEvent(ben.socket, 'threadUpdated', 5000, (e) => e.messageId === root.id);
      const silent = await expectSilenceOn([out.socket], 'threadUpdated');

      const { message, created } = await messages.send(ann.id, {
        chatRoomId: room.id,
        content: `a ${word} from the host`,
        threadId: root.id,
        mentions: [ben.id],
      });

      expect(created).toBe(true);
      expect(message).toMatchObject({ threadId: root.id, mentionedUserIds: [ben.id], seq: root.seq + 1 });
      expect(await newMessage).toEqual(message);
      expect((await threadUpdated).thread).toEqual({
        replyCount: 1,
        lastReplyAt: message.createdAt,
        participantIds: [ann.id],
      });
      await verifyAll(silent);
      const stored = await t.prisma.message.findUniqueOrThrow({ where: { id: root.id } });
      expect(stored.threadReplyCount).toBe(1);
      expect(await t.prisma.messageMention.findMany({ where: { messageId: message.id } })).toEqual([
        expect.objectContaining({ userId: ben.id, seq: message.seq, position: 1 }),
      ]);
      expect((await messages.thread(ben.id, root.id, {})).messages.map((m) => m.id)).toEqual([message.id]);
      const found = await t.app.get(SearchService).search(ben.id, { query: word });
      expect(found.messages.map((m) => m.id)).toEqual([message.id]);
      await expect(t.app.get(SearchService).search(out.id, { query: word })).resolves.toEqual({
        messages: [],
        nextCursor: null,
      });
      await expect(
        messages.send(ann.id, { chatRoomId: room.id, content: 'x', mentions: [out.id] }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'mentions' })] });
    });
  });
});

describe('messages with MAX_MESSAGE_LENGTH=50 (e2e)', () => {
  let t: TestApp;
  let sam: ChatUser;
  let tom: ChatUser;
  let room: ChatRoomView;

  beforeAll(async () => {
    t = await startTestApp({ env: { MAX_MESSAGE_LENGTH: '50' } });
    [sam, tom] = await createChatUsers(t, 'sam', 'tom');
    room = await createGroup(sam, [tom], 'Short');
  });
  afterAll(async () => {
    closeAllSockets();
    await t.close();
  });

  it('should accept 50 characters, counted after trimming', async () => {
    const exact = await sendText(sam, room.id, 'a'.repeat(50));
    const padded = await sendText(sam, room.id, `   ${'b'.repeat(50)}   `);
    expect(exact.content).toHaveLength(50);
    expect(padded.content).toBe('b'.repeat(50));
    const stored = await t.prisma.message.findMany({ where: { chatRoomId: room.id }, orderBy: { seq: 'asc' } });
    expect(stored.map((m) => m.content)).toEqual(['a'.repeat(50), 'b'.repeat(50)]);
  });

  it('should refuse 51 characters on the socket and over REST, store nothing and broadcast nothing', async () => {
    const before = await t.prisma.message.count();
    const silent = await expectSilence(tom.socket, 'newMessage');
    const error = await requestError(
      sam.socket,
      'sendMessage',
      { chatRoomId: room.id, content: 'c'.repeat(51) },
      'VALIDATION_FAILED',
    );
    expect(fieldsOf(error)).toEqual(['content']);
    const res = await http(t.url, 'POST', `/chat-rooms/${room.id}/messages`, {
      token: sam.token,
      body: { content: 'c'.repeat(51) },
    });
    expect(res.status).toBe(400);
    expect(fieldsOf(res.body)).toEqual(['content']);
    await silent.verify();
    expect(await t.prisma.message.count()).toBe(before);
    await expectAlive(sam.socket);
  });

  it('should refuse editing to 51 characters and keep the message', async () => {
    const message = await sendText(sam, room.id, 'short');
    const silent = await expectSilence(tom.socket, 'messageUpdated');
    const error = await requestError(
      sam.socket,
      'editMessage',
      { messageId: message.id, content: 'd'.repeat(51) },
      'VALIDATION_FAILED',
    );
    expect(fieldsOf(error)).toEqual(['content']);
    await silent.verify();
    const stored = await t.prisma.message.findUniqueOrThrow({ where: { id: message.id } });
    expect(stored.content).toBe('short');
    expect(stored.editedAt).toBeNull();
  });
});
