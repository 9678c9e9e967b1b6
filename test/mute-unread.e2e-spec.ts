import type { MessageView } from '../src/contract/chat.events';
import { OfflineNotifier } from '../src/notifications/offline-notifier';
import {
  ChatUser,
  createChatUsers,
  createGroup,
  expectSilenceOn,
  fieldsOf,
  requestError,
  sendText,
  verifyAll,
} from './helpers/chat-factory';
import { http, registerUser } from './helpers/http';
import { ChatClient, closeAllSockets, connectChat, requestOk, waitForEvent } from './helpers/socket';
import { startTestApp, TestApp } from './helpers/test-app';

/** Records which recipients the OfflineNotifier was told about, per message. */
class RecordingNotifier extends OfflineNotifier {
  private readonly byMessage = new Map<string, string[]>();
  private waiters: { messageId: string; resolve: (ids: string[]) => void }[] = [];

  notify(recipientIds: string[], message: MessageView): void {
    const ids = [...recipientIds].sort();
    this.byMessage.set(message.id, ids);
    for (const w of this.waiters.filter((w) => w.messageId === message.id)) w.resolve(ids);
  }

  /** The recipients of the message (empty when, after `timeoutMs`, the notifier was not called for it). */
  recipientsOf(messageId: string, timeoutMs = 1000): Promise<string[]> {
    const known = this.byMessage.get(messageId);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve([]), timeoutMs);
      this.waiters.push({
        messageId,
        resolve: (ids) => {
          clearTimeout(timer);
          resolve(ids);
        },
      });
    });
  }
}

