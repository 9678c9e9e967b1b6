import type { MessageView } from '../src/contract/chat.events';
import { NotificationsService } from '../src/notifications/notifications.service';
import { OfflineNotifier } from '../src/notifications/offline-notifier';
import { PresenceService } from '../src/presence/presence.service';
import { unstamped } from './helpers/chat-factory';
import { http, registerUser, RegisteredUser } from './helpers/http';
import {
  ChatClient,
  closeAllSockets,
  collect,
  connectChat,
  recordNone,
  request,
  requestOk,
  waitForEvent,
} from './helpers/socket';
import { startTestApp, TestApp } from './helpers/test-app';

const TYPING_TIMEOUT_MS = 400;

/** Records what the OfflineNotifier was handed, and lets a test await the next call. */
class RecordingNotifier extends OfflineNotifier {
  readonly calls: { recipientIds: string[]; message: MessageView }[] = [];
  private waiters: ((call: { recipientIds: string[]; message: MessageView }) => void)[] = [];

  notify(recipientIds: string[], message: MessageView): void {
    const call = { recipientIds: [...recipientIds].sort(), message };
    this.calls.push(call);
    for (const w of this.waiters.splice(0)) w(call);
  }

  next(timeoutMs = 5000): Promise<{ recipientIds: string[]; message: MessageView }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('OfflineNotifier was not called')), timeoutMs);
      this.waiters.push((call) => {
        clearTimeout(timer);
        resolve(call);
      });
    });
  }
}

