import { randomUUID } from 'node:crypto';
import type { ChatRoomView, MessageView, SyncPayload, SyncResult } from '../src/contract/chat.events';
import {
  ChatUser,
  createChatUsers,
  createGroup,
  expectSilence,
  fieldsOf,
  inRoom,
  requestError,
  sendText,
  setParticipant,
  UNKNOWN_ID,
  verifyAll,
} from './helpers/chat-factory';
import { http } from './helpers/http';
import { ChatClient, closeAllSockets, connectChat, request, requestOk } from './helpers/socket';
import { LiveLog, recordLive, ROOM_EVENT_TYPES, seqsOf } from './helpers/room-events';
import { startTestApp, TestApp } from './helpers/test-app';

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const typesOf = (events: { type: string }[]): string[] => events.map((e) => e.type);

const sync = (socket: ChatClient, payload: SyncPayload): Promise<SyncResult> => requestOk(socket, 'sync', payload);

describe('room event log and sync (e2e)', () => {
  let t: TestApp;
  let ann: ChatUser; // OWNER of the rooms
  let ben: ChatUser; // MEMBER, the observer
  let cid: ChatUser;
  let dan: ChatUser; // added and removed again
  let benLive: LiveLog;

  const storedLog = (chatRoomId: string) =>
    t.prisma.roomEvent.findMany({
      where: { chatRoomId },
      orderBy: { eventSeq: 'asc' },
      select: { eventSeq: true, type: true },
    });
  const storedLastEventSeq = async (chatRoomId: string): Promise<number> =>
    (await t.prisma.chatRoom.findUniqueOrThrow({ where: { id: chatRoomId } })).lastEventSeq;

  beforeAll(async () => {
    t = await startTestApp();
    [ann, ben, cid, dan] = await createChatUsers(t, 'ann', 'ben', 'cid', 'dan');
    benLive = recordLive(ben.socket);
  });
  afterAll(async () => {
    closeAllSockets();
    await t.close();
  });

  describe('the log', () => {
    it('should start a room at lastEventSeq 0 with an empty log: creating it is no event', async () => {
      const announced = new Promise<ChatRoomView>((resolve) => ben.socket.once('chatRoomCreated', resolve));
      const room = await createGroup(ann, [ben], 'Empty');

      expect(room.lastEventSeq).toBe(0);
      const view = await announced;
      expect(view).toMatchObject({ id: room.id, lastEventSeq: 0 });
      expect(view).not.toHaveProperty('eventSeq');
      expect(await storedLog(room.id)).toEqual([]);
      expect(await storedLastEventSeq(room.id)).toBe(0);
      expect(await sync(ben.socket, { rooms: [{ chatRoomId: room.id, afterEventSeq: 0 }] })).toMatchObject({
        rooms: [{ chatRoomId: room.id, events: [], hasMore: false, resync: false, left: false }],
      });
    });

    it("should number each room's events 1, 2, 3… on its own, a DIRECT room's first message included", async () => {
      const [one, two] = [await createGroup(ann, [ben], 'One'), await createGroup(ann, [ben], 'Two')];
      for (const [i, room] of [one, two, one, two, one].entries()) await sendText(ann, room.id, `m${i}`);
      const direct = await requestOk(cid.socket, 'sendMessage', { recipientId: ben.id, content: 'hello' });
      await benLive.until(one.id, 3);
      await benLive.until(direct.chatRoomId, 1);

      expect(seqsOf(benLive.of(one.id))).toEqual([1, 2, 3]);
      expect(seqsOf(benLive.of(two.id))).toEqual([1, 2]);
      expect(benLive.of(direct.chatRoomId)).toEqual([
        { eventSeq: 1, type: 'newMessage', data: { ...direct, eventSeq: 1 } },
      ]);
      expect(await storedLog(one.id)).toEqual(range(1, 3).map((eventSeq) => ({ eventSeq, type: 'newMessage' })));
      expect(seqsOf(await storedLog(two.id))).toEqual([1, 2]);
      expect(await storedLastEventSeq(one.id)).toBe(3);
      expect(await storedLastEventSeq(direct.chatRoomId)).toBe(1);
      // An unchanged message replays exactly as it was broadcast.
      const replayed = await sync(ben.socket, { rooms: [{ chatRoomId: direct.chatRoomId, afterEventSeq: 0 }] });
      expect(replayed.rooms[0].events).toEqual(benLive.of(direct.chatRoomId));
    });

    it('should log every kind of change once and in order, stamp each broadcast with it, and replay the same payloads', async () => {
      const room = await createGroup(ann, [ben, cid], 'Every kind');
      // cid takes over when ann, the only owner, leaves at the end: a role change.
      await setParticipant(t, room.id, cid.id, { role: 'ADMIN' });
      const m1 = await sendText(ann, room.id, 'first');
      await requestOk(ann.socket, 'editMessage', { messageId: m1.id, content: 'first, edited' });
      await requestOk(cid.socket, 'addReaction', { messageId: m1.id, emoji: '👍' });
      await requestOk(cid.socket, 'removeReaction', { messageId: m1.id, emoji: '👍' });
      await requestOk(ann.socket, 'pinMessage', { messageId: m1.id });
      await requestOk(ann.socket, 'unpinMessage', { messageId: m1.id });
      const reply = await requestOk(cid.socket, 'sendMessage', {
        chatRoomId: room.id,
        content: 'in a thread',
        threadId: m1.id,
      });
      await requestOk(cid.socket, 'deleteMessage', { messageId: reply.id });
      await requestOk(ann.socket, 'updateChatRoom', { chatRoomId: room.id, name: 'Renamed' });
      await requestOk(ann.socket, 'addParticipants', { chatRoomId: room.id, userIds: [dan.id] });
      await requestOk(ann.socket, 'removeParticipant', { chatRoomId: room.id, userId: dan.id });
      const m2 = await sendText(ben, room.id, 'pinned, then deleted');
      await requestOk(ann.socket, 'pinMessage', { messageId: m2.id });
      await requestOk(ann.socket, 'deleteMessage', { messageId: m2.id });
      await requestOk(ann.socket, 'leaveChatRoom', { chatRoomId: room.id });
      await benLive.until(room.id, 19);

      const live = benLive.of(room.id);
      expect(seqsOf(live)).toEqual(range(1, 19));
      expect(typesOf(live).slice(0, 17)).toEqual([
        'newMessage',
        'messageUpdated',
        'reactionAdded',
        'reactionRemoved',
        'messagePinned',
        'messageUnpinned',
        'newMessage',
        'threadUpdated',
        'messageDeleted',
        'threadUpdated',
        'chatRoomUpdated',
        'participantsAdded',
        'participantRemoved',
        'newMessage',
        'messagePinned',
        'messageDeleted',
        'messageUnpinned',
      ]);
      // The owner leaving: their removal and the ownership passed on, in either order.
      expect(typesOf(live).slice(17).sort()).toEqual(['chatRoomUpdated', 'participantRemoved']);
      expect(live.find((e) => e.type === 'chatRoomUpdated' && e.data.roles)?.data).toMatchObject({
        roles: [{ userId: cid.id, role: 'OWNER' }],
      });
      for (const e of live) expect(e.data).toMatchObject({ chatRoomId: room.id, eventSeq: e.eventSeq });

      expect(await storedLog(room.id)).toEqual(live.map(({ eventSeq, type }) => ({ eventSeq, type })));
      expect(await storedLastEventSeq(room.id)).toBe(19);
      const listed = (await requestOk(ben.socket, 'getChatRooms', {})).find((r) => r.id === room.id);
      expect(listed?.lastEventSeq).toBe(19);
      expect((await requestOk(cid.socket, 'joinChatRoom', { chatRoomId: room.id })).lastEventSeq).toBe(19);
      expect((await http(t.url, 'GET', `/chat-rooms/${room.id}`, { token: ben.token })).body.lastEventSeq).toBe(19);

      const [replayed] = (await sync(ben.socket, { rooms: [{ chatRoomId: room.id, afterEventSeq: 0 }] })).rooms;
      expect(replayed).toMatchObject({ chatRoomId: room.id, hasMore: false, resync: false, left: false });
      expect(replayed.events.map(({ eventSeq, type }) => ({ eventSeq, type }))).toEqual(
        live.map(({ eventSeq, type }) => ({ eventSeq, type })),
      );
      replayed.events.forEach((event, i) => {
        if (event.type === 'newMessage' || event.type === 'messageUpdated') {
          const { id, seq, senderId, threadId } = live[i].data as typeof event.data;
          expect(event.data).toMatchObject({ id, seq, senderId, threadId, chatRoomId: room.id, eventSeq: i + 1 });
        } else if (event.type === 'threadUpdated') {
          // The summary may be today's (replayed from the message), the root is the one that changed.
          const { messageId } = live[i].data as typeof event.data;
          expect(event.data).toMatchObject({ chatRoomId: room.id, messageId, eventSeq: i + 1 });
        } else {
          expect(event.data).toEqual(live[i].data);
        }
      });
    });

    it('should log nothing for changes that change nothing, nor for refused ones', async () => {
      const room = await createGroup(ann, [ben], 'No-ops');
      const kept = await requestOk(ben.socket, 'sendMessage', {
        chatRoomId: room.id,
        content: 'kept',
        clientMessageId: 'no-op-1',
      });
      const unpinned = await sendText(ben, room.id, 'never pinned');
      await requestOk(ann.socket, 'addReaction', { messageId: kept.id, emoji: '👍' });
      await requestOk(ann.socket, 'pinMessage', { messageId: kept.id });
      const gone = await sendText(ben, room.id, 'gone');
      await requestOk(ben.socket, 'deleteMessage', { messageId: gone.id });
      const before = await storedLog(room.id);
      expect(before).toHaveLength(6);
      const silences = await Promise.all(ROOM_EVENT_TYPES.map((e) => expectSilence(ann.socket, e, inRoom(room.id))));

      await requestOk(ann.socket, 'addReaction', { messageId: kept.id, emoji: '👍' });
      await requestOk(ben.socket, 'removeReaction', { messageId: kept.id, emoji: '🎉' });
      await requestOk(ann.socket, 'pinMessage', { messageId: kept.id });
      await requestOk(ann.socket, 'unpinMessage', { messageId: unpinned.id });
      await requestOk(ben.socket, 'deleteMessage', { messageId: gone.id });
      await requestOk(ann.socket, 'updateChatRoom', { chatRoomId: room.id, name: 'No-ops' });
      await requestOk(ben.socket, 'sendMessage', { chatRoomId: room.id, content: 'kept', clientMessageId: 'no-op-1' });
      await requestError(ben.socket, 'pinMessage', { messageId: unpinned.id }, 'FORBIDDEN');
      await requestError(ann.socket, 'addReaction', { messageId: gone.id, emoji: '👍' }, 'CONFLICT');
      await requestError(dan.socket, 'sendMessage', { chatRoomId: room.id, content: 'not a member' }, 'FORBIDDEN');

      await verifyAll(silences);
      expect(await storedLog(room.id)).toEqual(before);
      expect(await storedLastEventSeq(room.id)).toBe(6);
    });
  });

  describe('sync', () => {
    it('should replay a message as sent (then its edit), with reactions [], and erase a deleted one from the log', async () => {
      const room = await createGroup(ann, [ben], 'As sent');
      const kept = await sendText(ann, room.id, 'original');
      const edited = await requestOk(ann.socket, 'editMessage', { messageId: kept.id, content: 'edited' });
      await requestOk(ben.socket, 'addReaction', { messageId: kept.id, emoji: '👍' });
      const gone = await sendText(ben, room.id, 'to be deleted');
      await requestOk(ben.socket, 'editMessage', { messageId: gone.id, content: 'secret, then deleted' });
      await requestOk(ann.socket, 'addReaction', { messageId: gone.id, emoji: '🎉' });
      await requestOk(ben.socket, 'deleteMessage', { messageId: gone.id });

      const [replayed] = (await sync(ann.socket, { rooms: [{ chatRoomId: room.id, afterEventSeq: 0 }] })).rooms;

      expect(typesOf(replayed.events)).toEqual([
        'newMessage',
        'messageUpdated',
        'reactionAdded',
        'newMessage',
        'messageUpdated',
        'reactionAdded',
        'messageDeleted',
      ]);
      expect(replayed.events[0].data).toMatchObject({
        id: kept.id,
        seq: 1,
        content: 'original',
        editedAt: null,
        deletedAt: null,
        reactions: [],
        eventSeq: 1,
      });
      expect(replayed.events[1].data).toMatchObject({
        id: kept.id,
        content: 'edited',
        editedAt: edited.editedAt,
        eventSeq: 2,
      });
      // Deleted: what it said is gone from the log too, as sent and as edited.
      expect(replayed.events[3].data).toMatchObject({
        id: gone.id,
        seq: 2,
        content: '',
        attachments: [],
        deletedAt: expect.any(String),
        reactions: [],
        eventSeq: 4,
      });
      expect(replayed.events[4].data).toMatchObject({ id: gone.id, content: '', eventSeq: 5 });
      expect(replayed.events[6].data).toEqual({ chatRoomId: room.id, messageId: gone.id, eventSeq: 7 });
      const stored = JSON.stringify(await t.prisma.roomEvent.findMany({ where: { chatRoomId: room.id } }));
      expect(stored).toContain('original');
      expect(stored).not.toContain('to be deleted');
      expect(stored).not.toContain('secret, then deleted');
    });

    it('should page each room by limit with hasMore, in the order the rooms were asked', async () => {
      const seven = await createGroup(ann, [ben], 'Seven');
      const two = await createGroup(ann, [ben], 'Two');
      for (let i = 0; i < 7; i++) await sendText(ann, seven.id, `s${i}`);
      for (let i = 0; i < 2; i++) await sendText(ann, two.id, `t${i}`);
      const page = async (afterEventSeq: number) =>
        (await sync(ben.socket, { rooms: [{ chatRoomId: seven.id, afterEventSeq }], limit: 3 })).rooms[0];

      const both = await sync(ben.socket, {
        rooms: [
          { chatRoomId: two.id, afterEventSeq: 0 },
          { chatRoomId: seven.id, afterEventSeq: 0 },
        ],
        limit: 3,
      });
      expect(both.rooms.map((r) => [r.chatRoomId, seqsOf(r.events), r.hasMore])).toEqual([
        [two.id, [1, 2], false],
        [seven.id, [1, 2, 3], true],
      ]);
      expect(
        [await page(3), await page(4), await page(6), await page(7)].map((r) => [seqsOf(r.events), r.hasMore]),
      ).toEqual([
        [[4, 5, 6], true],
        [[5, 6, 7], false],
        [[7], false],
        [[], false],
      ]);
      const reversed = await sync(ben.socket, {
        rooms: [
          { chatRoomId: seven.id, afterEventSeq: 5 },
          { chatRoomId: two.id, afterEventSeq: 1 },
        ],
      });
      expect(reversed.rooms.map((r) => [r.chatRoomId, seqsOf(r.events)])).toEqual([
        [seven.id, [6, 7]],
        [two.id, [2]],
      ]);
    });

    it('should send 100 events by default, up to 500 when asked', async () => {
      const room = await createGroup(ann, [ben], 'Busy');
      for (let i = 0; i < 101; i += 10) {
        await Promise.all(range(i, Math.min(i + 9, 100)).map((n) => sendText(ann, room.id, `n${n}`)));
      }
      const ask = [{ chatRoomId: room.id, afterEventSeq: 0 }];

      const byDefault = (await sync(ben.socket, { rooms: ask })).rooms[0];
      expect([seqsOf(byDefault.events), byDefault.hasMore]).toEqual([range(1, 100), true]);
      const most = (await sync(ben.socket, { rooms: ask, limit: 500 })).rooms[0];
      expect([seqsOf(most.events), most.hasMore]).toEqual([range(1, 101), false]);
      const one = (await sync(ben.socket, { rooms: ask, limit: 1 })).rooms[0];
      expect([seqsOf(one.events), one.hasMore]).toEqual([[1], true]);
    });

    it('should answer 500 rooms at once, in the order asked, over both doors', async () => {
      // A user of its own: a socket the server drops for the payload's size must not take the others' tests along.
      const [many] = await createChatUsers(t, 'many');
      const room = await createGroup(ann, [many], 'One of a thousand');
      await sendText(ann, room.id, 'one');
      await sendText(ann, room.id, 'two');
      const unknown = Array.from({ length: 499 }, () => ({ chatRoomId: randomUUID(), afterEventSeq: 123456 }));
      const body: SyncPayload = { rooms: [...unknown, { chatRoomId: room.id, afterEventSeq: 1 }] };

      const overRest = await http(t.url, 'POST', '/sync', { token: many.token, body });
      expect(overRest.status).toBe(200);
      const answered = overRest.body as SyncResult;
      expect(answered.rooms.map((r) => r.chatRoomId)).toEqual(body.rooms.map((r) => r.chatRoomId));
      expect(seqsOf(answered.rooms[499].events)).toEqual([2]);
      // The same body over the socket: about 40 kB of JSON, within the demo's 64 kB maxHttpBufferSize.
      expect(await sync(many.socket, body)).toEqual(answered);
    });

    it('should take a room id in any case and answer it in lower case, over the socket and POST /sync (200) alike', async () => {
      const room = await createGroup(ann, [ben], 'Both doors');
      await sendText(ann, room.id, 'one');
      await sendText(ben, room.id, 'two');
      const body: SyncPayload = { rooms: [{ chatRoomId: room.id.toUpperCase(), afterEventSeq: 1 }], limit: 10 };

      const overSocket = await sync(ben.socket, body);
      const overRest = await http(t.url, 'POST', '/sync', { token: ben.token, body });

      expect(overSocket.rooms).toEqual([
        {
          chatRoomId: room.id,
          events: [expect.objectContaining({ eventSeq: 2 })],
          hasMore: false,
          resync: false,
          left: false,
        },
      ]);
      expect(overRest.status).toBe(200);
      expect(overRest.body).toEqual(overSocket);
      expect((await http(t.url, 'POST', '/sync', { body })).status).toBe(401);
    });

    const entry = { chatRoomId: UNKNOWN_ID, afterEventSeq: 0 };
    it.each<[string, unknown, string[]]>([
      ['no rooms', { limit: 10 }, ['rooms']],
      ['rooms that are not an array', { rooms: entry }, ['rooms']],
      ['more than 500 rooms', { rooms: Array(501).fill(entry) }, ['rooms']],
      [
        'a room id that is not a uuid',
        { rooms: [entry, { chatRoomId: 'room-1', afterEventSeq: 0 }] },
        ['rooms[1].chatRoomId'],
      ],
      ['a negative afterEventSeq', { rooms: [{ ...entry, afterEventSeq: -1 }] }, ['rooms[0].afterEventSeq']],
      ['a fractional afterEventSeq', { rooms: [{ ...entry, afterEventSeq: 1.5 }] }, ['rooms[0].afterEventSeq']],
      ['afterEventSeq as a string', { rooms: [{ ...entry, afterEventSeq: '3' }] }, ['rooms[0].afterEventSeq']],
      ['no afterEventSeq', { rooms: [{ chatRoomId: UNKNOWN_ID }] }, ['rooms[0].afterEventSeq']],
      ['afterEventSeq past 2147483647', { rooms: [{ ...entry, afterEventSeq: 2 ** 31 }] }, ['rooms[0].afterEventSeq']],
      ['limit 0', { rooms: [entry], limit: 0 }, ['limit']],
      ['limit 501', { rooms: [entry], limit: 501 }, ['limit']],
      ['a fractional limit', { rooms: [entry], limit: 2.5 }, ['limit']],
      ['an unknown field', { rooms: [entry], since: 0 }, ['since']],
    ])('should refuse %s with VALIDATION_FAILED naming it, over both doors', async (what, payload, fields) => {
      const error = await requestError(ben.socket, 'sync', payload, 'VALIDATION_FAILED');
      expect(fieldsOf(error)).toEqual(fields);
      const res = await http(t.url, 'POST', '/sync', { token: ben.token, body: payload });
      expect(res.status).toBe(400);
      expect(fieldsOf(res.body)).toEqual(fields);
    });
  });
});

