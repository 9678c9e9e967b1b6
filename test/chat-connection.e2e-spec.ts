import { sign } from 'jsonwebtoken';
import {
  ChatUser,
  createChatUsers,
  createGroup,
  errorOf,
  expectAlive,
  expectSilence,
  fieldsOf,
  inRoom,
  UNKNOWN_ID,
} from './helpers/chat-factory';
import { registerUser } from './helpers/http';
import { closeAllSockets, connectChat, connectError, request, requestOk, waitForEvent } from './helpers/socket';
import { startTestApp, TEST_JWT_SECRET, TestApp } from './helpers/test-app';

const EVIL = 'https://evil.example';
const GOOD = 'https://good.example';
const now = (): number => Math.floor(Date.now() / 1000);

describe('chat connection (e2e)', () => {
  let t: TestApp;
  let alice: ChatUser;
  let bob: ChatUser;

  beforeAll(async () => {
    // No clock-skew leeway, so a token expiring in 2 s ends its socket in 2 s.
    t = await startTestApp({ env: { JWT_CLOCK_TOLERANCE: '0' } });
    [alice, bob] = await createChatUsers(t, 'alice', 'bob');
  });
  afterAll(async () => {
    closeAllSockets();
    await t.close();
  });

  describe('handshake authentication', () => {
    it('should accept a token in auth.token and act as that user', async () => {
      const socket = await connectChat(t.url, alice.token);
      const room = await requestOk(socket, 'createChatRoom', {
        type: 'GROUP',
        name: 'Handshake',
        participantIds: [bob.id],
      });
      expect(room.participants).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ userId: alice.id, role: 'OWNER' }),
          expect.objectContaining({ userId: bob.id, role: 'MEMBER' }),
        ]),
      );
      const stored = await t.prisma.chatRoomParticipant.findMany({ where: { chatRoomId: room.id } });
      expect(stored.map((p) => [p.userId, p.role]).sort()).toEqual(
        [
          [alice.id, 'OWNER'],
          [bob.id, 'MEMBER'],
        ].sort(),
      );
    });

    it.each([['websocket' as const], ['polling' as const]])(
      'should accept an Authorization: Bearer header over %s',
      async (transport) => {
        const socket = await connectChat(t.url, undefined, {
          auth: {},
          transports: [transport],
          extraHeaders: { authorization: `Bearer ${bob.token}` },
        });
        const rooms = await requestOk(socket, 'getChatRooms', {});
        expect(Array.isArray(rooms)).toBe(true);
        // It is bob: a room created for bob reaches this socket.
        const created = waitForEvent(socket, 'chatRoomCreated', 5000, (r) => r.name === `Bearer ${transport}`);
        const room = await requestOk(alice.socket, 'createChatRoom', {
          type: 'GROUP',
          name: `Bearer ${transport}`,
          participantIds: [bob.id],
        });
        expect((await created).id).toBe(room.id);
      },
    );

    it.each<[string, () => string | undefined, Record<string, unknown> | undefined]>([
      ['no token at all', () => undefined, {}],
      ['an empty token', () => '', undefined],
      ['a garbage token', () => 'not.a.jwt', undefined],
      ['a non-string token', () => undefined, { token: 12345 }],
      [
        'a token signed with another secret',
        () => sign({ sub: UNKNOWN_ID, email: 'x@example.test' }, 'another-secret-another-secret-another!'),
        undefined,
      ],
      [
        'an expired token',
        () => sign({ sub: UNKNOWN_ID, email: 'x@example.test', exp: now() - 3600 }, TEST_JWT_SECRET),
        undefined,
      ],
      [
        'an alg:none token',
        () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: UNKNOWN_ID, email: 'x@example.test' })}.`,
        undefined,
      ],
      [
        'a token without an expiry',
        () => sign({ sub: UNKNOWN_ID, email: 'x@example.test' }, TEST_JWT_SECRET, { noTimestamp: true }),
        undefined,
      ],
    ])('should refuse %s with connect_error "Unauthorized"', async (_, token, auth) => {
      const message = await connectError(t.url, token(), auth === undefined ? {} : { auth });
      expect(message).toBe('Unauthorized');
    });

    it('should refuse an expired token sent as a Bearer header with "Unauthorized"', async () => {
      const expired = sign({ sub: alice.id, email: alice.email, exp: now() - 3600 }, TEST_JWT_SECRET);
      const message = await connectError(t.url, undefined, {
        auth: {},
        extraHeaders: { authorization: `Bearer ${expired}` },
      });
      expect(message).toBe('Unauthorized');
    });

    it('should refuse a token in the URL query, even a valid one', async () => {
      expect(await connectError(t.url, undefined, { auth: {}, query: { token: alice.token } })).toBe('Unauthorized');
      expect(await connectError(t.url, alice.token, { query: { token: alice.token } })).toBe('Unauthorized');
    });

    it('should tell a socket its token expired and disconnect it when the token runs out', async () => {
      const shortLived = sign({ sub: alice.id, email: alice.email, exp: now() + 2 }, TEST_JWT_SECRET);
      const socket = await connectChat(t.url, shortLived);
      const exception = waitForEvent(socket, 'exception', 5000);
      const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      expect(await exception).toMatchObject({ code: 'UNAUTHORIZED' });
      expect(await disconnected).toBe('io server disconnect');
      await expectAlive(alice.socket);
    });
  });

  describe('origin check', () => {
    it.each([['polling' as const], ['websocket' as const]])(
      'should refuse a handshake from a foreign Origin over %s',
      async (transport) => {
        const message = await connectError(t.url, alice.token, {
          transports: [transport],
          extraHeaders: { origin: EVIL },
        });
        expect(message).not.toBe('');
      },
    );

    it.each([['polling' as const], ['websocket' as const]])(
      "should accept a handshake from the server's own origin over %s",
      async (transport) => {
        const socket = await connectChat(t.url, alice.token, {
          transports: [transport],
          extraHeaders: { origin: t.url },
        });
        await expectAlive(socket);
      },
    );

    describe('with CORS_ORIGINS set', () => {
      let t2: TestApp;
      let token: string;

      beforeAll(async () => {
        t2 = await startTestApp({ env: { CORS_ORIGINS: GOOD } });
        token = (await registerUser(t2.url, 'cors')).token;
      });
      afterAll(async () => {
        await t2.close();
      });

      it.each([['polling' as const], ['websocket' as const]])(
        'should accept an allowed Origin and still refuse others over %s',
        async (transport) => {
          const socket = await connectChat(t2.url, token, { transports: [transport], extraHeaders: { origin: GOOD } });
          await expectAlive(socket);
          socket.disconnect();
          const message = await connectError(t2.url, token, {
            transports: [transport],
            extraHeaders: { origin: EVIL },
          });
          expect(message).not.toBe('Unauthorized');
        },
      );
    });
  });

  describe('subscriptions', () => {
    it('should deliver events to every socket of a user, including those opened after the room existed', async () => {
      const [carol, dave, eve] = await createChatUsers(t, 'carol', 'dave', 'eve');
      const room = await createGroup(carol, [dave], 'Two sockets');
      // A second socket of dave, opened after the room was created: it joins the room at connect.
      const dave2 = await connectChat(t.url, dave.token);
      const silentEve = await expectSilence(eve.socket, 'newMessage', inRoom(room.id));

      const onDave1 = waitForEvent(dave.socket, 'newMessage', 5000, inRoom(room.id));
      const onDave2 = waitForEvent(dave2, 'newMessage', 5000, inRoom(room.id));
      const onCarol = waitForEvent(carol.socket, 'newMessage', 5000, inRoom(room.id));
      const sent = await requestOk(carol.socket, 'sendMessage', { chatRoomId: room.id, content: 'hello both' });

      expect(await onDave1).toEqual(sent);
      expect(await onDave2).toEqual(sent);
      expect(await onCarol).toEqual(sent);
      await silentEve.verify();
      expect(await t.prisma.message.count({ where: { chatRoomId: room.id } })).toBe(1);
    });

    it("should announce a new room on every socket of each participant through the user's private channel", async () => {
      const [frank, grace] = await createChatUsers(t, 'frank', 'grace');
      const grace2 = await connectChat(t.url, grace.token);
      const on1 = waitForEvent(grace.socket, 'chatRoomCreated', 5000, (r) => r.name === 'Private channel');
      const on2 = waitForEvent(grace2, 'chatRoomCreated', 5000, (r) => r.name === 'Private channel');
      const room = await createGroup(frank, [grace], 'Private channel');
      expect((await on1).id).toBe(room.id);
      expect((await on2).id).toBe(room.id);

      // Both sockets were joined to the new room.
      const msg1 = waitForEvent(grace.socket, 'newMessage', 5000, inRoom(room.id));
      const msg2 = waitForEvent(grace2, 'newMessage', 5000, inRoom(room.id));
      await requestOk(frank.socket, 'sendMessage', { chatRoomId: room.id, content: 'joined?' });
      expect((await msg1).content).toBe('joined?');
      expect((await msg2).content).toBe('joined?');
    });
  });

  describe('errors without an ack', () => {
    it('should send a validation error as an exception event and store nothing', async () => {
      const before = await t.prisma.message.count();
      const exception = waitForEvent(alice.socket, 'exception');
      (alice.socket as any).emit('sendMessage', { chatRoomId: 'not-a-uuid', content: 'x' });
      const error = await exception;
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.any(String) });
      expect(fieldsOf(error)).toEqual(['chatRoomId']);
      expect(await t.prisma.message.count()).toBe(before);
      await expectAlive(alice.socket);
    });

    it('should send a service error as an exception event with the same error object as an ack would carry', async () => {
      const withAck = errorOf(await request(alice.socket, 'joinChatRoom', { chatRoomId: UNKNOWN_ID }));
      const exception = waitForEvent(alice.socket, 'exception');
      (alice.socket as any).emit('joinChatRoom', { chatRoomId: UNKNOWN_ID });
      const error = await exception;
      expect(error).toEqual(withAck);
      expect(error.code).toBe('NOT_FOUND');
      await expectAlive(alice.socket);
    });

    it('should send no exception event for a successful event without an ack', async () => {
      const silent = await expectSilence(alice.socket, 'exception');
      (alice.socket as any).emit('getChatRooms', {});
      await silent.verify();
    });
  });

  describe('bad input', () => {
    it.each<[string, string, unknown, string[]]>([
      ['a string payload', 'sendMessage', 'hello', ['body']],
      ['a number payload', 'createChatRoom', 42, ['body']],
      ['an array payload', 'getMessages', [1, 2, 3], ['body']],
      ['an array payload to getChatRooms', 'getChatRooms', [], ['body']],
      ['an unknown field', 'getChatRooms', { admin: true }, ['admin']],
      ['wrong types', 'getMessages', { chatRoomId: 7, limit: 'ten' }, ['chatRoomId', 'limit']],
      ['a non-uuid room id', 'leaveChatRoom', { chatRoomId: "1' OR '1'='1" }, ['chatRoomId']],
      ['a non-uuid message id', 'deleteMessage', { messageId: 'abc' }, ['messageId']],
    ])(
      'should answer %s with VALIDATION_FAILED naming the fields and keep the socket',
      async (_, event, payload, fields) => {
        const rooms = await t.prisma.chatRoom.count();
        const messages = await t.prisma.message.count();
        const silent = await expectSilence(alice.socket, 'chatRoomCreated');
        const error = errorOf(await request(alice.socket, event as 'getChatRooms', payload));
        expect(error.code).toBe('VALIDATION_FAILED');
        expect(fieldsOf(error)).toEqual(fields);
        await silent.verify();
        expect(await t.prisma.chatRoom.count()).toBe(rooms);
        expect(await t.prisma.message.count()).toBe(messages);
        await expectAlive(alice.socket);
      },
    );

    it('should ignore an unknown event and keep the socket', async () => {
      (alice.socket as any).emit('dropAllTables', { please: true });
      await expectAlive(alice.socket);
    });

    it('should keep serving the same socket after a burst of bad inputs', async () => {
      const bad = await Promise.all([
        request(bob.socket, 'sendMessage', null),
        request(bob.socket, 'sendMessage', 'x'),
        request(bob.socket, 'editMessage', { messageId: UNKNOWN_ID, content: 'x' }),
        request(bob.socket, 'joinChatRoom', { chatRoomId: UNKNOWN_ID }),
        request(bob.socket, 'createChatRoom', { type: 'DIRECT', participantIds: [bob.id] }),
      ]);
      expect(bad.map((a) => errorOf<unknown>(a).code)).toEqual([
        'VALIDATION_FAILED',
        'VALIDATION_FAILED',
        'NOT_FOUND',
        'NOT_FOUND',
        'VALIDATION_FAILED',
      ]);
      await expectAlive(bob.socket);
    });
  });
});

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
