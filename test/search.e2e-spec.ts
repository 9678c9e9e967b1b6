import { randomInt } from 'node:crypto';
import type { ChatRoomView, MessageView, SearchPage } from '../src/contract/chat.events';
import {
  ChatUser,
  createChatUsers,
  createGroup,
  fieldsOf,
  requestError,
  sendText,
  UNKNOWN_ID,
} from './helpers/chat-factory';
import { http } from './helpers/http';
import { closeAllSockets, requestOk } from './helpers/socket';
import { startTestApp, TestApp } from './helpers/test-app';

/** A made-up word of ASCII letters that no other test uses, so tests do not find each other's messages. */
const uniqueWord = (): string =>
  'zq' + Array.from({ length: 10 }, () => String.fromCharCode(97 + randomInt(26))).join('');
const idsOf = (messages: MessageView[]): string[] => messages.map((m) => m.id);

describe('message search (e2e)', () => {
  let t: TestApp;
  let ann: ChatUser; // OWNER of the rooms
  let ben: ChatUser;
  let cid: ChatUser;
  let dan: ChatUser; // removed from a room during a test
  let out: ChatUser; // in none of ann's rooms

  const search = (user: ChatUser, payload: object): Promise<SearchPage> =>
    requestOk(user.socket, 'searchMessages', payload);

  /** Every page of a search, following nextCursor; fails on a page that repeats an earlier match. */
  const walk = async (user: ChatUser, payload: object): Promise<{ messages: MessageView[]; pages: number[] }> => {
    const messages: MessageView[] = [];
    const pages: number[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 50; i++) {
      const page = await search(user, { ...payload, ...(cursor && { cursor }) });
      messages.push(...page.messages);
      pages.push(page.messages.length);
      if (page.nextCursor === null) return { messages, pages };
      cursor = page.nextCursor;
    }
    throw new Error('the search did not end after 50 pages');
  };

  /**
   * Gives the messages createdAt one second apart, oldest first, in the past:
   * messages sent within one millisecond would otherwise tie, and the order
   * of ties is not what these tests are about.
   */
  const spaceOut = async (messages: MessageView[]): Promise<void> => {
    const base = Date.now() - 3_600_000;
    for (const [i, message] of messages.entries()) {
      await t.prisma.message.update({ where: { id: message.id }, data: { createdAt: new Date(base + i * 1000) } });
    }
  };

  beforeAll(async () => {
    t = await startTestApp();
    [ann, ben, cid, dan, out] = await createChatUsers(t, 'ann', 'ben', 'cid', 'dan', 'out');
  });
  afterAll(async () => {
    closeAllSockets();
    await t.close();
  });

  describe('matching', () => {
    let room: ChatRoomView;
    let m: Record<'galloped' | 'galloping' | 'walked' | 'cats' | 'dogs', MessageView>;

    beforeAll(async () => {
      room = await createGroup(ann, [ben], 'Word forms');
      m = {
        galloped: await sendText(ann, room.id, 'The horse galloped'),
        galloping: await sendText(ben, room.id, 'galloping horses'),
        walked: await sendText(ann, room.id, 'The horse walked'),
        cats: await sendText(ben, room.id, 'Кошки спят'),
        dogs: await sendText(ann, room.id, 'Собаки спят'),
      };
      await spaceOut(Object.values(m));
    });

    it('should find English word forms, newest first, with full message views', async () => {
      const page = await search(ann, { query: 'gallop', chatRoomId: room.id });
      expect(idsOf(page.messages)).toEqual([m.galloping.id, m.galloped.id]);
      expect(page.nextCursor).toBeNull();
      const history = await requestOk(ann.socket, 'getMessages', { chatRoomId: room.id });
      expect(page.messages[0]).toEqual(history.messages.find((h) => h.id === m.galloping.id));

      const horses = await search(ben, { query: 'horses', chatRoomId: room.id });
      expect(idsOf(horses.messages)).toEqual([m.walked.id, m.galloping.id, m.galloped.id]);
    });

    it('should find Russian word forms', async () => {
      const cats = await search(ann, { query: 'кошка', chatRoomId: room.id });
      expect(idsOf(cats.messages)).toEqual([m.cats.id]);
      const sleep = await search(ben, { query: 'спят', chatRoomId: room.id });
      expect(idsOf(sleep.messages)).toEqual([m.dogs.id, m.cats.id]);
    });

    it('should require every word of the query, and find nothing for a word no message has', async () => {
      expect(idsOf((await search(ann, { query: 'horse walk', chatRoomId: room.id })).messages)).toEqual([m.walked.id]);
      expect(await search(ann, { query: uniqueWord(), chatRoomId: room.id })).toEqual({
        messages: [],
        nextCursor: null,
      });
    });

    it('should read web-search syntax: "a phrase", or, -word', async () => {
      const find = async (query: string) => idsOf((await search(ann, { query, chatRoomId: room.id })).messages);
      expect(await find('"horse galloped"')).toEqual([m.galloped.id]);
      expect(await find('horse -walked')).toEqual([m.galloping.id, m.galloped.id]);
      expect(await find('walked or galloping')).toEqual([m.walked.id, m.galloping.id, m.galloped.id]);
    });

    it.each([
      ['only a stop word', 'the'],
      ['an unterminated phrase', '"horse gallop'],
      ['operators of tsquery syntax', 'horse & !walked | (gallop'],
      ['a lone minus', '-'],
      ['quotes and a backslash', `'\\'; select 1 --`],
      ['a prefix marker', 'gallop:*'],
    ])('should answer, not fail, for a query of %s', async (_, query) => {
      const page = await search(ann, { query, chatRoomId: room.id });
      expect(Array.isArray(page.messages)).toBe(true);
    });

    it('should answer the same over REST (GET /messages/search?q=)', async () => {
      const res = await http(t.url, 'GET', `/messages/search?q=${encodeURIComponent('кошка')}&chatRoomId=${room.id}`, {
        token: ben.token,
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(await search(ben, { query: 'кошка', chatRoomId: room.id }));
      expect(idsOf(res.body.messages)).toEqual([m.cats.id]);
    });
  });

  describe('who finds what', () => {
    it("should search every room the user is in, and nobody else's", async () => {
      const word = uniqueWord();
      const roomA = await createGroup(ann, [ben], 'A');
      const roomB = await createGroup(ann, [cid], 'B');
      const roomC = await createGroup(out, [cid], 'C');
      const inA = await sendText(ben, roomA.id, `${word} in A`);
      const inB = await sendText(cid, roomB.id, `${word} in B`);
      const inC = await sendText(out, roomC.id, `${word} in C`);
      await spaceOut([inA, inB, inC]);

      expect(idsOf((await search(ann, { query: word })).messages)).toEqual([inB.id, inA.id]);
      expect(idsOf((await search(ben, { query: word })).messages)).toEqual([inA.id]);
      expect(idsOf((await search(cid, { query: word })).messages)).toEqual([inC.id, inB.id]);
      expect(idsOf((await search(out, { query: word })).messages)).toEqual([inC.id]);
      expect(idsOf((await search(dan, { query: word })).messages)).toEqual([]);
      expect(idsOf((await search(ann, { query: word, chatRoomId: roomA.id })).messages)).toEqual([inA.id]);
      const rest = await http(t.url, 'GET', `/messages/search?q=${word}`, { token: out.token });
      expect(idsOf(rest.body.messages)).toEqual([inC.id]);
    });

    it("should stop finding a room's messages once the user is removed from it", async () => {
      const word = uniqueWord();
      const room = await createGroup(ann, [ben, dan], 'Removal');
      const message = await sendText(ben, room.id, `${word} before the removal`);
      expect(idsOf((await search(dan, { query: word })).messages)).toEqual([message.id]);

      await requestOk(ann.socket, 'removeParticipant', { chatRoomId: room.id, userId: dan.id });

      expect(await search(dan, { query: word })).toEqual({ messages: [], nextCursor: null });
      const rest = await http(t.url, 'GET', `/messages/search?q=${word}`, { token: dan.token });
      expect(rest.body).toEqual({ messages: [], nextCursor: null });
      expect(idsOf((await search(ben, { query: word })).messages)).toEqual([message.id]);
    });

    it('should refuse a chatRoomId the user is not in as the other room endpoints do (FORBIDDEN, or NOT_FOUND when unknown)', async () => {
      const word = uniqueWord();
      const room = await createGroup(ann, [ben, dan], 'Not yours');
      await sendText(ben, room.id, `${word} secret`);
      await requestOk(ann.socket, 'removeParticipant', { chatRoomId: room.id, userId: dan.id });

      for (const stranger of [out, dan]) {
        const error = await requestError(
          stranger.socket,
          'searchMessages',
          { query: word, chatRoomId: room.id },
          'FORBIDDEN',
        );
        expect(JSON.stringify(error)).not.toContain('secret');
        const rest = await http(t.url, 'GET', `/messages/search?q=${word}&chatRoomId=${room.id}`, {
          token: stranger.token,
        });
        expect(rest.status).toBe(403);
      }
      await requestError(ann.socket, 'searchMessages', { query: word, chatRoomId: UNKNOWN_ID }, 'NOT_FOUND');
      const unknown = await http(t.url, 'GET', `/messages/search?q=${word}&chatRoomId=${UNKNOWN_ID}`, {
        token: ann.token,
      });
      expect(unknown.status).toBe(404);
    });

    it('should leave deleted messages out', async () => {
      const word = uniqueWord();
      const room = await createGroup(ann, [ben], 'Deleted');
      const kept = await sendText(ben, room.id, `${word} stays`);
      const gone = await sendText(ben, room.id, `${word} goes`);
      await spaceOut([kept, gone]);
      expect(idsOf((await search(ann, { query: word })).messages)).toEqual([gone.id, kept.id]);

      await requestOk(ben.socket, 'deleteMessage', { messageId: gone.id });

      expect(idsOf((await search(ann, { query: word })).messages)).toEqual([kept.id]);
      expect(idsOf((await search(ann, { query: 'goes', chatRoomId: room.id })).messages)).toEqual([]);
    });
  });

  describe('paging', () => {
    const COUNT = 23;
    let word: string;
    let all: MessageView[]; // as sent, oldest first

    beforeAll(async () => {
      word = uniqueWord();
      const roomA = await createGroup(ann, [ben], 'Paging A');
      const roomB = await createGroup(ann, [cid], 'Paging B');
      all = [];
      for (let i = 0; i < COUNT; i++) {
        all.push(await sendText(i % 3 ? ben : cid, i % 3 ? roomA.id : roomB.id, `${word} number ${i}`));
      }
      await spaceOut(all);
      // Several matches at the same instant, across both rooms: a cursor must tell them apart.
      const tie = (await t.prisma.message.findUniqueOrThrow({ where: { id: all[8].id } })).createdAt;
      await t.prisma.message.updateMany({ where: { id: { in: idsOf(all.slice(8, 14)) } }, data: { createdAt: tie } });
    });

    /** Newest first: the 9 newest in the order sent, then the 6 that tie (in any order), then the 8 oldest. */
    const expectOrder = (messages: MessageView[]): void => {
      const ids = idsOf(messages);
      expect(ids.slice(0, 9)).toEqual(idsOf(all.slice(14).reverse()));
      expect(new Set(ids.slice(9, 15))).toEqual(new Set(idsOf(all.slice(8, 14))));
      expect(ids.slice(15)).toEqual(idsOf(all.slice(0, 8).reverse()));
    };

    it('should return 20 by default, then the rest', async () => {
      const first = await search(ann, { query: word });
      expect(first.messages).toHaveLength(20);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await search(ann, { query: word, cursor: first.nextCursor });
      expect(second.messages).toHaveLength(COUNT - 20);
      expect(second.nextCursor).toBeNull();
      const found = [...first.messages, ...second.messages];
      expect(new Set(idsOf(found))).toEqual(new Set(idsOf(all)));
      expectOrder(found);
      expectOrder(found);
    });

    it.each([1, 3, 7, 50])('should walk every match exactly once, newest first, %i at a time', async (limit) => {
      const { messages, pages } = await walk(ann, { query: word, limit });
      expect(messages).toHaveLength(COUNT);
      expect(new Set(idsOf(messages)).size).toBe(COUNT);
      expect(new Set(idsOf(messages))).toEqual(new Set(idsOf(all)));
      expectOrder(messages);
      expect(pages.slice(0, -1).every((n) => n === limit)).toBe(true);
    });

    it('should page over REST with the same cursors', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `q=${word}&limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await http(t.url, 'GET', `/messages/search?${query}`, { token: ann.token });
        expect(res.status).toBe(200);
        seen.push(...idsOf(res.body.messages));
        cursor = res.body.nextCursor;
      } while (cursor !== null && seen.length <= COUNT);
      expect(seen).toEqual(idsOf((await walk(ann, { query: word, limit: 10 })).messages));
    });

    it('should search within one room only, when asked', async () => {
      const roomB = all[0].chatRoomId;
      const { messages } = await walk(cid, { query: word, chatRoomId: roomB, limit: 2 });
      expect(new Set(idsOf(messages))).toEqual(new Set(idsOf(all.filter((m) => m.chatRoomId === roomB))));
      expect(messages).toHaveLength(8);
    });
  });

  describe('validation', () => {
    it.each<[string, object, string]>([
      ['an empty query', { query: '' }, 'query'],
      ['a blank query', { query: '  \n\t ' }, 'query'],
      ['a query of 201 characters', { query: 'a'.repeat(201) }, 'query'],
      ['no query', {}, 'query'],
      ['a query that is not a string', { query: 7 }, 'query'],
      ['a limit of 0', { query: 'x', limit: 0 }, 'limit'],
      ['a limit of 51', { query: 'x', limit: 51 }, 'limit'],
      ['a fractional limit', { query: 'x', limit: 2.5 }, 'limit'],
      ['a string limit', { query: 'x', limit: '5' }, 'limit'],
      ['a garbage cursor', { query: 'x', cursor: 'not a cursor' }, 'cursor'],
      [
        'a cursor that is base64 of garbage',
        { query: 'x', cursor: Buffer.from('garbage').toString('base64url') },
        'cursor',
      ],
      [
        'a cursor that is base64 JSON of the wrong shape',
        { query: 'x', cursor: Buffer.from('{"x":1}').toString('base64url') },
        'cursor',
      ],
      ['a room id that is not a uuid', { query: 'x', chatRoomId: 'room' }, 'chatRoomId'],
      ['an unknown field', { query: 'x', order: 'asc' }, 'order'],
    ])('should refuse %s with VALIDATION_FAILED naming the field', async (_, payload, field) => {
      const error = await requestError(ann.socket, 'searchMessages', payload, 'VALIDATION_FAILED');
      expect(fieldsOf(error)).toEqual([field]);
    });

    it('should accept the limits: a query of 200 characters and a limit of 50', async () => {
      const long = `${uniqueWord()} ${'b'.repeat(187)}`;
      expect(Array.from(long)).toHaveLength(200);
      expect(await search(ann, { query: long, limit: 50 })).toEqual({ messages: [], nextCursor: null });
      const room = await createGroup(ann, [ben], 'Long query');
      const word = uniqueWord();
      const message = await sendText(ben, room.id, `${word} ${'b'.repeat(187)}`);
      expect(idsOf((await search(ann, { query: `${word} ${'b'.repeat(187)}`, limit: 1 })).messages)).toEqual([
        message.id,
      ]);
    });

    it.each<[string, string, string | null]>([
      ['an empty q', 'q=', null],
      ['no q', 'limit=5', null],
      ['a limit of 0', 'q=x&limit=0', 'limit'],
      ['a limit of 51', 'q=x&limit=51', 'limit'],
      ['a non-numeric limit', 'q=x&limit=ten', 'limit'],
      ['a garbage cursor', 'q=x&cursor=garbage', 'cursor'],
    ])('should refuse %s over REST with 400', async (_, query, field) => {
      const res = await http(t.url, 'GET', `/messages/search?${query}`, { token: ann.token });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      // The query parameter is `q` over REST; either name for it is fine.
      if (field) expect(fieldsOf(res.body)).toEqual([field]);
      else expect(['q', 'query']).toContain(fieldsOf(res.body)[0]);
    });
  });
});