describe('live status (e2e)', () => {
  let t: TestApp;
  const notifier = new RecordingNotifier();

  beforeAll(async () => {
    t = await startTestApp({
      env: { TYPING_TIMEOUT_MS: String(TYPING_TIMEOUT_MS) },
      chat: { offlineNotifier: notifier },
    });
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    await t.close();
  });

  async function users(...names: string[]): Promise<RegisteredUser[]> {
    return Promise.all(names.map((n) => registerUser(t.url, n)));
  }

  async function groupOf(owner: ChatClient, members: RegisteredUser[]): Promise<string> {
    const room = await requestOk(owner, 'createChatRoom', {
      type: 'GROUP',
      name: 'live',
      participantIds: members.map((m) => m.user.id),
    });
    return room.id;
  }

  describe('typing', () => {
    let a: RegisteredUser, b: RegisteredUser, c: RegisteredUser;
    let sa: ChatClient, sa2: ChatClient, sb: ChatClient, sc: ChatClient;
    let roomId: string;

    beforeEach(async () => {
      [a, b, c] = await users('typer', 'watcher', 'outsider');
      [sa, sa2, sb, sc] = await Promise.all([
        connectChat(t.url, a.token),
        connectChat(t.url, a.token),
        connectChat(t.url, b.token),
        connectChat(t.url, c.token),
      ]);
      const created = waitForEvent(sb, 'chatRoomCreated');
      roomId = (await requestOk(sa, 'createChatRoom', { type: 'DIRECT', participantIds: [b.user.id] })).id;
      await created;
    });

    it('should tell the others once, not the typist’s own sockets, and renew silently', async () => {
      const seenByB = collect(sb, 'userTyping');
      const notToTypistOrOutsider = [sa, sa2, sc].map((s) => recordNone(s, 'userTyping'));
      const started = waitForEvent(sb, 'userTyping');
      expect(await requestOk(sa, 'typing', { chatRoomId: roomId, isTyping: true })).toEqual({
        chatRoomId: roomId,
        isTyping: true,
      });
      expect(await started).toEqual({ chatRoomId: roomId, userId: a.user.id, isTyping: true });
      // (The timeout may end it meanwhile on a slow machine: only a second start would be wrong.)
      const renewedSilently = recordNone(sb, 'userTyping', (e) => e.isTyping);
      await requestOk(sa, 'typing', { chatRoomId: roomId, isTyping: true });
      await requestOk(sa2, 'typing', { chatRoomId: roomId, isTyping: true });
      await Promise.all([...notToTypistOrOutsider, renewedSilently].map((none) => none.verify()));
      expect(seenByB.filter((e) => e.isTyping)).toHaveLength(1);
    });

    it('should end by itself after TYPING_TIMEOUT_MS, renewals extending it', async () => {
      const started = Date.now();
      await requestOk(sa, 'typing', { chatRoomId: roomId, isTyping: true });
      await new Promise((r) => setTimeout(r, TYPING_TIMEOUT_MS / 2));
      await requestOk(sa, 'typing', { chatRoomId: roomId, isTyping: true });
      const renewedAt = Date.now();
      const stopped = await waitForEvent(sb, 'userTyping', 3000, (e) => !e.isTyping);
      expect(stopped).toEqual({ chatRoomId: roomId, userId: a.user.id, isTyping: false });
      expect(Date.now() - renewedAt).toBeGreaterThanOrEqual(TYPING_TIMEOUT_MS - 50);
      expect(Date.now() - started).toBeGreaterThanOrEqual(TYPING_TIMEOUT_MS * 1.5 - 50);
    });

    it('should end with one broadcast when asked, and not again on the timeout', async () => {
      const events = collect(sb, 'userTyping');
      await requestOk(sa, 'typing', { chatRoomId: roomId, isTyping: true });
      await requestOk(sa, 'typing', { chatRoomId: roomId, isTyping: false });
      await requestOk(sa, 'typing', { chatRoomId: roomId, isTyping: false });
      await new Promise((r) => setTimeout(r, TYPING_TIMEOUT_MS + 200));
      expect(events.map((e) => e.isTyping)).toEqual([true, false]);
    });

    it('should end when the typist sends a message in the room', async () => {
      const started = waitForEvent(sb, 'userTyping', 2000, (e) => e.isTyping);
      await requestOk(sa, 'typing', { chatRoomId: roomId, isTyping: true });
      await started;
      const stopped = waitForEvent(sb, 'userTyping', 1000, (e) => !e.isTyping);
      await requestOk(sa, 'sendMessage', { chatRoomId: roomId, content: 'done typing' });
      expect(await stopped).toMatchObject({ userId: a.user.id, isTyping: false });
    });

    it('should end when the typist’s last socket disconnects, not before', async () => {
      const started = waitForEvent(sb, 'userTyping', 2000, (e) => e.isTyping);
      await requestOk(sa, 'typing', { chatRoomId: roomId, isTyping: true });
      await started;
      const notYet = recordNone(sb, 'userTyping');
      sa2.disconnect();
      await notYet.verify();
      const stopped = waitForEvent(sb, 'userTyping', 1000, (e) => !e.isTyping);
      sa.disconnect();
      expect(await stopped).toMatchObject({ userId: a.user.id, isTyping: false });
    });

    it('should refuse typing in a room one is not in, broadcasting nothing', async () => {
      const nothing = [sa, sb].map((s) => recordNone(s, 'userTyping'));
      const ack = await request(sc, 'typing', { chatRoomId: roomId, isTyping: true });
      expect(ack).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      await Promise.all(nothing.map((none) => none.verify()));
    });

    it('should broadcast a flood of typing events once', async () => {
      const events = collect(sb, 'userTyping');
      await Promise.all(
        Array.from({ length: 50 }, () => requestOk(sa, 'typing', { chatRoomId: roomId, isTyping: true })),
      );
      await requestOk(sa, 'typing', { chatRoomId: roomId, isTyping: false });
      await waitForEvent(sb, 'userTyping', 1000, (e) => !e.isTyping).catch(() => undefined);
      expect(events.map((e) => e.isTyping)).toEqual([true, false]);
    });

    it('should refuse a payload that is not { chatRoomId, isTyping }', async () => {
      const ack = await request(sa, 'typing', { chatRoomId: roomId, isTyping: 'yes' });
      expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', details: [{ field: 'isTyping' }] } });
    });
  });

  describe('presence', () => {
    it('should go online with the first socket, offline only after the last, and tell only room-mates', async () => {
      const [a, mate, stranger] = await users('present', 'mate', 'stranger');
      const [sMate, sStranger] = await Promise.all([
        connectChat(t.url, mate.token),
        connectChat(t.url, stranger.token),
      ]);
      // The stranger shares no room with anyone: whatever happens to a, they hear none of it.
      const strangerHearsNothing = recordNone(sStranger, 'userStatus');
      const sa0 = await connectChat(t.url, a.token);
      const created = waitForEvent(sMate, 'chatRoomCreated');
      await requestOk(sa0, 'createChatRoom', { type: 'DIRECT', participantIds: [mate.user.id] });
      await created;
      sa0.disconnect();
      await waitForEvent(sMate, 'userStatus', 2000, (e) => e.userId === a.user.id && !e.isOnline);

      const online = waitForEvent(sMate, 'userStatus', 2000, (e) => e.userId === a.user.id);
      const tab1 = await connectChat(t.url, a.token);
      const status = await online;
      expect(status).toMatchObject({ userId: a.user.id, isOnline: true });
      expect(Date.parse(status.lastSeenAt!)).toBeGreaterThan(Date.now() - 10_000);
      const noSecondOnline = recordNone(sMate, 'userStatus');
      const tab2 = await connectChat(t.url, a.token);
      await noSecondOnline.verify();

      expect(await requestOk(sMate, 'getOnlineUsers', {})).toEqual({ userIds: [a.user.id] });
      const notOfflineYet = recordNone(sMate, 'userStatus');
      tab1.disconnect();
      await notOfflineYet.verify();
      // The stranger is online too, but no room-mate of the asker: left out.
      expect(await requestOk(sMate, 'getOnlineUsers', { userIds: [a.user.id, stranger.user.id] })).toEqual({
        userIds: [a.user.id],
      });

      const offline = waitForEvent(sMate, 'userStatus', 2000, (e) => e.userId === a.user.id);
      tab2.disconnect();
      const gone = await offline;
      expect(gone).toMatchObject({ userId: a.user.id, isOnline: false });
      const stored = await t.prisma.userState.findUniqueOrThrow({ where: { userId: a.user.id } });
      expect(stored.lastSeenAt?.toISOString()).toBe(gone.lastSeenAt);
      expect(await requestOk(sMate, 'getOnlineUsers', {})).toEqual({ userIds: [] });
      await strangerHearsNothing.verify();
    });

    it('should answer GET /presence with status and lastSeenAt, and the host API with counts', async () => {
      const [a, b] = await users('rest-presence-a', 'rest-presence-b');
      const sa = await connectChat(t.url, a.token);
      await requestOk(sa, 'createChatRoom', { type: 'DIRECT', participantIds: [b.user.id] });
      const presence = t.app.get(PresenceService);
      expect(await presence.isUserOnline(a.user.id)).toBe(true);
      expect(await presence.isUserOnline(b.user.id)).toBe(false);
      expect(await presence.getOnlineUsersCount()).toBeGreaterThanOrEqual(1);

      const res = await http(t.url, 'GET', `/presence?userIds=${a.user.id},${b.user.id}`, { token: b.token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(
        expect.arrayContaining([
          { userId: a.user.id, isOnline: true, lastSeenAt: expect.any(String) },
          { userId: b.user.id, isOnline: false, lastSeenAt: null },
        ]),
      );
      // Unknown ids are left out; an id longer than 255 characters is refused.
      expect((await http(t.url, 'GET', '/presence?userIds=not-a-user', { token: b.token })).body).toEqual([]);
      expect((await http(t.url, 'GET', `/presence?userIds=${'x'.repeat(256)}`, { token: b.token })).status).toBe(400);
      sa.disconnect();
    });

    it('should answer presence only about the caller and their room-mates, over REST and the socket', async () => {
      const [asker, mate, stranger] = await users('asker', 'asked-mate', 'asked-stranger');
      const [sAsker] = await Promise.all([
        connectChat(t.url, asker.token),
        connectChat(t.url, mate.token),
        connectChat(t.url, stranger.token),
      ]);
      await requestOk(sAsker, 'createChatRoom', { type: 'DIRECT', participantIds: [mate.user.id] });
      const everyone = [asker.user.id, mate.user.id, stranger.user.id];
      const askRest = async (): Promise<string[]> => {
        const res = await http(t.url, 'GET', `/presence?userIds=${everyone.join(',')}`, { token: asker.token });
        expect(res.status).toBe(200);
        return (res.body as { userId: string; isOnline: boolean }[]).map((s) => s.userId).sort();
      };
      const askSocket = async (): Promise<string[]> =>
        (await requestOk(sAsker, 'getOnlineUsers', { userIds: everyone })).userIds.sort();

      // All three are online; the stranger is left out, as an unknown id would be.
      expect(await askRest()).toEqual([asker.user.id, mate.user.id].sort());
      expect(await askSocket()).toEqual([asker.user.id, mate.user.id].sort());
      const aboutStranger = await http(t.url, 'GET', `/presence?userIds=${stranger.user.id}`, { token: asker.token });
      expect(aboutStranger.body).toEqual([]);

      // Sharing a room is what makes them visible.
      await requestOk(sAsker, 'createChatRoom', { type: 'DIRECT', participantIds: [stranger.user.id] });
      expect(await askRest()).toEqual([...everyone].sort());
      expect(await askSocket()).toEqual([...everyone].sort());
    });
  });

  describe('delivered and read', () => {
    it('should move cursors forward only, broadcast each move, and keep unread counts right across rooms', async () => {
      const [a, b, c] = await users('sender', 'reader', 'third');
      const [sa, sb, sc] = await Promise.all([
        connectChat(t.url, a.token),
        connectChat(t.url, b.token),
        connectChat(t.url, c.token),
      ]);
      const direct = (await requestOk(sa, 'createChatRoom', { type: 'DIRECT', participantIds: [b.user.id] })).id;
      const group = await groupOf(sa, [b, c]);
      const m: MessageView[] = [];
      for (let i = 1; i <= 3; i++) m.push(await requestOk(sa, 'sendMessage', { chatRoomId: direct, content: `d${i}` }));
      const g1 = await requestOk(sc, 'sendMessage', { chatRoomId: group, content: 'g1' });
      await requestOk(sa, 'sendMessage', { chatRoomId: group, content: 'g2' });

      const unread = await http(t.url, 'GET', '/chat-rooms/unread-count', { token: b.token });
      expect(unread.status).toBe(200);
      expect(unread.body.unreadCount).toBe(5);
      expect(unread.body.chatRooms).toEqual(
        expect.arrayContaining([
          { chatRoomId: direct, unreadCount: 3 },
          { chatRoomId: group, unreadCount: 2 },
        ]),
      );
      // The sender's own messages are never unread for them; c has read up to their own g1.
      expect((await http(t.url, 'GET', '/chat-rooms/unread-count', { token: a.token })).body.unreadCount).toBe(0);
      expect((await requestOk(sc, 'getChatRooms', {})).find((r) => r.id === group)?.unreadCount).toBe(1);

      const delivered = waitForEvent(sa, 'messageStatus', 2000, (e) => e.status === 'delivered');
      expect(await requestOk(sb, 'markAsDelivered', { chatRoomId: direct, messageId: m[2].id })).toEqual({
        chatRoomId: direct,
        lastDeliveredSeq: 3,
        lastReadSeq: 0,
        unreadCount: 3,
      });
      expect(await delivered).toMatchObject({
        chatRoomId: direct,
        messageId: m[2].id,
        userId: b.user.id,
        status: 'delivered',
      });

      const read = waitForEvent(sa, 'messageStatus', 2000, (e) => e.status === 'read');
      expect(await requestOk(sb, 'markAsRead', { chatRoomId: direct, messageId: m[1].id })).toEqual({
        chatRoomId: direct,
        lastDeliveredSeq: 3,
        lastReadSeq: 2,
        unreadCount: 1,
      });
      expect(await read).toMatchObject({ messageId: m[1].id, userId: b.user.id, status: 'read' });

      // Backwards: ignored, nothing broadcast.
      const noMove = recordNone(sa, 'messageStatus');
      expect(await requestOk(sb, 'markAsRead', { chatRoomId: direct, messageId: m[0].id })).toMatchObject({
        lastReadSeq: 2,
        unreadCount: 1,
      });
      await noMove.verify();

      // Reading implies delivered: both cursors move in the group, two broadcasts.
      const statuses = collect(sc, 'messageStatus');
      const readInGroup = waitForEvent(sc, 'messageStatus', 2000, (e) => e.status === 'read');
      const res = await http(t.url, 'POST', `/chat-rooms/${group}/read`, {
        token: b.token,
        body: { messageId: g1.id },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ chatRoomId: group, lastDeliveredSeq: 1, lastReadSeq: 1, unreadCount: 1 });
      await readInGroup;
      expect(statuses.map((s) => s.status)).toEqual(['delivered', 'read']);

      const stored = await t.prisma.chatRoomParticipant.findUniqueOrThrow({
        where: { chatRoomId_userId: { chatRoomId: direct, userId: b.user.id } },
      });
      expect(stored).toMatchObject({ lastReadSeq: 2, lastDeliveredSeq: 3 });
      const after = await http(t.url, 'GET', '/chat-rooms/unread-count', { token: b.token });
      expect(after.body.unreadCount).toBe(2);
      expect((await requestOk(sb, 'getChatRooms', {})).find((r) => r.id === direct)?.unreadCount).toBe(1);
    });

    it('should refuse marks outside one’s rooms and message ids from another room', async () => {
      const [a, b, c] = await users('m-a', 'm-b', 'm-c');
      const [sa, sb, sc] = await Promise.all([
        connectChat(t.url, a.token),
        connectChat(t.url, b.token),
        connectChat(t.url, c.token),
      ]);
      const ab = (await requestOk(sa, 'createChatRoom', { type: 'DIRECT', participantIds: [b.user.id] })).id;
      const ac = (await requestOk(sa, 'createChatRoom', { type: 'DIRECT', participantIds: [c.user.id] })).id;
      const inAb = await requestOk(sa, 'sendMessage', { chatRoomId: ab, content: 'for b' });
      const inAc = await requestOk(sa, 'sendMessage', { chatRoomId: ac, content: 'for c' });

      const noStatus = recordNone(sa, 'messageStatus');
      expect(await request(sc, 'markAsRead', { chatRoomId: ab, messageId: inAb.id })).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
      expect(await request(sb, 'markAsRead', { chatRoomId: ab, messageId: inAc.id })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
      expect(await request(sb, 'markAsDelivered', { chatRoomId: ab, messageId: 'nope' })).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_FAILED', details: [{ field: 'messageId' }] },
      });
      await noStatus.verify();
      const cursor = await t.prisma.chatRoomParticipant.findUniqueOrThrow({
        where: { chatRoomId_userId: { chatRoomId: ab, userId: b.user.id } },
      });
      expect(cursor).toMatchObject({ lastReadSeq: 0, lastDeliveredSeq: 0 });
    });
  });

  describe('offline notifications', () => {
    it('should hand each message to the notifier for exactly the offline participants, after the ack', async () => {
      const [a, online, offline1, offline2] = await users('notify-a', 'notify-online', 'notify-off1', 'notify-off2');
      const [sa] = await Promise.all([connectChat(t.url, a.token), connectChat(t.url, online.token)]);
      const room = await groupOf(sa, [online, offline1, offline2]);
      const called = notifier.next();
      const sent = await requestOk(sa, 'sendMessage', { chatRoomId: room, content: 'are you there?' });
      const call = await called;
      expect(call.message).toEqual(unstamped(sent));
      expect(call.recipientIds).toEqual([offline1.user.id, offline2.user.id].sort());
    });

    it('should not fail or delay a send when the notifier throws', async () => {
      const [a, b] = await users('notify-throw-a', 'notify-throw-b');
      const sa = await connectChat(t.url, a.token);
      const room = (await requestOk(sa, 'createChatRoom', { type: 'DIRECT', participantIds: [b.user.id] })).id;
      const original = notifier.notify.bind(notifier);
      notifier.notify = () => {
        throw new Error('push service down');
      };
      try {
        const ack = await request(sa, 'sendMessage', { chatRoomId: room, content: 'still delivered' });
        expect(ack.ok).toBe(true);
        await new Promise((r) => setTimeout(r, 50));
        expect(await t.prisma.message.count({ where: { chatRoomId: room } })).toBe(1);
      } finally {
        notifier.notify = original;
      }
    });
  });

  describe('notifyUser', () => {
    it('should reach every socket of the user and nobody else', async () => {
      const [a, b] = await users('notified', 'not-notified');
      const [s1, s2, sb] = await Promise.all([
        connectChat(t.url, a.token),
        connectChat(t.url, a.token),
        connectChat(t.url, b.token),
      ]);
      const got = Promise.all([waitForEvent(s1, 'notification'), waitForEvent(s2, 'notification')]);
      const notB = recordNone(sb, 'notification');
      t.app.get(NotificationsService).notifyUser(a.user.id, 'invoice.paid', { amount: 42 });
      for (const n of await got) {
        expect(n).toEqual({ type: 'invoice.paid', payload: { amount: 42 }, createdAt: expect.any(String) });
      }
      await notB.verify();
    });
  });
});
