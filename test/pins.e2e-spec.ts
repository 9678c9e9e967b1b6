import type { MessagePinEvent, MessageView, Stamped } from '../src/contract/chat.events';
import {
  ChatUser,
  createChatUsers,
  createGroup,
  expectSilenceOn,
  requestError,
  sendText,
  verifyAll,
  unstamped,
} from './helpers/chat-factory';
import { http } from './helpers/http';
import { ChatClient, closeAllSockets, connectChat, request, requestOk, waitForEvent } from './helpers/socket';
import { startTestApp, TestApp } from './helpers/test-app';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('pins (e2e)', () => {
  let t: TestApp;
  let ann: ChatUser; // OWNER of the groups
  let ben: ChatUser; // MEMBER
  let dan: ChatUser; // removed from the groups again
  let out: ChatUser; // in none of them
  let ann2: ChatClient; // ann's second socket

  const pinRows = (chatRoomId: string) =>
    t.prisma.pinnedMessage.findMany({ where: { chatRoomId }, orderBy: { pinnedAt: 'asc' } });

  const setUp = async (name: string) => {
    const room = await createGroup(ann, [ben, dan], name);
    await requestOk(ann.socket, 'removeParticipant', { chatRoomId: room.id, userId: dan.id });
    const message = await sendText(ben, room.id, 'pin me');
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

  it("should store an owner's pin and send messagePinned to every member's every socket, and nobody else", async () => {
    const { room, message } = await setUp('Pin');
    const delivered = [ann.socket, ann2, ben.socket].map((s) => waitForEvent(s, 'messagePinned'));
    const silent = await expectSilenceOn([out.socket, dan.socket], 'messagePinned');

    const ack = await requestOk(ann.socket, 'pinMessage', { messageId: message.id });

    const expected: Stamped<MessagePinEvent> = {
      chatRoomId: room.id,
      messageId: message.id,
      pinnedBy: ann.id,
      pinnedAt: expect.stringMatching(ISO),
      eventSeq: 3,
    };
    expect(ack).toEqual(expected);
    for (const received of await Promise.all(delivered)) expect(received).toEqual(ack);
    await verifyAll(silent);
    const rows = await pinRows(room.id);
    expect(rows).toEqual([
      { messageId: message.id, chatRoomId: room.id, pinnedBy: ann.id, pinnedAt: expect.any(Date) },
    ]);
    expect(rows[0].pinnedAt.toISOString()).toBe(ack.pinnedAt);

    // The message view says so, in history and in the pinned list.
    const page = await requestOk(ben.socket, 'getMessages', { chatRoomId: room.id });
    expect(page.messages[0]).toMatchObject({ id: message.id, pinnedAt: ack.pinnedAt, pinnedBy: ann.id });

    // Pinning again: the same pin, no broadcast.
    const again = await expectSilenceOn([ann.socket, ben.socket], 'messagePinned');
    // The existing pin; no eventSeq, as nothing was logged.
    expect(await requestOk(ann.socket, 'pinMessage', { messageId: message.id })).toEqual(unstamped(ack));
    const rest = await http(t.url, 'POST', `/messages/${message.id}/pin`, { token: ann.token });
    expect(rest.status).toBe(200);
    await verifyAll(again);
    expect(await pinRows(room.id)).toHaveLength(1);
  });

  it('should refuse a group member (FORBIDDEN), an outsider and a removed member (NOT_FOUND), but let either DIRECT member pin', async () => {
    const { room, message } = await setUp('Who pins');
    const silent = await expectSilenceOn([ann.socket, ben.socket], 'messagePinned');
    await requestError(ben.socket, 'pinMessage', { messageId: message.id }, 'FORBIDDEN');
    await requestError(out.socket, 'pinMessage', { messageId: message.id }, 'NOT_FOUND');
    await requestError(dan.socket, 'pinMessage', { messageId: message.id }, 'NOT_FOUND');
    expect((await http(t.url, 'POST', `/messages/${message.id}/pin`, { token: ben.token })).status).toBe(403);
    await verifyAll(silent);
    expect(await pinRows(room.id)).toEqual([]);

    const direct = await requestOk(ben.socket, 'sendMessage', { recipientId: out.id, content: 'hi' });
    const toOut = waitForEvent(out.socket, 'messagePinned');
    await requestOk(ben.socket, 'pinMessage', { messageId: direct.id });
    expect(await toOut).toMatchObject({ messageId: direct.id, pinnedBy: ben.id });
    await requestOk(out.socket, 'unpinMessage', { messageId: direct.id });
    expect(await pinRows(direct.chatRoomId)).toEqual([]);
  });

  it('should unpin with messageUnpinned to the room once, and list pins newest first over both doors', async () => {
    const { room, message } = await setUp('Unpin');
    const second = await sendText(ann, room.id, 'second');
    await requestOk(ann.socket, 'pinMessage', { messageId: message.id });
    // Apart by more than the clock's millisecond, so "newest first" has one answer.
    await t.prisma.pinnedMessage.update({
      where: { messageId: message.id },
      data: { pinnedAt: new Date(Date.now() - 1000) },
    });
    await requestOk(ann.socket, 'pinMessage', { messageId: second.id });

    const listed = await requestOk(ben.socket, 'getPinnedMessages', { chatRoomId: room.id });
    expect(listed.map((m: MessageView) => m.id)).toEqual([second.id, message.id]);
    expect(listed[0]).toMatchObject({ content: 'second', pinnedBy: ann.id, reactions: [] });
    const overRest = await http(t.url, 'GET', `/chat-rooms/${room.id}/pins`, { token: ben.token });
    expect(overRest.body).toEqual(listed);
    await requestError(dan.socket, 'getPinnedMessages', { chatRoomId: room.id }, 'FORBIDDEN');
    await requestError(out.socket, 'getPinnedMessages', { chatRoomId: room.id }, 'FORBIDDEN');

    const delivered = [ann.socket, ann2, ben.socket].map((s) => waitForEvent(s, 'messageUnpinned'));
    const silent = await expectSilenceOn([out.socket, dan.socket], 'messageUnpinned');
    const del = await http(t.url, 'DELETE', `/messages/${message.id}/pin`, { token: ann.token });
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ chatRoomId: room.id, messageId: message.id, eventSeq: 6 });
    for (const received of await Promise.all(delivered)) {
      expect(received).toMatchObject({
        chatRoomId: room.id,
        messageId: message.id,
        pinnedBy: ann.id,
        unpinnedBy: ann.id,
      });
    }
    await verifyAll(silent);
    expect((await pinRows(room.id)).map((p) => p.messageId)).toEqual([second.id]);

    const again = await expectSilenceOn([ann.socket, ben.socket], 'messageUnpinned');
    await requestOk(ann.socket, 'unpinMessage', { messageId: message.id });
    await verifyAll(again);
  });

  it('should unpin a message when it is deleted, and refuse pinning a deleted message', async () => {
    const { room, message } = await setUp('Delete unpins');
    await requestOk(ann.socket, 'pinMessage', { messageId: message.id });
    const unpinned = waitForEvent(ann2, 'messageUnpinned');
    await requestOk(ben.socket, 'deleteMessage', { messageId: message.id });
    expect(await unpinned).toMatchObject({ messageId: message.id, unpinnedBy: ben.id });
    expect(await pinRows(room.id)).toEqual([]);
    await requestError(ann.socket, 'pinMessage', { messageId: message.id }, 'CONFLICT');
    expect(await pinRows(room.id)).toEqual([]);
  });

  it('should refuse a 51st pin with LIMIT_REACHED, also when pins race (one lock per room)', async () => {
    const room = await createGroup(ann, [ben], 'Cap');
    const messages: MessageView[] = [];
    for (let i = 0; i < 56; i++) messages.push(await sendText(ann, room.id, `m${i}`));
    await t.prisma.pinnedMessage.createMany({
      data: messages.slice(0, 45).map((m) => ({ messageId: m.id, chatRoomId: room.id, pinnedBy: ann.id })),
    });
    const racers = [ann.socket, ann2];
    const acks = await Promise.all(
      messages.slice(45).map((m, i) => request(racers[i % 2], 'pinMessage', { messageId: m.id })),
    );
    expect(acks.filter((a) => a.ok)).toHaveLength(5);
    const refused = acks.flatMap((a) => (a.ok ? [] : [a.error]));
    expect(refused.map((e) => e.code)).toEqual(Array(6).fill('LIMIT_REACHED'));
    expect(refused[0].details).toEqual({ limit: 50 });
    expect(await pinRows(room.id)).toHaveLength(50);
  });
});