describe('room event log retention (e2e)', () => {
  let t: TestApp;
  let ann: ChatUser;
  let ben: ChatUser;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        EVENT_LOG_MAX_EVENTS_PER_ROOM: '5',
        EVENT_LOG_MAX_AGE_MS: String(3_600_000),
        EVENT_LOG_PRUNE_INTERVAL_MS: '100',
      },
    });
    [ann, ben] = await createChatUsers(t, 'ann', 'ben');
  });
  afterAll(async () => {
    closeAllSockets();
    await t.close();
  });

  const from = async (chatRoomId: string, afterEventSeq: number) =>
    (await sync(ben.socket, { rooms: [{ chatRoomId, afterEventSeq }] })).rooms[0];
  const resync = (chatRoomId: string) => ({ chatRoomId, events: [], hasMore: false, resync: true, left: false });
  const upToDate = (chatRoomId: string) => ({ chatRoomId, events: [], hasMore: false, resync: false, left: false });

  const storedSeqs = async (chatRoomId: string): Promise<number[]> =>
    seqsOf(await t.prisma.roomEvent.findMany({ where: { chatRoomId }, orderBy: { eventSeq: 'asc' } }));

  /** Waits for the background prune (polls the table: the prune tells nobody). */
  async function prunedTo(chatRoomId: string, expected: number[]): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (JSON.stringify(await storedSeqs(chatRoomId)) !== JSON.stringify(expected) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await storedSeqs(chatRoomId)).toEqual(expected);
  }

  it("should keep a room's newest events, answer resync to a cursor older than them and the rest to a newer one", async () => {
    const room = await createGroup(ann, [ben], 'Pruned');
    const small = await createGroup(ann, [ben], 'Small');
    for (let i = 0; i < 12; i++) await sendText(ann, room.id, `m${i}`);
    for (let i = 0; i < 3; i++) await sendText(ann, small.id, `s${i}`);

    await prunedTo(room.id, range(8, 12));
    expect(await storedSeqs(small.id)).toEqual([1, 2, 3]);

    expect(await from(room.id, 0)).toEqual(resync(room.id));
    expect(await from(room.id, 6)).toEqual(resync(room.id));
    expect(seqsOf((await from(room.id, 12 - 2)).events)).toEqual([11, 12]);
    const kept = await from(room.id, 7);
    expect([seqsOf(kept.events), kept.resync, kept.hasMore]).toEqual([range(8, 12), false, false]);
    expect(await from(room.id, 12)).toEqual(upToDate(room.id));
    expect(seqsOf((await from(small.id, 0)).events)).toEqual([1, 2, 3]);

    // Numbering goes on where it was, not from what is kept.
    expect((await requestOk(ben.socket, 'joinChatRoom', { chatRoomId: room.id })).lastEventSeq).toBe(12);
    await sendText(ann, room.id, 'after the prune');
    expect(seqsOf((await from(room.id, 12)).events)).toEqual([13]);
  });

  it('should drop events older than the maximum age, and still tell an up-to-date cursor it is up to date', async () => {
    const room = await createGroup(ann, [ben], 'Aged');
    const quiet = await createGroup(ann, [ben], 'Quiet since');
    for (let i = 0; i < 3; i++) await sendText(ann, room.id, `m${i}`);
    for (let i = 0; i < 2; i++) await sendText(ann, quiet.id, `q${i}`);
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    await t.prisma.roomEvent.updateMany({
      where: { OR: [{ chatRoomId: room.id, eventSeq: { lte: 2 } }, { chatRoomId: quiet.id }] },
      data: { createdAt: twoHoursAgo },
    });

    await prunedTo(room.id, [3]);
    await prunedTo(quiet.id, []);

    expect(await from(room.id, 1)).toEqual(resync(room.id));
    expect(seqsOf((await from(room.id, 2)).events)).toEqual([3]);
    // Every event of the room is gone, but a client that has them all has missed nothing.
    expect(await from(quiet.id, 2)).toEqual(upToDate(quiet.id));
    expect(await from(quiet.id, 1)).toEqual(resync(quiet.id));
    expect((await t.prisma.chatRoom.findUniqueOrThrow({ where: { id: quiet.id } })).lastEventSeq).toBe(2);
  });
});

