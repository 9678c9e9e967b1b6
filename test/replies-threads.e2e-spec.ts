import type {
  ChatRoomView,
  MessageView,
  ServerToClientEvents,
  Stamped,
  ThreadUpdatedEvent,
} from '../src/contract/chat.events';
import {
  ChatUser,
  createChatUsers,
  createGroup,
  expectSilenceOn,
  fieldsOf,
  inRoom,
  requestError,
  sendText,
  UNKNOWN_ID,
  verifyAll,
  unstamped,
} from './helpers/chat-factory';
import { http } from './helpers/http';
import { ChatClient, closeAllSockets, connectChat, request, requestOk, waitForEvent } from './helpers/socket';
import { startTestApp, TestApp } from './helpers/test-app';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const seqsOf = (messages: { seq: number }[]): number[] => messages.map((m) => m.seq);
const codePoints = (s: string): number => Array.from(s).length;

type Logged = keyof Pick<ServerToClientEvents, 'newMessage' | 'threadUpdated' | 'messageDeleted'>;

/**
 * Records, in arrival order, the thread-related events about one room on a
 * socket (socket.io keeps one socket's packets in order, so the log shows the
 * order the server sent them in).
 */
function eventLog(socket: ChatClient, chatRoomId: string): { names(): Logged[]; stop(): void } {
  const seen: Logged[] = [];
  const listeners = (['newMessage', 'threadUpdated', 'messageDeleted'] as const).map((event) => {
    const listener = (payload: { chatRoomId: string }): void => {
      if (payload.chatRoomId === chatRoomId) seen.push(event);
    };
    (socket as any).on(event, listener);
    return { event, listener };
  });
  return {
    names: () => [...seen],
    stop: () => listeners.forEach(({ event, listener }) => (socket as any).off(event, listener)),
  };
}

