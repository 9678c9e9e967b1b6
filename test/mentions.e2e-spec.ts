import type { ChatRoomView, MessageView } from '../src/contract/chat.events';
import { OfflineNotifier } from '../src/notifications/offline-notifier';
import {
  ChatUser,
  createChatUsers,
  createGroup,
  expectSilenceOn,
  fieldsOf,
  inRoom,
  requestError,
  sendText,
  verifyAll,
} from './helpers/chat-factory';
import { http, registerUser } from './helpers/http';
import { ChatClient, closeAllSockets, connectChat, requestOk, waitForEvent } from './helpers/socket';
import { startTestApp, TestApp } from './helpers/test-app';

interface NotifierCall {
  recipientIds: string[];
  mentionedIds: string[] | undefined;
}

/** Records what the OfflineNotifier was told, per message (ids sorted). */
class RecordingNotifier extends OfflineNotifier {
  private readonly byMessage = new Map<string, NotifierCall>();
  private waiters: { messageId: string; resolve: (call: NotifierCall | null) => void }[] = [];

  notify(recipientIds: string[], message: MessageView, context?: { mentionedIds: string[] }): void {
    const call = { recipientIds: [...recipientIds].sort(), mentionedIds: context?.mentionedIds?.slice().sort() };
    this.byMessage.set(message.id, call);
    for (const w of this.waiters.filter((w) => w.messageId === message.id)) w.resolve(call);
  }

  /** What the notifier was told about the message (null when, after `timeoutMs`, it was not called). */
  callFor(messageId: string, timeoutMs = 2000): Promise<NotifierCall | null> {
    const known = this.byMessage.get(messageId);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      this.waiters.push({
        messageId,
        resolve: (call) => {
          clearTimeout(timer);
          resolve(call);
        },
      });
    });
  }
}