describe('mark as unread and mute (e2e)', () => {
  let t: TestApp;
  const notifier = new RecordingNotifier();
  let ann: ChatUser; // marks as unread, mutes
  let ann2: ChatUser['socket']; // ann's second socket
  let ben: ChatUser; // room-mate
  let out: ChatUser; // in none of the rooms

  const cursors = async (chatRoomId: string, userId: string) =>
    t.prisma.chatRoomParticipant.findUniqueOrThrow({
      where: { chatRoomId_userId: { chatRoomId, userId } },
      select: { lastReadSeq: true, lastDeliveredSeq: true, mutedUntil: true },
    });

  beforeAll(async () => {
    t = await startTestApp({ chat: { offlineNotifier: notifier } });
    [ann, ben, out] = await createChatUsers(t, 'ann', 'ben', 'out');
    ann2 = await connectChat(t.url, ann.token);
  });
  afterAll(async () => {
    closeAllSockets();
    await t.close();
  });

  describe('markAsUnread', () => {
    let roomId: string;
    let m: MessageView[];

    beforeEach(async () => {
      roomId = (await createGroup(ann, [ben], 'Unread')).id;
      m = [];
      for (const text of ['one', 'two', 'three']) m.push(await sendText(ben, roomId, text));
      await requestOk(ann.socket, 'markAsRead', { chatRoomId: roomId, messageId: m[2].id });
    });

    it("should move the read cursor to just before the message, keep the delivered one, and tell only the user's other sockets", async () => {
      const toOtherSocket = waitForEvent(ann2, 'readStateChanged');
      const silences = [
        ...(await expectSilenceOn([ben.socket, out.socket], 'readStateChanged')),
        ...(await expectSilenceOn([ann.socket, ann2, ben.socket, out.socket], 'messageStatus')),
      ];

      const ack = await requestOk(ann.socket, 'markAsUnread', { chatRoomId: roomId, messageId: m[1].id });

      const expected = { chatRoomId: roomId, lastDeliveredSeq: 3, lastReadSeq: 1, unreadCount: 2 };
      expect(ack).toEqual(expected);
      expect(await toOtherSocket).toEqual(expected);
      expect(await cursors(roomId, ann.id)).toMatchObject({ lastReadSeq: 1, lastDeliveredSeq: 3 });
      expect((await requestOk(ann.socket, 'getChatRooms', {})).find((r) => r.id === roomId)?.unreadCount).toBe(2);
      const summary = await http(t.url, 'GET', '/chat-rooms/unread-count', { token: ann.token });
      expect(summary.body.chatRooms).toContainEqual({ chatRoomId: roomId, unreadCount: 2 });
      // ben's cursor is his own.
      expect(await cursors(roomId, ben.id)).toMatchObject({ lastReadSeq: 3 });
      await verifyAll(silences);
    });

    it('should answer the same over REST and tell every socket of the user', async () => {
      const events = [ann.socket, ann2].map((s) => waitForEvent(s, 'readStateChanged'));
      const silences = await expectSilenceOn([ben.socket, out.socket], 'readStateChanged');

      const res = await http(t.url, 'POST', `/chat-rooms/${roomId}/unread`, {
        token: ann.token,
        body: { messageId: m[0].id },
      });

      const expected = { chatRoomId: roomId, lastDeliveredSeq: 3, lastReadSeq: 0, unreadCount: 3 };
      expect(res.status).toBe(200);
      expect(res.body).toEqual(expected);
      expect(await Promise.all(events)).toEqual([expected, expected]);
      await verifyAll(silences);
    });

    it('should never move the cursor forward, and say nothing when it does not move', async () => {
      await requestOk(ann.socket, 'markAsUnread', { chatRoomId: roomId, messageId: m[0].id });
      const silences = await expectSilenceOn([ann.socket, ann2], 'readStateChanged');

      const ack = await requestOk(ann.socket, 'markAsUnread', { chatRoomId: roomId, messageId: m[2].id });

      expect(ack).toEqual({ chatRoomId: roomId, lastDeliveredSeq: 3, lastReadSeq: 0, unreadCount: 3 });
      expect(await cursors(roomId, ann.id)).toMatchObject({ lastReadSeq: 0, lastDeliveredSeq: 3 });
      await verifyAll(silences);
    });

    it('should let markAsRead move the cursor forward again, reported to the room as before', async () => {
      await requestOk(ann.socket, 'markAsUnread', { chatRoomId: roomId, messageId: m[1].id });
      const read = waitForEvent(ben.socket, 'messageStatus', 2000, (e) => e.status === 'read');

      await requestOk(ann.socket, 'markAsRead', { chatRoomId: roomId, messageId: m[2].id });

      expect(await read).toMatchObject({ chatRoomId: roomId, messageId: m[2].id, userId: ann.id });
      expect(await cursors(roomId, ann.id)).toMatchObject({ lastReadSeq: 3 });
    });

    it('should refuse a message of another room, a room one is not in, and bad ids, changing nothing', async () => {
      const other = await createGroup(ben, [out], 'Other');
      const elsewhere = await sendText(ben, other.id, 'elsewhere');
      const silences = await expectSilenceOn([ann.socket, ann2, out.socket], 'readStateChanged');

      await requestError(ann.socket, 'markAsUnread', { chatRoomId: roomId, messageId: elsewhere.id }, 'NOT_FOUND');
      await requestError(out.socket, 'markAsUnread', { chatRoomId: roomId, messageId: m[0].id }, 'FORBIDDEN');
      const bad = await requestError(
        ann.socket,
        'markAsUnread',
        { chatRoomId: roomId, messageId: 'nope' },
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(bad)).toEqual(['messageId']);
      const rest = await http(t.url, 'POST', `/chat-rooms/${roomId}/unread`, { token: ann.token, body: {} });
      expect(rest.status).toBe(400);
      expect(fieldsOf(rest.body)).toEqual(['messageId']);

      expect(await cursors(roomId, ann.id)).toMatchObject({ lastReadSeq: 3, lastDeliveredSeq: 3 });
      expect(await cursors(other.id, out.id)).toMatchObject({ lastReadSeq: 0 });
      await verifyAll(silences);
    });
  });

  describe('mute', () => {
    const FOREVER = '9999-12-31T23:59:59.999Z';
    let roomId: string;

    beforeEach(async () => {
      roomId = (await createGroup(ann, [ben], 'Mute')).id;
    });

    const viewOf = async (socket: ChatClient, chatRoomId: string) =>
      (await requestOk(socket, 'getChatRooms', {})).find((r) => r.id === chatRoomId);

    it("should mute until unmuted, show it in the user's room view only, and tell only the user's other sockets", async () => {
      const toOtherSocket = waitForEvent(ann2, 'chatRoomMuteChanged');
      const silences = await expectSilenceOn([ben.socket, out.socket], 'chatRoomMuteChanged');

      const ack = await requestOk(ann.socket, 'muteChatRoom', { chatRoomId: roomId });

      expect(ack).toEqual({ chatRoomId: roomId, mutedUntil: FOREVER });
      expect(await toOtherSocket).toEqual(ack);
      expect((await cursors(roomId, ann.id)).mutedUntil?.toISOString()).toBe(FOREVER);
      expect((await viewOf(ann.socket, roomId))?.mutedUntil).toBe(FOREVER);
      const rest = await http(t.url, 'GET', `/chat-rooms/${roomId}`, { token: ann.token });
      expect(rest.body.mutedUntil).toBe(FOREVER);
      expect((await viewOf(ben.socket, roomId))?.mutedUntil).toBeNull();
      await verifyAll(silences);
    });

    it('should unmute over the socket, tell the other sockets once, and change nothing when already unmuted', async () => {
      const mutedOnOtherSocket = waitForEvent(ann2, 'chatRoomMuteChanged');
      await requestOk(ann.socket, 'muteChatRoom', { chatRoomId: roomId });
      await mutedOnOtherSocket;
      const toOtherSocket = waitForEvent(ann2, 'chatRoomMuteChanged');
      const silences = await expectSilenceOn([ben.socket, out.socket], 'chatRoomMuteChanged');

      expect(await requestOk(ann.socket, 'unmuteChatRoom', { chatRoomId: roomId })).toEqual({
        chatRoomId: roomId,
        mutedUntil: null,
      });
      expect(await toOtherSocket).toEqual({ chatRoomId: roomId, mutedUntil: null });
      expect((await cursors(roomId, ann.id)).mutedUntil).toBeNull();
      expect((await viewOf(ann.socket, roomId))?.mutedUntil).toBeNull();

      const again = await expectSilenceOn([ann.socket, ann2], 'chatRoomMuteChanged');
      expect(await requestOk(ann2, 'unmuteChatRoom', { chatRoomId: roomId })).toEqual({
        chatRoomId: roomId,
        mutedUntil: null,
      });
      await verifyAll([...silences, ...again]);
    });

    it('should mute until a time over REST and unmute with DELETE', async () => {
      const until = new Date(Date.now() + 3_600_000);
      const told = waitForEvent(ann2, 'chatRoomMuteChanged');
      const muted = await http(t.url, 'POST', `/chat-rooms/${roomId}/mute`, {
        token: ann.token,
        body: { until: until.toISOString() },
      });
      expect(muted.status).toBe(200);
      expect(muted.body).toEqual({ chatRoomId: roomId, mutedUntil: until.toISOString() });
      expect(await told).toEqual(muted.body);
      expect((await cursors(roomId, ann.id)).mutedUntil?.toISOString()).toBe(until.toISOString());

      const unmuted = await http(t.url, 'DELETE', `/chat-rooms/${roomId}/mute`, { token: ann.token });
      expect(unmuted.status).toBe(200);
      expect(unmuted.body).toEqual({ chatRoomId: roomId, mutedUntil: null });
      expect((await cursors(roomId, ann.id)).mutedUntil).toBeNull();
    });

    it.each([
      ['a time in the past', { until: new Date(Date.now() - 1000).toISOString() }],
      ['a time that is not ISO 8601', { until: 'tomorrow' }],
      ['an unknown field', { until: undefined, forever: true }],
    ])('should refuse %s with VALIDATION_FAILED naming the field, changing nothing', async (_, body) => {
      const silences = await expectSilenceOn([ann.socket, ann2], 'chatRoomMuteChanged');
      const ws = await requestError(ann.socket, 'muteChatRoom', { chatRoomId: roomId, ...body }, 'VALIDATION_FAILED');
      const rest = await http(t.url, 'POST', `/chat-rooms/${roomId}/mute`, { token: ann.token, body });
      expect(rest.status).toBe(400);
      expect(fieldsOf(rest.body)).toEqual(fieldsOf(ws));
      expect(fieldsOf(ws)).toEqual([body.until === undefined ? 'forever' : 'until']);
      expect((await cursors(roomId, ann.id)).mutedUntil).toBeNull();
      await verifyAll(silences);
    });

    it('should refuse a room one is not in, or that does not exist', async () => {
      await requestError(out.socket, 'muteChatRoom', { chatRoomId: roomId }, 'FORBIDDEN');
      await requestError(out.socket, 'unmuteChatRoom', { chatRoomId: roomId }, 'FORBIDDEN');
      const rest = await http(t.url, 'POST', `/chat-rooms/00000000-0000-4000-8000-000000000000/mute`, {
        token: ann.token,
        body: {},
      });
      expect(rest.status).toBe(404);
    });

    it('should leave a muted recipient out of offline notifications, keep their unread count, and include them again once unmuted', async () => {
      // Offline: registered, no socket.
      const [cara, dan] = await Promise.all([registerUser(t.url, 'cara'), registerUser(t.url, 'dan')]);
      const group = await requestOk(ann.socket, 'createChatRoom', {
        type: 'GROUP',
        name: 'Offline',
        participantIds: [cara.user.id, dan.user.id],
      });
      const muted = await http(t.url, 'POST', `/chat-rooms/${group.id}/mute`, { token: cara.token, body: {} });
      expect(muted.status).toBe(200);

      const first = await sendText(ann, group.id, 'while cara is muted');
      expect(await notifier.recipientsOf(first.id)).toEqual([dan.user.id]);
      const unread = await http(t.url, 'GET', '/chat-rooms/unread-count', { token: cara.token });
      expect(unread.body.chatRooms).toContainEqual({ chatRoomId: group.id, unreadCount: 1 });

      expect((await http(t.url, 'DELETE', `/chat-rooms/${group.id}/mute`, { token: cara.token })).status).toBe(200);
      const second = await sendText(ann, group.id, 'cara unmuted');
      expect(await notifier.recipientsOf(second.id)).toEqual([cara.user.id, dan.user.id].sort());
    });
  });
});
