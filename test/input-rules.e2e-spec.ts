import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { randomBytes, randomUUID } from 'node:crypto';
import { AppModule } from '../demo/app.module';
import { configureApp } from '../demo/app.setup';
import type { ChatRoomView, MessageView } from '../src/contract/chat.events';
import {
  ChatUser,
  createChatUsers,
  createGroup,
  expectSilence,
  fieldsOf,
  requestError,
  sendText,
} from './helpers/chat-factory';
import { http } from './helpers/http';
import {
  ChatClient,
  closeAllSockets,
  connectChat,
  recordNone,
  request,
  requestOk,
  waitForEvent,
} from './helpers/socket';
import { startTestApp, TEST_JWT_SECRET, TestApp } from './helpers/test-app';
import { createTestDatabase } from './helpers/test-database';

/** Largest value of the PostgreSQL `integer` columns behind seqs and cursors. */
const INT4_MAX = 2 ** 31 - 1;
/** One code point, two UTF-16 units. */
const EMOJI = '😀';
/** How long a test waits for a broadcast that a broken build sends to the wrong channel. */
const EVENT_WAIT_MS = 2000;

const upper = (id: string): string => id.toUpperCase();

describe('input rules (e2e)', () => {
  let t: TestApp;
  let ann: ChatUser;
  let ben: ChatUser;
  let room: ChatRoomView;

  beforeAll(async () => {
    t = await startTestApp();
    [ann, ben] = await createChatUsers(t, 'ann', 'ben');
    room = await createGroup(ann, [ben], 'Rules');
  });
  afterAll(async () => {
    closeAllSockets();
    await t.close();
  });

  const messagesIn = (chatRoomId: string): Promise<number> => t.prisma.message.count({ where: { chatRoomId } });

  describe('room and message ids', () => {
    it('should deliver a sendMessage whose chatRoomId is in upper case to the other member', async () => {
      const onBen = waitForEvent(ben.socket, 'newMessage', EVENT_WAIT_MS, (m) => m.content === 'shouted id');
      const sent = await requestOk(ann.socket, 'sendMessage', { chatRoomId: upper(room.id), content: 'shouted id' });
      expect(sent.chatRoomId).toBe(room.id);
      expect((await onBen).id).toBe(sent.id);
    });

    it('should deliver a typing event whose chatRoomId is in upper case, with the canonical id', async () => {
      const onBen = waitForEvent(ben.socket, 'userTyping', EVENT_WAIT_MS, (e) => e.userId === ann.id && e.isTyping);
      const ack = await requestOk(ann.socket, 'typing', { chatRoomId: upper(room.id), isTyping: true });
      expect(ack.chatRoomId).toBe(room.id);
      expect(await onBen).toMatchObject({ chatRoomId: room.id, userId: ann.id, isTyping: true });
      await requestOk(ann.socket, 'typing', { chatRoomId: room.id, isTyping: false });
    });

    it('should broadcast a markAsRead whose ids are in upper case to the room', async () => {
      const message = await sendText(ann, room.id, 'read me');
      const onAnn = waitForEvent(
        ann.socket,
        'messageStatus',
        EVENT_WAIT_MS,
        (e) => e.userId === ben.id && e.status === 'read',
      );
      const ack = await requestOk(ben.socket, 'markAsRead', {
        chatRoomId: upper(room.id),
        messageId: upper(message.id),
      });
      expect(ack.chatRoomId).toBe(room.id);
      expect(await onAnn).toMatchObject({ chatRoomId: room.id, messageId: message.id, status: 'read' });
    });

    it('should take upper-case ids in REST paths and bodies as the same ids', async () => {
      const onBen = waitForEvent(ben.socket, 'newMessage', EVENT_WAIT_MS, (m) => m.content === 'rest shout');
      const sent = await http<MessageView>(t.url, 'POST', `/chat-rooms/${upper(room.id)}/messages`, {
        token: ann.token,
        body: { content: 'rest shout' },
      });
      expect(sent.status).toBe(201);
      expect(sent.body.chatRoomId).toBe(room.id);
      expect((await onBen).id).toBe(sent.body.id);

      const onAnn = waitForEvent(
        ann.socket,
        'messageStatus',
        EVENT_WAIT_MS,
        (e) => e.messageId === sent.body.id && e.status === 'read',
      );
      const read = await http(t.url, 'POST', `/chat-rooms/${upper(room.id)}/read`, {
        token: ben.token,
        body: { messageId: upper(sent.body.id) },
      });
      expect(read.status).toBe(200);
      expect(await onAnn).toMatchObject({ chatRoomId: room.id, userId: ben.id });
    });

    it('should refuse a REST path id that is not a UUID with VALIDATION_FAILED naming it', async () => {
      const res = await http(t.url, 'GET', '/chat-rooms/not-a-uuid/messages', { token: ann.token });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'id' }] });
    });
  });

  describe('integers', () => {
    it.each([
      ['afterSeq', { afterSeq: INT4_MAX + 1 }],
      ['beforeSeq', { beforeSeq: INT4_MAX + 1 }],
      ['afterSeq', { afterSeq: 2 ** 53 }],
    ])(
      'should refuse a getMessages %s past the integer column with VALIDATION_FAILED naming it',
      async (field, paging) => {
        const error = await requestError(
          ann.socket,
          'getMessages',
          { chatRoomId: room.id, ...paging },
          'VALIDATION_FAILED',
        );
        expect(fieldsOf(error)).toEqual([field]);
      },
    );

    it('should refuse the same over REST with 400 naming the field', async () => {
      const res = await http(t.url, 'GET', `/chat-rooms/${room.id}/messages?afterSeq=${INT4_MAX + 1}`, {
        token: ann.token,
      });
      expect(res.status).toBe(400);
      expect(fieldsOf(res.body)).toEqual(['afterSeq']);
    });

    it('should accept the largest seq the column holds', async () => {
      await sendText(ann, room.id, 'paged');
      const page = await requestOk(ann.socket, 'getMessages', { chatRoomId: room.id, afterSeq: INT4_MAX });
      expect(page.messages).toEqual([]);
      const before = await requestOk(ann.socket, 'getMessages', { chatRoomId: room.id, beforeSeq: INT4_MAX });
      expect(before.messages.length).toBeGreaterThan(0);
    });
  });

  describe('text lengths count characters (code points), not UTF-16 units', () => {
    it('should accept a message of 4,000 emoji (the default limit) and refuse 4,001', async () => {
      const sent = await requestOk(ann.socket, 'sendMessage', { chatRoomId: room.id, content: EMOJI.repeat(4000) });
      expect(sent.content).toBe(EMOJI.repeat(4000));
      const before = await messagesIn(room.id);
      const error = await requestError(
        ann.socket,
        'sendMessage',
        { chatRoomId: room.id, content: EMOJI.repeat(4001) },
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(error)).toEqual(['content']);
      expect(await messagesIn(room.id)).toBe(before);
    });

    it('should accept a room name of 100 emoji and refuse 101, on create and rename', async () => {
      const named = await createGroup(ann, [ben], EMOJI.repeat(100));
      expect(named.name).toBe(EMOJI.repeat(100));
      const tooLong = EMOJI.repeat(101);
      const onCreate = await requestError(
        ann.socket,
        'createChatRoom',
        { type: 'GROUP', name: tooLong, participantIds: [ben.id] },
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(onCreate)).toEqual(['name']);
      const onRename = await requestError(
        ann.socket,
        'updateChatRoom',
        { chatRoomId: named.id, name: tooLong },
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(onRename)).toEqual(['name']);
    });

    it('should accept a clientMessageId of 100 emoji and refuse 101', async () => {
      const sent = await requestOk(ann.socket, 'sendMessage', {
        chatRoomId: room.id,
        content: 'keyed',
        clientMessageId: EMOJI.repeat(100),
      });
      expect(sent.clientMessageId).toBe(EMOJI.repeat(100));
      const error = await requestError(
        ann.socket,
        'sendMessage',
        { chatRoomId: room.id, content: 'keyed', clientMessageId: EMOJI.repeat(101) },
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(error)).toEqual(['clientMessageId']);
    });
  });

  describe('strings PostgreSQL and JSON cannot store', () => {
    const NUL = 'a\u0000b';
    const LONE_HIGH = 'a\ud83d';
    const LONE_LOW = '\ude00b';

    it.each([
      ['a NUL in content', { content: NUL }, ['content']],
      ['a lone surrogate in content', { content: LONE_HIGH }, ['content']],
      ['a NUL in clientMessageId', { content: 'x', clientMessageId: NUL }, ['clientMessageId']],
      [
        'a lone surrogate in an attachment name and a NUL in its url',
        { content: 'x', attachments: [{ url: `https://files.test/${NUL}`, name: LONE_LOW }] },
        ['attachments[0].name', 'attachments[0].url'],
      ],
    ])('should refuse %s in sendMessage naming the fields, storing and sending nothing', async (_, body, fields) => {
      const silence = await expectSilence(ben.socket, 'newMessage');
      const before = await messagesIn(room.id);
      const error = await requestError(
        ann.socket,
        'sendMessage',
        { chatRoomId: room.id, ...body },
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(error)).toEqual(fields);
      expect(await messagesIn(room.id)).toBe(before);
      await silence.verify();
    });

    it('should refuse them in a room name, a rename and an edit, changing nothing', async () => {
      const rooms = await t.prisma.chatRoom.count();
      const created = await requestError(
        ann.socket,
        'createChatRoom',
        { type: 'GROUP', name: NUL, participantIds: [ben.id] },
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(created)).toEqual(['name']);
      expect(await t.prisma.chatRoom.count()).toBe(rooms);

      const renamed = await requestError(
        ann.socket,
        'updateChatRoom',
        { chatRoomId: room.id, name: LONE_HIGH },
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(renamed)).toEqual(['name']);
      expect((await t.prisma.chatRoom.findUniqueOrThrow({ where: { id: room.id } })).name).toBe('Rules');

      const message = await sendText(ann, room.id, 'original');
      const edited = await requestError(
        ann.socket,
        'editMessage',
        { messageId: message.id, content: NUL },
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(edited)).toEqual(['content']);
      expect((await t.prisma.message.findUniqueOrThrow({ where: { id: message.id } })).content).toBe('original');
    });

    it('should refuse them over REST with 400 naming the field, storing nothing', async () => {
      const before = await messagesIn(room.id);
      const sent = await http(t.url, 'POST', `/chat-rooms/${room.id}/messages`, {
        token: ann.token,
        body: { content: LONE_LOW },
      });
      expect(sent.status).toBe(400);
      expect(sent.body.code).toBe('VALIDATION_FAILED');
      expect(fieldsOf(sent.body)).toEqual(['content']);
      expect(await messagesIn(room.id)).toBe(before);

      const renamed = await http(t.url, 'PATCH', `/chat-rooms/${room.id}`, { token: ann.token, body: { name: NUL } });
      expect(renamed.status).toBe(400);
      expect(fieldsOf(renamed.body)).toEqual(['name']);

      const presence = await http(t.url, 'GET', '/presence?userIds=%00', { token: ann.token });
      expect(presence.status).toBe(400);
      expect(fieldsOf(presence.body)).toEqual(['userIds']);

      const removed = await http(t.url, 'DELETE', `/chat-rooms/${room.id}/participants/a%00b`, { token: ann.token });
      expect(removed.status).toBe(400);
      expect(fieldsOf(removed.body)).toEqual(['userId']);
    });

    it.each([
      ['a NUL in the name', { name: NUL }, ['name']],
      ['a lone surrogate in the name', { name: LONE_HIGH }, ['name']],
      ['a lone surrogate in the email', { email: `x${LONE_LOW}@example.test` }, ['email']],
    ])("should refuse %s at the demo's registration, storing nothing", async (_, override, fields) => {
      const users = await t.users.count();
      const res = await http(t.url, 'POST', '/auth/register', {
        body: { email: `ok-${randomUUID()}@example.test`, password: 'correct horse battery', name: 'Ok', ...override },
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(fieldsOf(res.body)).toEqual(fields);
      expect(await t.users.count()).toBe(users);
    });
  });

  describe("the demo's password rule", () => {
    it.each(['12345678', '        ', 'Password1', 'aaaaaaaaaa', 'qwertyuiop'])(
      'should refuse %j with VALIDATION_FAILED naming the password, storing nothing',
      async (password) => {
        const users = await t.users.count();
        const res = await http(t.url, 'POST', '/auth/register', {
          body: { email: `weak-${randomUUID()}@example.test`, password, name: 'Weak' },
        });
        expect(res.status).toBe(400);
        expect(fieldsOf(res.body)).toEqual(['password']);
        expect(await t.users.count()).toBe(users);
      },
    );

    it('should accept a long passphrase of common words', async () => {
      const res = await http(t.url, 'POST', '/auth/register', {
        body: { email: `strong-${randomUUID()}@example.test`, password: 'purple monkey dishwasher', name: 'Strong' },
      });
      expect(res.status).toBe(201);
    });
  });

  describe('unknown events (ChatIoAdapter)', () => {
    unknownEventTests(() => ({ url: t.url, token: ann.token }));
  });
});