describe('mentions (e2e)', () => {
  let t: TestApp;
  const notifier = new RecordingNotifier();
  let ann: ChatUser; // OWNER of the rooms, the sender
  let ben: ChatUser;
  let cid: ChatUser;
  let dan: ChatUser; // removed from the rooms again
  let out: ChatUser; // in none of them
  let ben2: ChatClient; // ben's second socket

  /** A room of ann (owner), ben and cid, with dan added and removed again. */
  const setUp = async (name: string): Promise<ChatRoomView> => {
    const room = await createGroup(ann, [ben, cid, dan], name);
    await requestOk(ann.socket, 'removeParticipant', { chatRoomId: room.id, userId: dan.id });
    return room;
  };

  const mentionRows = (where: { messageId?: string; chatRoomId?: string }) =>
    t.prisma.messageMention.findMany({ where, orderBy: [{ seq: 'asc' }, { position: 'asc' }] });

  /** The room as `user` sees it in getChatRooms, GET /chat-rooms and GET /chat-rooms/:id: all three must agree. */
  const mentionCount = async (user: ChatUser, chatRoomId: string): Promise<number> => {
    const overSocket = (await requestOk(user.socket, 'getChatRooms', {})).find((r) => r.id === chatRoomId);
    const list = await http(t.url, 'GET', '/chat-rooms', { token: user.token });
    const overList = (list.body as ChatRoomView[]).find((r) => r.id === chatRoomId);
    const one = await http(t.url, 'GET', `/chat-rooms/${chatRoomId}`, { token: user.token });
    expect(overList?.unreadMentionCount).toBe(overSocket?.unreadMentionCount);
    expect(one.body.unreadMentionCount).toBe(overSocket?.unreadMentionCount);
    return overSocket!.unreadMentionCount;
  };

  beforeAll(async () => {
    t = await startTestApp({ chat: { offlineNotifier: notifier } });
    [ann, ben, cid, dan, out] = await createChatUsers(t, 'ann', 'ben', 'cid', 'dan', 'out');
    ben2 = await connectChat(t.url, ben.token);
  });
  afterAll(async () => {
    closeAllSockets();
    await t.close();
  });

  describe('sendMessage { mentions }', () => {
    it('should store the mentions in the order given and show them in the ack, the broadcast and history', async () => {
      const room = await setUp('Mention');
      const plain = await sendText(ann, room.id, 'nobody mentioned');
      expect(plain.mentionedUserIds).toEqual([]);
      const delivered = [ben.socket, ben2, cid.socket].map((s) =>
        waitForEvent(s, 'newMessage', 5000, (m) => m.chatRoomId === room.id && m.mentionedUserIds.length > 0),
      );

      const ack = await requestOk(ann.socket, 'sendMessage', {
        chatRoomId: room.id,
        content: '@cid and @ben, look',
        mentions: [cid.id, ben.id],
      });

      expect(ack).toMatchObject({ seq: 2, mentionedUserIds: [cid.id, ben.id] });
      for (const received of await Promise.all(delivered)) expect(received).toEqual(ack);
      // `position` keeps the order given (its base is the server's business).
      expect(await mentionRows({ chatRoomId: room.id })).toEqual([
        { messageId: ack.id, userId: cid.id, chatRoomId: room.id, seq: 2, position: expect.any(Number) },
        { messageId: ack.id, userId: ben.id, chatRoomId: room.id, seq: 2, position: expect.any(Number) },
      ]);
      const page = await requestOk(ben.socket, 'getMessages', { chatRoomId: room.id });
      expect(page.messages.map((m) => m.mentionedUserIds)).toEqual([[], [cid.id, ben.id]]);
    });

    it('should mention over REST too, and take an empty list as no mentions', async () => {
      const room = await setUp('Mention over REST');
      const toCid = waitForEvent(cid.socket, 'newMessage', 5000, inRoom(room.id));
      const res = await http(t.url, 'POST', `/chat-rooms/${room.id}/messages`, {
        token: ben.token,
        body: { content: 'hey @cid', mentions: [cid.id] },
      });
      expect(res.status).toBe(201);
      expect(res.body.mentionedUserIds).toEqual([cid.id]);
      expect(await toCid).toEqual(res.body);
      expect(await mentionRows({ messageId: res.body.id })).toMatchObject([{ userId: cid.id, chatRoomId: room.id }]);

      const none = await requestOk(ann.socket, 'sendMessage', { chatRoomId: room.id, content: 'no one', mentions: [] });
      expect(none.mentionedUserIds).toEqual([]);
      expect(await mentionRows({ messageId: none.id })).toEqual([]);
    });

    it('should accept 50 mentions and refuse 51', async () => {
      const room = await setUp('Fifty');
      // Members the host's directory does not know: membership is what counts.
      const seeded = Array.from({ length: 51 }, (_, i) => `seed-${String(i).padStart(2, '0')}`);
      await t.prisma.chatRoomParticipant.createMany({
        data: seeded.map((userId) => ({ chatRoomId: room.id, userId })),
      });

      const fifty = await requestOk(ann.socket, 'sendMessage', {
        chatRoomId: room.id,
        content: 'everyone',
        mentions: seeded.slice(0, 50),
      });
      expect(fifty.mentionedUserIds).toEqual(seeded.slice(0, 50));
      const rows = await mentionRows({ messageId: fifty.id });
      expect(rows.map((r) => r.userId)).toEqual(seeded.slice(0, 50));
      expect(new Set(rows.map((r) => r.position)).size).toBe(50);

      const error = await requestError(
        ann.socket,
        'sendMessage',
        { chatRoomId: room.id, content: 'too many', mentions: seeded },
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(error)).toEqual(['mentions']);
      expect(await t.prisma.message.count({ where: { chatRoomId: room.id } })).toBe(1);
      expect(await mentionRows({ chatRoomId: room.id })).toHaveLength(50);
    });

    it.each<[string, () => unknown]>([
      ['the same user twice', () => [ben.id, cid.id, ben.id]],
      ['someone who is not in the room', () => [ben.id, out.id]],
      ['a removed member', () => [dan.id]],
      ['an unknown user', () => ['nobody-at-all']],
      ['a list that is not a list of ids', () => [ben.id, 42]],
      ['a single id instead of a list', () => ben.id],
    ])(
      'should refuse mentioning %s with VALIDATION_FAILED on mentions, storing and broadcasting nothing',
      async (_, mentions) => {
        const room = await setUp('Bad mentions');
        const silent = await expectSilenceOn([ben.socket, ben2, cid.socket, out.socket, dan.socket], 'newMessage');

        const error = await requestError(
          ann.socket,
          'sendMessage',
          { chatRoomId: room.id, content: 'hey you', mentions: mentions() },
          'VALIDATION_FAILED',
        );
        const rest = await http(t.url, 'POST', `/chat-rooms/${room.id}/messages`, {
          token: ann.token,
          body: { content: 'hey you', mentions: mentions() },
        });

        expect(fieldsOf(error)).toEqual(['mentions']);
        expect(rest.status).toBe(400);
        expect(fieldsOf(rest.body)).toEqual(['mentions']);
        await verifyAll(silent);
        expect(await t.prisma.message.count({ where: { chatRoomId: room.id } })).toBe(0);
        expect(await mentionRows({ chatRoomId: room.id })).toEqual([]);
      },
    );

    it('should store nothing, not even the DIRECT room, when a first direct message mentions a stranger', async () => {
      const [eve, fay] = await createChatUsers(t, 'eve', 'fay');
      const silent = [
        ...(await expectSilenceOn([eve.socket, fay.socket], 'chatRoomCreated')),
        ...(await expectSilenceOn([eve.socket, fay.socket], 'newMessage')),
      ];

      const error = await requestError(
        eve.socket,
        'sendMessage',
        { recipientId: fay.id, content: 'hi @out', mentions: [out.id] },
        'VALIDATION_FAILED',
      );

      expect(fieldsOf(error)).toEqual(['mentions']);
      await verifyAll(silent);
      expect(await t.prisma.chatRoomParticipant.findMany({ where: { userId: { in: [eve.id, fay.id] } } })).toEqual([]);
    });

    it('should keep the mentions when the message is edited', async () => {
      const room = await setUp('Edit mentions');
      const message = await requestOk(ann.socket, 'sendMessage', {
        chatRoomId: room.id,
        content: 'hi @ben',
        mentions: [ben.id],
      });
      const updated = waitForEvent(ben2, 'messageUpdated', 5000, inRoom(room.id));

      const edited = await requestOk(ann.socket, 'editMessage', { messageId: message.id, content: 'hello @ben' });

      expect(edited.mentionedUserIds).toEqual([ben.id]);
      expect((await updated).mentionedUserIds).toEqual([ben.id]);
      expect(await mentionRows({ messageId: message.id })).toMatchObject([{ userId: ben.id }]);
    });

    it('should clear the mentions of a deleted message, in its view and in storage', async () => {
      const room = await setUp('Delete mentions');
      const message = await requestOk(ann.socket, 'sendMessage', {
        chatRoomId: room.id,
        content: 'hi @ben',
        mentions: [ben.id],
      });
      expect(await mentionRows({ messageId: message.id })).toHaveLength(1);

      await requestOk(ann.socket, 'deleteMessage', { messageId: message.id });

      expect(await mentionRows({ messageId: message.id })).toEqual([]);
      const page = await requestOk(ben.socket, 'getMessages', { chatRoomId: room.id });
      expect(page.messages[0]).toMatchObject({ id: message.id, mentionedUserIds: [], deletedAt: expect.any(String) });
    });
  });

  describe('unreadMentionCount', () => {
    it('should count unread messages that mention the viewer, follow the read cursor both ways, and drop deleted ones', async () => {
      const room = await setUp('Unread mentions');
      const m1 = await sendText(ann, room.id, 'hello all');
      const m2 = await requestOk(ann.socket, 'sendMessage', {
        chatRoomId: room.id,
        content: '@ben?',
        mentions: [ben.id],
      });
      const m3 = await requestOk(ann.socket, 'sendMessage', {
        chatRoomId: room.id,
        content: '@ben @cid!',
        mentions: [ben.id, cid.id],
      });
      const m4 = await sendText(ann, room.id, 'bye');

      expect(await mentionCount(ben, room.id)).toBe(2);
      expect(await mentionCount(cid, room.id)).toBe(1);
      expect(await mentionCount(ann, room.id)).toBe(0);

      await requestOk(ben.socket, 'markAsRead', { chatRoomId: room.id, messageId: m4.id });
      expect(await mentionCount(ben, room.id)).toBe(0);
      expect(await mentionCount(cid, room.id)).toBe(1);

      await requestOk(ben.socket, 'markAsUnread', { chatRoomId: room.id, messageId: m3.id });
      expect(await mentionCount(ben, room.id)).toBe(1);
      await requestOk(ben.socket, 'markAsUnread', { chatRoomId: room.id, messageId: m2.id });
      expect(await mentionCount(ben, room.id)).toBe(2);
      await requestOk(ben.socket, 'markAsRead', { chatRoomId: room.id, messageId: m2.id });
      expect(await mentionCount(ben, room.id)).toBe(1);

      await requestOk(ann.socket, 'deleteMessage', { messageId: m3.id });
      expect(await mentionCount(ben, room.id)).toBe(0);
      expect(await mentionCount(cid, room.id)).toBe(0);
      expect(await mentionRows({ chatRoomId: room.id })).toEqual([
        { messageId: m2.id, userId: ben.id, chatRoomId: room.id, seq: 2, position: expect.any(Number) },
      ]);
      await requestOk(ben.socket, 'markAsUnread', { chatRoomId: room.id, messageId: m1.id });
      expect(await mentionCount(ben, room.id)).toBe(1);
      await requestOk(ann.socket, 'deleteMessage', { messageId: m2.id });
      expect(await mentionCount(ben, room.id)).toBe(0);
      expect(await mentionRows({ chatRoomId: room.id })).toEqual([]);
    });
  });

  describe('offline notifications', () => {
    it('should tell the notifier which offline recipients were mentioned, and break through their mute', async () => {
      // Offline: registered, no socket. cara mutes the room; eve does not.
      const [cara, eve] = await Promise.all([registerUser(t.url, 'cara'), registerUser(t.url, 'eve')]);
      const room = await requestOk(ann.socket, 'createChatRoom', {
        type: 'GROUP',
        name: 'Offline mentions',
        participantIds: [ben.id, cara.user.id, eve.user.id],
      });
      const muted = await http(t.url, 'POST', `/chat-rooms/${room.id}/mute`, { token: cara.token, body: {} });
      expect(muted.status).toBe(200);
      const send = (content: string, mentions: string[]) =>
        requestOk(ann.socket, 'sendMessage', { chatRoomId: room.id, content, mentions });

      // An ordinary message: the muted member is left out.
      const ordinary = await send('nothing special', []);
      expect(await notifier.callFor(ordinary.id)).toEqual({ recipientIds: [eve.user.id], mentionedIds: [] });

      // Mentioning the muted member (and ben, who is online): she is told, as mentioned; ben is online, so not.
      const toCara = await send('@cara @ben', [cara.user.id, ben.id]);
      expect(await notifier.callFor(toCara.id)).toEqual({
        recipientIds: [cara.user.id, eve.user.id].sort(),
        mentionedIds: [cara.user.id],
      });

      // Mentioning eve only: cara's mute holds again.
      const toEve = await send('@eve', [eve.user.id]);
      expect(await notifier.callFor(toEve.id)).toEqual({ recipientIds: [eve.user.id], mentionedIds: [eve.user.id] });
    });
  });
});