describe('replies and threads (e2e)', () => {
  let t: TestApp;
  let ann: ChatUser; // OWNER of the rooms
  let ben: ChatUser;
  let cid: ChatUser;
  let dan: ChatUser; // removed from the rooms again
  let out: ChatUser; // in none of them
  let ann2: ChatClient; // ann's second socket

  /** A room of ann (owner), ben and cid, with dan added and removed again. */
  const setUp = async (name: string): Promise<ChatRoomView> => {
    const room = await createGroup(ann, [ben, cid, dan], name);
    await requestOk(ann.socket, 'removeParticipant', { chatRoomId: room.id, userId: dan.id });
    return room;
  };

  const reply = (
    user: ChatUser,
    chatRoomId: string,
    threadId: string,
    content: string,
  ): Promise<Stamped<MessageView>> => requestOk(user.socket, 'sendMessage', { chatRoomId, content, threadId });

  const rowOf = (id: string) => t.prisma.message.findUniqueOrThrow({ where: { id } });
  const roomRows = (chatRoomId: string) =>
    t.prisma.message.findMany({ where: { chatRoomId }, orderBy: { seq: 'asc' } });

  beforeAll(async () => {
    t = await startTestApp();
    [ann, ben, cid, dan, out] = await createChatUsers(t, 'ann', 'ben', 'cid', 'dan', 'out');
    ann2 = await connectChat(t.url, ann.token);
  });
  afterAll(async () => {
    closeAllSockets();
    await t.close();
  });

  describe('replies (replyToId)', () => {
    it('should store replyToId and show a preview of the quoted message in the ack, the broadcast and history', async () => {
      const room = await setUp('Quote');
      const quoted = await sendText(ben, room.id, 'quote me, please');
      expect(quoted.replyTo).toBeNull();
      const delivered = [ann2, ben.socket, cid.socket].map((s) =>
        waitForEvent(s, 'newMessage', 5000, (m) => m.chatRoomId === room.id && m.replyTo !== null),
      );

      const ack = await requestOk(ann.socket, 'sendMessage', {
        chatRoomId: room.id,
        content: 'quoting you',
        replyToId: quoted.id,
      });

      const preview = { id: quoted.id, senderId: ben.id, excerpt: 'quote me, please', deleted: false };
      expect(ack).toMatchObject({ content: 'quoting you', replyTo: preview, threadId: null, thread: null, seq: 2 });
      for (const received of await Promise.all(delivered)) expect(received).toEqual(ack);
      expect((await rowOf(ack.id)).replyToId).toBe(quoted.id);
      expect((await rowOf(quoted.id)).replyToId).toBeNull();
      const page = await requestOk(cid.socket, 'getMessages', { chatRoomId: room.id });
      expect(page.messages.map((m) => m.replyTo)).toEqual([null, preview]);
      expect(page.messages[1]).toEqual(unstamped(ack));
    });

    it('should quote over REST too (201 with the preview)', async () => {
      const room = await setUp('Quote over REST');
      const quoted = await sendText(ben, room.id, 'from the socket');
      const toBen = waitForEvent(ben.socket, 'newMessage', 5000, inRoom(room.id));

      const res = await http(t.url, 'POST', `/chat-rooms/${room.id}/messages`, {
        token: ann.token,
        body: { content: 'from REST', replyToId: quoted.id },
      });

      expect(res.status).toBe(201);
      expect(res.body.replyTo).toEqual({ id: quoted.id, senderId: ben.id, excerpt: 'from the socket', deleted: false });
      expect(await toBen).toEqual(res.body);
      expect((await rowOf(res.body.id)).replyToId).toBe(quoted.id);
    });

    it('should cut the excerpt to 100 characters (code points) at a word boundary, ending with …', async () => {
      const room = await setUp('Excerpts');
      const words = Array.from({ length: 40 }, (_, i) => ['alpha', 'beta', 'gamma', 'delta'][i % 4] + i).join(' ');
      const hundred = 'x'.repeat(100);
      // Astral characters are two UTF-16 units each: a cut by units would show 50 of them, or half of one.
      const emoji = '😀'.repeat(150);
      const excerpts: Record<string, string> = {};
      for (const [key, content] of Object.entries({ words, hundred, emoji })) {
        const quoted = await sendText(ben, room.id, content);
        const replied = await requestOk(ann.socket, 'sendMessage', {
          chatRoomId: room.id,
          content: 'replying',
          replyToId: quoted.id,
        });
        excerpts[key] = replied.replyTo!.excerpt;
      }

      // Words: whole words only, as many as fit.
      expect(excerpts.words.endsWith('…')).toBe(true);
      const kept = excerpts.words.slice(0, -1).trimEnd();
      expect(words.startsWith(kept)).toBe(true);
      expect(words[kept.length]).toBe(' ');
      expect(codePoints(kept)).toBeLessThanOrEqual(100);
      expect(codePoints(kept)).toBeGreaterThan(90); // words are at most 7 characters: the last boundary is close
      // Exactly 100 characters: nothing cut.
      expect(excerpts.hundred).toBe(hundred);
      // No word boundary: cut inside, at (nearly) 100 code points, never inside a surrogate pair.
      expect(excerpts.emoji.endsWith('…')).toBe(true);
      const cut = Array.from(excerpts.emoji.slice(0, -1));
      expect(cut.every((c) => c === '😀')).toBe(true);
      expect(cut.length).toBeGreaterThanOrEqual(99);
      expect(cut.length).toBeLessThanOrEqual(100);
    });

    it('should show the quoted message as deleted, with an empty excerpt, once it is deleted', async () => {
      const room = await setUp('Quoted deleted');
      const quoted = await sendText(ben, room.id, 'soon gone');
      const replied = await requestOk(ann.socket, 'sendMessage', {
        chatRoomId: room.id,
        content: 'I quoted it',
        replyToId: quoted.id,
      });
      await requestOk(ben.socket, 'deleteMessage', { messageId: quoted.id });

      const gone = { id: quoted.id, senderId: ben.id, excerpt: '', deleted: true };
      const page = await requestOk(ann.socket, 'getMessages', { chatRoomId: room.id });
      expect(page.messages.find((m) => m.id === replied.id)?.replyTo).toEqual(gone);
      const rest = await http(t.url, 'GET', `/chat-rooms/${room.id}/messages`, { token: cid.token });
      expect(rest.body.messages.find((m: MessageView) => m.id === replied.id)?.replyTo).toEqual(gone);
      expect(JSON.stringify(page)).not.toContain('soon gone');
      expect((await rowOf(replied.id)).replyToId).toBe(quoted.id);
    });

    it.each<[string, (ctx: { elsewhere: string; foreign: string; deleted: string }) => unknown]>([
      ['an unknown message', () => UNKNOWN_ID],
      ["a message of another of the sender's rooms", (c) => c.elsewhere],
      ['a message of a room the sender is not in', (c) => c.foreign],
      ['a deleted message', (c) => c.deleted],
      ['an id that is not a uuid', () => 'nope'],
    ])(
      'should refuse quoting %s with VALIDATION_FAILED on replyToId, storing and broadcasting nothing',
      async (_, id) => {
        const room = await setUp('Bad quotes');
        const other = await createGroup(ann, [ben], 'Elsewhere');
        const foreign = await createGroup(out, [cid], 'Foreign');
        const ctx = {
          elsewhere: (await sendText(ben, other.id, 'elsewhere')).id,
          foreign: (await sendText(cid, foreign.id, 'foreign')).id,
          deleted: (await sendText(ben, room.id, 'deleted')).id,
        };
        await requestOk(ben.socket, 'deleteMessage', { messageId: ctx.deleted });
        const before = await roomRows(room.id);
        const silent = await expectSilenceOn([ann2, ben.socket, cid.socket], 'newMessage');

        const error = await requestError(
          ann.socket,
          'sendMessage',
          { chatRoomId: room.id, content: 'quoting', replyToId: id(ctx) },
          'VALIDATION_FAILED',
        );
        const rest = await http(t.url, 'POST', `/chat-rooms/${room.id}/messages`, {
          token: ann.token,
          body: { content: 'quoting', replyToId: id(ctx) },
        });

        expect(fieldsOf(error)).toEqual(['replyToId']);
        expect(rest.status).toBe(400);
        expect(fieldsOf(rest.body)).toEqual(['replyToId']);
        await verifyAll(silent);
        expect(await roomRows(room.id)).toEqual(before);
        // No hint of the foreign message in the answer.
        expect(JSON.stringify(error)).not.toContain('foreign');
      },
    );
  });

  it.each(['replyToId', 'threadId'])(
    'should store nothing, not even the DIRECT room, when a first direct message has a bad %s',
    async (field) => {
      const [eve, fay] = await createChatUsers(t, 'eve', 'fay');
      const silent = [
        ...(await expectSilenceOn([eve.socket, fay.socket], 'chatRoomCreated')),
        ...(await expectSilenceOn([eve.socket, fay.socket], 'newMessage')),
      ];

      const error = await requestError(
        eve.socket,
        'sendMessage',
        { recipientId: fay.id, content: 'hi', [field]: UNKNOWN_ID },
        'VALIDATION_FAILED',
      );

      expect(fieldsOf(error)).toEqual([field]);
      await verifyAll(silent);
      expect(await t.prisma.chatRoomParticipant.findMany({ where: { userId: { in: [eve.id, fay.id] } } })).toEqual([]);
    },
  );

  describe('threads', () => {
    it("should store a reply with the room's next seq and send newMessage then threadUpdated to every member's every socket, and nobody else", async () => {
      const room = await setUp('Thread');
      const root = await sendText(ann, room.id, 'root');
      await sendText(cid, room.id, 'main timeline');
      const logs = [ann.socket, ann2, ben.socket, cid.socket].map((s) => eventLog(s, room.id));
      const updates = [ann.socket, ann2, ben.socket, cid.socket].map((s) =>
        waitForEvent(s, 'threadUpdated', 5000, inRoom(room.id)),
      );
      const silent = [
        ...(await expectSilenceOn([out.socket, dan.socket], 'newMessage')),
        ...(await expectSilenceOn([out.socket, dan.socket], 'threadUpdated')),
      ];

      const ack = await reply(ben, room.id, root.id, 'in the thread');

      expect(ack).toMatchObject({ seq: 3, threadId: root.id, thread: null, senderId: ben.id, replyTo: null });
      const expected: Stamped<ThreadUpdatedEvent> = {
        chatRoomId: room.id,
        messageId: root.id,
        thread: { replyCount: 1, lastReplyAt: ack.createdAt, participantIds: [ben.id] },
        // Logged right after the reply's newMessage.
        eventSeq: ack.eventSeq + 1,
      };
      for (const received of await Promise.all(updates)) expect(received).toEqual(expected);
      for (const log of logs) {
        expect(log.names()).toEqual(['newMessage', 'threadUpdated']);
        log.stop();
      }
      await verifyAll(silent);

      const stored = await rowOf(root.id);
      expect(stored).toMatchObject({ threadId: null, threadReplyCount: 1, threadParticipantIds: [ben.id] });
      expect(stored.threadLastReplyAt?.toISOString()).toBe(ack.createdAt);
      expect(await rowOf(ack.id)).toMatchObject({ threadId: root.id, seq: 3, threadReplyCount: 0 });
      // One gap-free counter for the main timeline and the threads.
      const next = await sendText(ann, room.id, 'after the reply');
      expect(next.seq).toBe(4);
      expect(seqsOf(await roomRows(room.id))).toEqual([1, 2, 3, 4]);
    });

    it("should list repliers in the order they first replied (the root's sender only once they reply) and show the summary on the root only", async () => {
      const room = await setUp('Participants');
      const root = await sendText(ann, room.id, 'root');
      const plain = await sendText(ann, room.id, 'no replies');
      await reply(ben, room.id, root.id, 'one');
      await reply(cid, room.id, root.id, 'two');
      const third = waitForEvent(ann2, 'threadUpdated', 5000, (e) => e.thread.replyCount === 3);
      const last = await reply(ben, room.id, root.id, 'three');
      expect((await third).thread).toEqual({
        replyCount: 3,
        lastReplyAt: last.createdAt,
        participantIds: [ben.id, cid.id],
      });

      const page = await requestOk(ben.socket, 'getMessages', { chatRoomId: room.id });
      const byId = new Map(page.messages.map((m) => [m.id, m]));
      expect(byId.get(root.id)?.thread).toEqual({
        replyCount: 3,
        lastReplyAt: last.createdAt,
        participantIds: [ben.id, cid.id],
      });
      expect(byId.get(plain.id)?.thread).toBeNull();
      expect(page.messages.filter((m) => m.threadId === root.id).map((m) => m.thread)).toEqual([null, null, null]);

      const byRoot = waitForEvent(ann2, 'threadUpdated', 5000, (e) => e.thread.replyCount === 4);
      const own = await reply(ann, room.id, root.id, 'the root sender joins');
      expect((await byRoot).thread.participantIds).toEqual([ben.id, cid.id, ann.id]);
      const stored = await rowOf(root.id);
      expect(stored).toMatchObject({ threadReplyCount: 4, threadParticipantIds: [ben.id, cid.id, ann.id] });
      expect(stored.threadLastReplyAt?.toISOString()).toBe(own.createdAt);
      expect(await rowOf(plain.id)).toMatchObject({ threadReplyCount: 0, threadParticipantIds: [] });
    });

    it.each<[string, (ctx: { elsewhere: string; foreign: string; reply: string }) => unknown]>([
      ['an unknown message', () => UNKNOWN_ID],
      ["a message of another of the sender's rooms", (c) => c.elsewhere],
      ['a message of a room the sender is not in', (c) => c.foreign],
      ['a reply in a thread (threads do not nest)', (c) => c.reply],
      ['an id that is not a uuid', () => 42],
    ])('should refuse a threadId of %s with VALIDATION_FAILED, storing and broadcasting nothing', async (_, id) => {
      const room = await setUp('Bad threads');
      const root = await sendText(ann, room.id, 'root');
      const other = await createGroup(ann, [ben], 'Elsewhere');
      const foreign = await createGroup(out, [cid], 'Foreign');
      const ctx = {
        elsewhere: (await sendText(ben, other.id, 'elsewhere')).id,
        foreign: (await sendText(cid, foreign.id, 'foreign')).id,
        reply: (await reply(ben, room.id, root.id, 'a reply')).id,
      };
      const before = await roomRows(room.id);
      const otherBefore = await roomRows(other.id);
      const silent = [
        ...(await expectSilenceOn([ann2, ben.socket, cid.socket], 'newMessage')),
        ...(await expectSilenceOn([ann2, ben.socket, cid.socket], 'threadUpdated')),
      ];

      const error = await requestError(
        ann.socket,
        'sendMessage',
        { chatRoomId: room.id, content: 'nested?', threadId: id(ctx) },
        'VALIDATION_FAILED',
      );
      const rest = await http(t.url, 'POST', `/chat-rooms/${room.id}/messages`, {
        token: ann.token,
        body: { content: 'nested?', threadId: id(ctx) },
      });

      expect(fieldsOf(error)).toEqual(['threadId']);
      expect(rest.status).toBe(400);
      expect(fieldsOf(rest.body)).toEqual(['threadId']);
      await verifyAll(silent);
      expect(await roomRows(room.id)).toEqual(before);
      expect(await roomRows(other.id)).toEqual(otherBefore);
    });

    it('should accept replies to a deleted root, over the socket and REST', async () => {
      const room = await setUp('Deleted root');
      const root = await sendText(ann, room.id, 'root');
      await reply(ben, room.id, root.id, 'before');
      await requestOk(ann.socket, 'deleteMessage', { messageId: root.id });
      const updated = waitForEvent(cid.socket, 'threadUpdated', 5000, (e) => e.thread.replyCount === 2);

      const after = await reply(cid, room.id, root.id, 'after the root was deleted');
      expect(await updated).toMatchObject({ messageId: root.id, thread: { participantIds: [ben.id, cid.id] } });
      const updatedOverRest = waitForEvent(ann2, 'threadUpdated', 5000, (e) => e.thread.replyCount === 3);
      const rest = await http(t.url, 'POST', `/chat-rooms/${room.id}/messages`, {
        token: ben.token,
        body: { content: 'over REST', threadId: root.id },
      });

      expect(after.threadId).toBe(root.id);
      expect(await updatedOverRest).toMatchObject({ messageId: root.id, thread: { participantIds: [ben.id, cid.id] } });
      expect(rest.status).toBe(201);
      expect(rest.body).toMatchObject({ threadId: root.id, seq: 4 });
      expect(await rowOf(root.id)).toMatchObject({ threadReplyCount: 3, deletedAt: expect.any(Date) });
      const thread = await requestOk(ben.socket, 'getThread', { messageId: root.id });
      expect(thread.messages.map((m) => m.content)).toEqual(['before', 'after the root was deleted', 'over REST']);
    });

    it('should send messageDeleted then threadUpdated with one reply fewer when a reply is deleted, keeping who took part', async () => {
      const room = await setUp('Delete reply');
      const root = await sendText(ann, room.id, 'root');
      const first = await reply(ben, room.id, root.id, 'first');
      const second = await reply(cid, room.id, root.id, 'second');
      const sockets = [ann.socket, ann2, ben.socket, cid.socket];
      const logs = sockets.map((s) => eventLog(s, room.id));
      const updates = sockets.map((s) => waitForEvent(s, 'threadUpdated', 5000, inRoom(room.id)));
      const silent = [
        ...(await expectSilenceOn([out.socket, dan.socket], 'messageDeleted')),
        ...(await expectSilenceOn([out.socket, dan.socket], 'threadUpdated')),
      ];

      await requestOk(ben.socket, 'deleteMessage', { messageId: first.id });

      for (const received of await Promise.all(updates)) {
        expect(received).toEqual({
          chatRoomId: room.id,
          messageId: root.id,
          thread: { replyCount: 1, lastReplyAt: expect.stringMatching(ISO), participantIds: [ben.id, cid.id] },
          // dan's removal, the root, two replies with their threadUpdated each, messageDeleted: then this.
          eventSeq: 8,
        });
      }
      for (const log of logs) {
        expect(log.names()).toEqual(['messageDeleted', 'threadUpdated']);
        log.stop();
      }
      await verifyAll(silent);
      expect(await rowOf(root.id)).toMatchObject({ threadReplyCount: 1, threadParticipantIds: [ben.id, cid.id] });
      const page = await requestOk(ann.socket, 'getMessages', { chatRoomId: room.id });
      expect(page.messages.find((m) => m.id === root.id)?.thread).toMatchObject({ replyCount: 1 });

      // Deleting it again changes nothing and says nothing.
      const again = await expectSilenceOn(sockets, 'threadUpdated');
      await requestOk(ben.socket, 'deleteMessage', { messageId: first.id });
      await verifyAll(again);
      expect(await rowOf(root.id)).toMatchObject({ threadReplyCount: 1 });
      expect(second.threadId).toBe(root.id);
    });
  });

  describe('reading threads', () => {
    // seq: 1 main, 2 root, 3 r1, 4 main, 5 r2, 6 r3, 7 main, 8 r4, 9 r5, 10 main
    const REPLY_SEQS = [3, 5, 6, 8, 9];
    const MAIN_SEQS = [1, 2, 4, 7, 10];
    let room: ChatRoomView;
    let root: MessageView;

    beforeAll(async () => {
      room = await setUp('Reading');
      await sendText(ann, room.id, 'main 1');
      root = await sendText(ann, room.id, 'root');
      for (let seq = 3; seq <= 10; seq++) {
        if (REPLY_SEQS.includes(seq)) await reply(seq % 2 ? ben : cid, room.id, root.id, `reply at ${seq}`);
        else await sendText(ann, room.id, `main ${seq}`);
      }
    });

    it.each<[string, object, number[], boolean]>([
      ['every reply', {}, REPLY_SEQS, false],
      ['the newest 2', { limit: 2 }, [8, 9], true],
      ['2 older than seq 8', { beforeSeq: 8, limit: 2 }, [5, 6], true],
      ['older than seq 5 (the last of them)', { beforeSeq: 5, limit: 2 }, [3], false],
      ['2 after seq 0', { afterSeq: 0, limit: 2 }, [3, 5], true],
      ['2 after seq 5', { afterSeq: 5, limit: 2 }, [6, 8], true],
      ['2 after seq 6 (the last of them)', { afterSeq: 6, limit: 2 }, [8, 9], false],
      ['after the newest', { afterSeq: 9 }, [], false],
    ])('getThread should page %s, replies only, ascending by seq', async (_, query, seqs, hasMore) => {
      const page = await requestOk(ben.socket, 'getThread', { messageId: root.id, ...query });
      expect({ seqs: seqsOf(page.messages), hasMore: page.hasMore }).toEqual({ seqs, hasMore });
      for (const m of page.messages) expect(m).toMatchObject({ threadId: root.id, thread: null });
    });

    it('getThread should answer the same over REST, and an empty page for a root without replies', async () => {
      const res = await http(t.url, 'GET', `/messages/${root.id}/thread?beforeSeq=8&limit=2`, { token: cid.token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(
        await requestOk(cid.socket, 'getThread', { messageId: root.id, beforeSeq: 8, limit: 2 }),
      );
      const after = await http(t.url, 'GET', `/messages/${root.id}/thread?afterSeq=5&limit=2`, { token: cid.token });
      expect(seqsOf(after.body.messages)).toEqual([6, 8]);
      expect(after.body.hasMore).toBe(true);
      // In a room of its own: this room's seqs are the other tests' fixture.
      const lonely = await sendText(ann, (await setUp('Lonely')).id, 'nobody answers');
      expect(await requestOk(ann.socket, 'getThread', { messageId: lonely.id })).toEqual({
        messages: [],
        hasMore: false,
      });
    });

    it('getThread should refuse a reply (VALIDATION_FAILED), and a message of a room one is not in (NOT_FOUND)', async () => {
      const aReply = (await requestOk(ann.socket, 'getThread', { messageId: root.id })).messages[0];
      const error = await requestError(ann.socket, 'getThread', { messageId: aReply.id }, 'VALIDATION_FAILED');
      expect(fieldsOf(error)).toEqual(['messageId']);
      const rest = await http(t.url, 'GET', `/messages/${aReply.id}/thread`, { token: ann.token });
      expect(rest.status).toBe(400);
      expect(fieldsOf(rest.body)).toEqual(['messageId']);

      for (const stranger of [out, dan]) {
        const refused = await request(stranger.socket, 'getThread', { messageId: root.id });
        expect(refused).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
        expect(JSON.stringify(refused)).not.toContain('reply at');
        const overRest = await http(t.url, 'GET', `/messages/${root.id}/thread`, { token: stranger.token });
        expect(overRest.status).toBe(404);
      }
      await requestError(ann.socket, 'getThread', { messageId: UNKNOWN_ID }, 'NOT_FOUND');
      for (const limit of [0, 101]) {
        const bad = await requestError(ann.socket, 'getThread', { messageId: root.id, limit }, 'VALIDATION_FAILED');
        expect(fieldsOf(bad)).toEqual(['limit']);
      }
    });

    it.each<[string, object, number[], boolean]>([
      ['the whole main timeline', {}, MAIN_SEQS, false],
      ['the newest 3', { limit: 3 }, [4, 7, 10], true],
      ['3 older than seq 4', { beforeSeq: 4, limit: 3 }, [1, 2], false],
      ['2 after seq 2', { afterSeq: 2, limit: 2 }, [4, 7], true],
      ['2 after seq 7 (replies after it do not count)', { afterSeq: 7, limit: 2 }, [10], false],
    ])('getMessages with excludeThreadReplies should page %s', async (_, query, seqs, hasMore) => {
      const page = await requestOk(ben.socket, 'getMessages', {
        chatRoomId: room.id,
        excludeThreadReplies: true,
        ...query,
      });
      expect({ seqs: seqsOf(page.messages), hasMore: page.hasMore }).toEqual({ seqs, hasMore });
      for (const m of page.messages) expect(m.threadId).toBeNull();
    });

    it('getMessages should include replies by default and answer excludeThreadReplies over REST', async () => {
      const all = await requestOk(ben.socket, 'getMessages', { chatRoomId: room.id, limit: 10 });
      expect(seqsOf(all.messages)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(all.messages.find((m) => m.id === root.id)?.thread).toEqual({
        replyCount: 5,
        lastReplyAt: expect.stringMatching(ISO),
        participantIds: [ben.id, cid.id],
      });

      const main = await http(t.url, 'GET', `/chat-rooms/${room.id}/messages?excludeThreadReplies=true&limit=3`, {
        token: ben.token,
      });
      expect(main.status).toBe(200);
      expect(seqsOf(main.body.messages)).toEqual([4, 7, 10]);
      expect(main.body.hasMore).toBe(true);
      const notExcluded = await http(
        t.url,
        'GET',
        `/chat-rooms/${room.id}/messages?excludeThreadReplies=false&limit=3`,
        { token: ben.token },
      );
      expect(notExcluded.status).toBe(200);
      expect(seqsOf(notExcluded.body.messages)).toEqual([8, 9, 10]);
    });
  });

  /*
   * Concurrent replies to one root: the count, the last reply and the
   * repliers are kept by the statement that inserts the reply, so none is
   * lost. PostgreSQL only: the embedded database runs one statement at a
   * time, so there the replies could never interleave.
   */
  (process.env.DATABASE_URL ? describe : describe.skip)('threads under concurrency, on PostgreSQL', () => {
    it('should count every one of 20 replies sent at once by several users, with gap-free seqs', async () => {
      const room = await setUp('Reply race');
      const root = await sendText(ann, room.id, 'root');
      const senders = [ann.socket, ann2, ben.socket, cid.socket];

      const acks = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          request(senders[i % senders.length], 'sendMessage', {
            chatRoomId: room.id,
            content: `race ${i}`,
            threadId: root.id,
          }),
        ),
      );

      expect(acks.filter((a) => !a.ok)).toEqual([]);
      const rows = await roomRows(room.id);
      expect(seqsOf(rows)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
      const replies = rows.filter((r) => r.threadId === root.id);
      expect(replies).toHaveLength(20);
      const stored = await rowOf(root.id);
      expect(stored.threadReplyCount).toBe(20);
      // Who replied, in the order of their first reply (by seq).
      const firstRepliers = [...new Set(replies.map((r) => r.senderId))];
      expect(stored.threadParticipantIds).toEqual(firstRepliers);
      expect(new Set(firstRepliers)).toEqual(new Set([ann.id, ben.id, cid.id]));
      const newest = Math.max(...replies.map((r) => r.createdAt.getTime()));
      expect(stored.threadLastReplyAt?.getTime()).toBe(newest);
      const thread = await requestOk(ben.socket, 'getThread', { messageId: root.id, limit: 100 });
      expect(seqsOf(thread.messages)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    });
  });
});