describe("input rules with Nest's own IoAdapter (e2e)", () => {
  let app: INestApplication;
  let url: string;
  let token: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    app = await NestFactory.create(
      AppModule.forRoot({
        NODE_ENV: 'test',
        JWT_SECRET: TEST_JWT_SECRET,
        LOG_LEVEL: 'error',
        REDIS_PREFIX: `e2e-${randomBytes(4).toString('hex')}`,
        RATE_LIMIT_AUTH: '100000/1s',
        ...database.env,
      }),
      { logger: ['error'], abortOnError: false },
    );
    configureApp(app);
    // Replaces the ChatIoAdapter configureApp installs: events are then bound per handler, not through onAny.
    app.useWebSocketAdapter(new IoAdapter(app));
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const res = await http(url, 'POST', '/auth/register', {
      body: { email: `io-${randomUUID()}@example.test`, password: 'correct horse battery', name: 'Io' },
    });
    token = res.body.accessToken;
  });
  afterAll(async () => {
    closeAllSockets();
    await app.close();
    await drop();
  });

  unknownEventTests(() => ({ url, token }));
});

/** The same assertions for either adapter: an unknown event with an ack is answered, one without is not. */
function unknownEventTests(server: () => { url: string; token: string }): void {
  let socket: ChatClient;

  beforeAll(async () => {
    socket = await connectChat(server().url, server().token);
  });

  it('should answer an unknown event that has an ack with UNKNOWN_EVENT, at once', async () => {
    const ack = await request(socket, 'sendMesage' as 'sendMessage', { content: 'typo' }, EVENT_WAIT_MS);
    expect(ack).toEqual({
      ok: false,
      error: { code: 'UNKNOWN_EVENT', message: expect.stringContaining('sendMesage') },
    });
  });

  it('should not answer an unknown event without an ack, and keep handling known ones', async () => {
    const none = recordNone(socket, 'exception');
    (socket as unknown as { emit(event: string, payload: unknown): void }).emit('sendMesage', { content: 'typo' });
    await none.verify();
    expect(socket.connected).toBe(true);
    await requestOk(socket, 'getChatRooms', {});
  });

  it('should not answer UNKNOWN_EVENT for a known event', async () => {
    const ack = await request(socket, 'getMessages', { chatRoomId: 'not-a-uuid' }, EVENT_WAIT_MS);
    expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
  });
}