/*
 * Concurrent changes of one room: each takes the room's next eventSeq in its
 * own transaction, so none is lost or doubled. PostgreSQL only: the embedded
 * database runs one statement at a time, so there they could never interleave.
 */
(process.env.DATABASE_URL ? describe : describe.skip)('room event log under concurrency, on PostgreSQL (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    closeAllSockets();
    await t.close();
  });

  it('should number 30 concurrent changes by several users 1..N, and deliver them to each socket in order', async () => {
    const [ann, ben, cid, obs] = await createChatUsers(t, 'ann', 'ben', 'cid', 'obs');
    const ann2 = await connectChat(t.url, ann.token);
    const room = await createGroup(ann, [ben, cid, obs], 'Race');
    const observers = [obs.socket, ann2].map((socket) => ({ socket, live: recordLive(socket) }));
    const seeds: MessageView[] = [];
    for (let i = 0; i < 4; i++) seeds.push(await sendText(ben, room.id, `seed ${i}`));
    const react = (u: ChatUser, i: number, emoji: string) => () =>
      request(u.socket, 'addReaction', { messageId: seeds[i].id, emoji });
    const pin = (s: ChatClient, i: number) => () => request(s, 'pinMessage', { messageId: seeds[i].id });
    const edit = (i: number, content: string) => () =>
      request(ben.socket, 'editMessage', { messageId: seeds[i].id, content });
    const actions = [
      ...range(0, 9).map(
        (i) => () =>
          request([ann, ben, cid][i % 3].socket, 'sendMessage', { chatRoomId: room.id, content: `race ${i}` }),
      ),
      // Twice the same reaction, and twice the same pin: one change each.
      ...[react(ben, 0, '👍'), react(ben, 0, '👍'), react(cid, 0, '👍'), react(cid, 0, '👍')],
      ...[react(ann, 1, '🎉'), react(ben, 1, '🎉'), react(cid, 2, '❤️'), react(ann, 3, '🔥')],
      ...[edit(0, 'e0a'), edit(0, 'e0b'), edit(1, 'e1'), edit(2, 'e2'), edit(3, 'e3a'), edit(3, 'e3b')],
      ...[pin(ann.socket, 0), pin(ann2, 0), pin(ann.socket, 1), pin(ann2, 2), pin(ann.socket, 3), pin(ann2, 3)],
    ];
    expect(actions).toHaveLength(30);

    const acks = await Promise.all(actions.map((act) => act()));

    expect(acks.filter((a) => !a.ok)).toEqual([]);
    const reactions = await t.prisma.messageReaction.count({ where: { message: { chatRoomId: room.id } } });
    const pins = await t.prisma.pinnedMessage.count({ where: { chatRoomId: room.id } });
    expect([reactions, pins]).toEqual([6, 4]);
    const n = 4 + 10 + reactions + 6 + pins;
    const stored = await t.prisma.roomEvent.findMany({ where: { chatRoomId: room.id }, orderBy: { eventSeq: 'asc' } });
    expect(seqsOf(stored)).toEqual(range(1, n));
    const count = (type: string) => stored.filter((e) => e.type === type).length;
    expect(ROOM_EVENT_TYPES.map((type) => [type, count(type)]).filter(([, c]) => c)).toEqual([
      ['newMessage', 14],
      ['messageUpdated', 6],
      ['reactionAdded', reactions],
      ['messagePinned', pins],
    ]);
    expect((await t.prisma.chatRoom.findUniqueOrThrow({ where: { id: room.id } })).lastEventSeq).toBe(n);

    for (const { socket, live } of observers) {
      await live.until(room.id, n);
      const seen = live.of(room.id);
      expect(seqsOf(seen)).toEqual(range(1, n));
      for (const e of seen) expect(e.type).toBe(stored[e.eventSeq - 1].type);
      const replayed = (await sync(socket, { rooms: [{ chatRoomId: room.id, afterEventSeq: 0 }], limit: 500 }))
        .rooms[0];
      const union = [...new Set([...seqsOf(seen), ...seqsOf(replayed.events)])].sort((a, b) => a - b);
      expect(union).toEqual(range(1, n));
      expect(typesOf(replayed.events)).toEqual(stored.map((e) => e.type));
    }
  });
});
