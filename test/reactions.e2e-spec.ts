import type { ReactionEvent, Stamped } from '../src/contract/chat.events';
import {
  ChatUser,
  createChatUsers,
  createGroup,
  expectSilence,
  expectSilenceOn,
  fieldsOf,
  requestError,
  sendText,
  verifyAll,
} from './helpers/chat-factory';
import { http } from './helpers/http';
import { ChatClient, closeAllSockets, connectChat, request, requestOk, waitForEvent } from './helpers/socket';
import { startTestApp, TestApp } from './helpers/test-app';

const onMessage =
  (messageId: string) =>
  (e: { messageId: string }): boolean =>
    e.messageId === messageId;

describe('reactions (e2e)', () => {
  let t: TestApp;
  let ann: ChatUser; // OWNER of the rooms
  let ben: ChatUser;
  let dan: ChatUser; // removed from the room in the tests that need a former member
  let out: ChatUser; // in none of them
  let ann2: ChatClient; // ann's second socket

  const stored = (messageId: string) =>
    t.prisma.messageReaction.findMany({ where: { messageId }, orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }] });

  /** A room of ann (owner), ben and dan, with dan removed again, and one message of ben's in it. */
  const setUp = async (name: string) => {
    const room = await createGroup(ann, [ben, dan], name);
    await requestOk(ann.socket, 'removeParticipant', { chatRoomId: room.id, userId: dan.id });
    const message = await sendText(ben, room.id, 'react to me');
    return { room, message };
  };

  beforeAll(async () => {
    t = await startTestApp();
    [ann, ben, dan, out] = await createChatUsers(t, 'ann', 'ben', 'dan', 'out');
    ann2 = await connectChat(t.url, ann.token);
  });
  afterAll(async () => {
    closeAllSockets();
    await t.close();
  });

  describe('addReaction', () => {
    it("should store the reaction and send reactionAdded to every member's every socket, and nobody else", async () => {
      const { room, message } = await setUp('Add');
      // The room's third change: dan's removal and the message come first.
      const event: Stamped<ReactionEvent> = {
        chatRoomId: room.id,
        messageId: message.id,
        userId: ann.id,
        emoji: '👍',
        eventSeq: 3,
      };
      const delivered = [ann.socket, ann2, ben.socket].map((s) =>
        waitForEvent(s, 'reactionAdded', 5000, onMessage(message.id)),
      );
      const silent = await expectSilenceOn([out.socket, dan.socket], 'reactionAdded');

      const ack = await requestOk(ann.socket, 'addReaction', { messageId: message.id, emoji: '👍' });

      expect(ack).toEqual(event);
      for (const received of await Promise.all(delivered)) expect(received).toEqual(event);
      await verifyAll(silent);
      expect(await stored(message.id)).toEqual([
        { messageId: message.id, userId: ann.id, emoji: '👍', createdAt: expect.any(Date) },
      ]);
    });

    it('should store and broadcast nothing more when the same user repeats the same reaction', async () => {
      const { message } = await setUp('Repeat');
      await requestOk(ann.socket, 'addReaction', { messageId: message.id, emoji: '🎉' });
      const silent = await expectSilenceOn([ann.socket, ann2, ben.socket], 'reactionAdded');

      const again = await requestOk(ann.socket, 'addReaction', { messageId: message.id, emoji: '🎉' });
      const overRest = await http(t.url, 'POST', `/messages/${message.id}/reactions`, {
        token: ann.token,
        body: { emoji: '🎉' },
      });

      expect(again).toMatchObject({ userId: ann.id, emoji: '🎉' });
      expect(overRest.status).toBe(200);
      await verifyAll(silent);
      expect(await stored(message.id)).toHaveLength(1);
    });

    it('should accept keycaps, flags, ZWJ sequences and short codes, and refuse anything else naming emoji', async () => {
      const { message } = await setUp('Graphemes');
      for (const emoji of ['1️⃣', '🇯🇵', '👩‍💻', '👍🏾', ':shipit:']) {
        await requestOk(ann.socket, 'addReaction', { messageId: message.id, emoji });
      }
      for (const emoji of ['ok', '👍👍', '🇯', `:${'x'.repeat(63)}:`, ':no spaces:', 7]) {
        const error = await requestError(
          ann.socket,
          'addReaction',
          { messageId: message.id, emoji },
          'VALIDATION_FAILED',
        );
        expect(fieldsOf(error)).toEqual(['emoji']);
      }
      expect((await stored(message.id)).map((r) => r.emoji).sort()).toEqual(
        ['1️⃣', '🇯🇵', '👩‍💻', '👍🏾', ':shipit:'].sort(),
      );
    });

    it('should answer NOT_FOUND to an outsider and a removed member, storing and broadcasting nothing', async () => {
      const { message } = await setUp('Membership');
      const silent = await expectSilenceOn([ann.socket, ben.socket], 'reactionAdded');

      await requestError(out.socket, 'addReaction', { messageId: message.id, emoji: '👀' }, 'NOT_FOUND');
      await requestError(dan.socket, 'addReaction', { messageId: message.id, emoji: '👀' }, 'NOT_FOUND');
      const overRest = await http(t.url, 'POST', `/messages/${message.id}/reactions`, {
        token: dan.token,
        body: { emoji: '👀' },
      });

      expect(overRest.status).toBe(404);
      await verifyAll(silent);
      expect(await stored(message.id)).toEqual([]);
    });

    it('should refuse reacting to a deleted message, and deleting a message should clear its reactions', async () => {
      const { message } = await setUp('Deleted');
      await requestOk(ann.socket, 'addReaction', { messageId: message.id, emoji: '👍' });
      await requestOk(ben.socket, 'deleteMessage', { messageId: message.id });
      expect(await stored(message.id)).toEqual([]);

      await requestError(ann.socket, 'addReaction', { messageId: message.id, emoji: '👍' }, 'CONFLICT');
      expect(await stored(message.id)).toEqual([]);
      const page = await requestOk(ann.socket, 'getMessages', { chatRoomId: message.chatRoomId });
      expect(page.messages[0]).toMatchObject({ id: message.id, reactions: [], deletedAt: expect.any(String) });
    });

    it('should refuse a 51st distinct emoji with LIMIT_REACHED, and still let people join an emoji in use', async () => {
      const { room, message } = await setUp('Cap');
      // 49 distinct emoji by other (directory-unknown) users, then the 50th and 51st over the socket.
      await t.prisma.messageReaction.createMany({
        data: Array.from({ length: 49 }, (_, i) => ({ messageId: message.id, userId: `seed-${i}`, emoji: `:e${i}:` })),
      });
      await requestOk(ann.socket, 'addReaction', { messageId: message.id, emoji: '🎯' });
      const silent = await expectSilence(ben.socket, 'reactionAdded');

      const error = await requestError(
        ann.socket,
        'addReaction',
        { messageId: message.id, emoji: '🧊' },
        'LIMIT_REACHED',
      );
      expect(error.details).toEqual({ limit: 50 });
      await silent.verify();

      const joined = waitForEvent(ben.socket, 'reactionAdded', 5000, (e) => e.emoji === '🎯');
      await requestOk(ben.socket, 'addReaction', { messageId: message.id, emoji: '🎯' });
      await joined;
      const rows = await stored(message.id);
      expect(new Set(rows.map((r) => r.emoji)).size).toBe(50);
      expect(
        rows
          .filter((r) => r.emoji === '🎯')
          .map((r) => r.userId)
          .sort(),
      ).toEqual([ann.id, ben.id].sort());
      expect(room.id).toBe(message.chatRoomId);
    });

    it('should never pass 50 distinct emoji when new ones race (count and insert under one lock per message)', async () => {
      const { message } = await setUp('Race');
      await t.prisma.messageReaction.createMany({
        data: Array.from({ length: 45 }, (_, i) => ({ messageId: message.id, userId: `seed-${i}`, emoji: `:e${i}:` })),
      });
      const racers = [ann.socket, ann2, ben.socket];
      const acks = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          request(racers[i % racers.length], 'addReaction', { messageId: message.id, emoji: `:race${i}:` }),
        ),
      );
      expect(acks.filter((a) => a.ok)).toHaveLength(5);
      expect(acks.filter((a) => !a.ok).map((a) => (a.ok ? '' : a.error.code))).toEqual(Array(7).fill('LIMIT_REACHED'));
      expect(new Set((await stored(message.id)).map((r) => r.emoji)).size).toBe(50);
    });
  });

  describe('removeReaction', () => {
    it('should delete the row and send reactionRemoved once to the room; removing again is harmless', async () => {
      const { room, message } = await setUp('Remove');
      await requestOk(ann.socket, 'addReaction', { messageId: message.id, emoji: '👍' });
      await requestOk(ben.socket, 'addReaction', { messageId: message.id, emoji: '👍' });
      const event: Stamped<ReactionEvent> = {
        chatRoomId: room.id,
        messageId: message.id,
        userId: ann.id,
        emoji: '👍',
        eventSeq: 5,
      };
      const delivered = [ann.socket, ann2, ben.socket].map((s) => waitForEvent(s, 'reactionRemoved', 5000));
      const silent = await expectSilenceOn([out.socket, dan.socket], 'reactionRemoved');

      expect(await requestOk(ann.socket, 'removeReaction', { messageId: message.id, emoji: '👍' })).toEqual(event);

      for (const received of await Promise.all(delivered)) expect(received).toEqual(event);
      await verifyAll(silent);
      expect((await stored(message.id)).map((r) => r.userId)).toEqual([ben.id]);

      const again = await expectSilenceOn([ann.socket, ben.socket], 'reactionRemoved');
      await requestOk(ann.socket, 'removeReaction', { messageId: message.id, emoji: '👍' });
      await verifyAll(again);
      expect((await stored(message.id)).map((r) => r.userId)).toEqual([ben.id]);
    });

    it('should not let a removed member remove their old reaction', async () => {
      const room = await createGroup(ann, [ben, dan], 'Removed remover');
      const message = await sendText(ben, room.id, 'hi');
      await requestOk(dan.socket, 'addReaction', { messageId: message.id, emoji: '👋' });
      await requestOk(ann.socket, 'removeParticipant', { chatRoomId: room.id, userId: dan.id });

      await requestError(dan.socket, 'removeReaction', { messageId: message.id, emoji: '👋' }, 'NOT_FOUND');
      expect((await stored(message.id)).map((r) => r.userId)).toEqual([dan.id]);
    });
  });

  describe('message views', () => {
    it('should carry reactions with counts and the viewer’s own `me` in history, and counts in messageUpdated', async () => {
      const { message } = await setUp('Views');
      expect(message.reactions).toEqual([]);
      await requestOk(ann.socket, 'addReaction', { messageId: message.id, emoji: '👍' });
      await requestOk(ben.socket, 'addReaction', { messageId: message.id, emoji: '👍' });
      await requestOk(ben.socket, 'addReaction', { messageId: message.id, emoji: '😂' });

      const annsPage = await requestOk(ann.socket, 'getMessages', { chatRoomId: message.chatRoomId });
      const bensPage = await http(t.url, 'GET', `/chat-rooms/${message.chatRoomId}/messages`, { token: ben.token });
      expect(annsPage.messages[0].reactions).toEqual([
        { emoji: '👍', count: 2, me: true },
        { emoji: '😂', count: 1, me: false },
      ]);
      expect(bensPage.body.messages[0].reactions).toEqual([
        { emoji: '👍', count: 2, me: true },
        { emoji: '😂', count: 1, me: true },
      ]);

      const updated = waitForEvent(ann.socket, 'messageUpdated');
      await requestOk(ben.socket, 'editMessage', { messageId: message.id, content: 'edited' });
      // A broadcast has no single viewer: counts, `me` false.
      expect((await updated).reactions).toEqual([
        { emoji: '👍', count: 2, me: false },
        { emoji: '😂', count: 1, me: false },
      ]);
    });
  });

  describe('getReactions', () => {
    it('should page who reacted, oldest first, with names from the directory, to members only', async () => {
      const { message } = await setUp('Who');
      for (const u of [ben, ann]) await requestOk(u.socket, 'addReaction', { messageId: message.id, emoji: '❤️' });
      await t.prisma.messageReaction.create({ data: { messageId: message.id, userId: 'gone', emoji: '❤️' } });

      const first = await requestOk(ann.socket, 'getReactions', { messageId: message.id, emoji: '❤️', limit: 2 });
      expect(first.users).toEqual([
        { userId: ben.id, name: 'ben', avatarUrl: null, reactedAt: expect.any(String) },
        { userId: ann.id, name: 'ann', avatarUrl: null, reactedAt: expect.any(String) },
      ]);
      expect(first.nextCursor).toEqual(expect.any(String));
      const rest = await http(
        t.url,
        'GET',
        `/messages/${message.id}/reactions?emoji=${encodeURIComponent('❤️')}&limit=2&cursor=${first.nextCursor}`,
        { token: ben.token },
      );
      expect(rest.status).toBe(200);
      expect(rest.body).toEqual({
        users: [{ userId: 'gone', name: 'gone', avatarUrl: null, reactedAt: expect.any(String) }],
        nextCursor: null,
      });

      await requestError(out.socket, 'getReactions', { messageId: message.id, emoji: '❤️' }, 'NOT_FOUND');
      await requestError(dan.socket, 'getReactions', { messageId: message.id, emoji: '❤️' }, 'NOT_FOUND');
    });
  });

  describe('REST', () => {
    it('should add (201), list and remove (URL-encoded emoji) with the same broadcasts as the socket', async () => {
      const { message } = await setUp('Rest');
      const added = waitForEvent(ben.socket, 'reactionAdded', 5000, onMessage(message.id));
      const res = await http(t.url, 'POST', `/messages/${message.id}/reactions`, {
        token: ann.token,
        body: { emoji: '🔥' },
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        chatRoomId: message.chatRoomId,
        messageId: message.id,
        userId: ann.id,
        emoji: '🔥',
        eventSeq: 3,
      });
      expect(await added).toEqual(res.body);

      const bad = await http(t.url, 'POST', `/messages/${message.id}/reactions`, {
        token: ann.token,
        body: { emoji: 'fire' },
      });
      expect(bad.status).toBe(400);
      expect(fieldsOf(bad.body)).toEqual(['emoji']);

      const removed = waitForEvent(ben.socket, 'reactionRemoved', 5000, onMessage(message.id));
      const del = await http(t.url, 'DELETE', `/messages/${message.id}/reactions/${encodeURIComponent('🔥')}`, {
        token: ann.token,
      });
      expect(del.status).toBe(200);
      expect(del.body).toEqual({ ...res.body, eventSeq: 4 });
      expect(await removed).toEqual(del.body);
      expect(await stored(message.id)).toEqual([]);
    });
  });
});
