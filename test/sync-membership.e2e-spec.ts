import type { ChatRoomView, ParticipantRole, SyncEvent, SyncPayload, SyncResult } from '../src/contract/chat.events';
import { createChatUsers, createGroup, sendText, setParticipant, UNKNOWN_ID } from './helpers/chat-factory';
import { http } from './helpers/http';
import { ChatClient, closeAllSockets, connectChat, requestOk, waitForEvent } from './helpers/socket';
import { recordLive, ROOM_EVENT_TYPES, seqsOf } from './helpers/room-events';
import { startTestApp, TestApp } from './helpers/test-app';

/*
 * Who is owed which events: a client that was away and comes back, members
 * who left or were removed, members removed and added back, users who were
 * never in a room, and rooms a user joined while away.
 */

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const byRoom = <T extends { chatRoomId: string }>(list: T[]): T[] =>
  [...list].sort((a, b) => a.chatRoomId.localeCompare(b.chatRoomId));
const sync = (socket: ChatClient, payload: SyncPayload): Promise<SyncResult> => requestOk(socket, 'sync', payload);

// ---- a client's copy of one room, built from events only ----

interface MessageState {
  content: string;
  editedAt: string | null;
  deleted: boolean;
  threadId: string | null;
  replyCount: number;
  /** emoji → who reacted */
  reactions: Record<string, string[]>;
}
interface RoomState {
  lastEventSeq: number;
  name: string | null;
  participants: Record<string, ParticipantRole>;
  messages: Record<string, MessageState>;
  pins: string[];
}

const roomStateOf = (view: ChatRoomView): RoomState => ({
  lastEventSeq: view.lastEventSeq,
  name: view.name,
  participants: Object.fromEntries(view.participants.map((p) => [p.userId, p.role])),
  messages: {},
  pins: [],
});

/** Applies one event as a client would; throws on a gap, a repeat or an event about a message it never saw. */
function apply(state: RoomState, event: SyncEvent): void {
  if (event.eventSeq !== state.lastEventSeq + 1 || event.data.eventSeq !== event.eventSeq) {
    throw new Error(`${event.type} ${event.eventSeq} (data ${event.data.eventSeq}) after ${state.lastEventSeq}`);
  }
  state.lastEventSeq = event.eventSeq;
  const known = (id: string): MessageState => {
    if (!state.messages[id]) throw new Error(`${event.type} ${event.eventSeq} about unknown message ${id}`);
    return state.messages[id];
  };
  switch (event.type) {
    case 'newMessage': {
      const m = event.data;
      if (m.reactions.length > 0) throw new Error(`newMessage ${event.eventSeq} with reactions`);
      state.messages[m.id] = {
        content: m.content,
        editedAt: m.editedAt,
        deleted: m.deletedAt !== null,
        threadId: m.threadId,
        replyCount: m.thread?.replyCount ?? 0,
        reactions: {},
      };
      break;
    }
    case 'messageUpdated': {
      const m = known(event.data.id);
      Object.assign(m, { content: event.data.content, editedAt: event.data.editedAt });
      m.deleted ||= event.data.deletedAt !== null;
      break;
    }
    case 'messageDeleted':
      Object.assign(known(event.data.messageId), { content: '', deleted: true, reactions: {} });
      break;
    case 'threadUpdated':
      known(event.data.messageId).replyCount = event.data.thread.replyCount;
      break;
    case 'reactionAdded': {
      const reactions = known(event.data.messageId).reactions;
      const users = (reactions[event.data.emoji] ??= []);
      if (!users.includes(event.data.userId)) users.push(event.data.userId);
      break;
    }
    case 'reactionRemoved': {
      const reactions = known(event.data.messageId).reactions;
      const users = (reactions[event.data.emoji] ?? []).filter((u) => u !== event.data.userId);
      if (users.length > 0) reactions[event.data.emoji] = users;
      else delete reactions[event.data.emoji];
      break;
    }
    case 'messagePinned':
      known(event.data.messageId);
      if (!state.pins.includes(event.data.messageId)) state.pins.push(event.data.messageId);
      break;
    case 'messageUnpinned':
      state.pins = state.pins.filter((id) => id !== event.data.messageId);
      break;
    case 'chatRoomUpdated':
      if (event.data.name !== undefined) state.name = event.data.name;
      for (const { userId, role } of event.data.roles ?? []) state.participants[userId] = role;
      break;
    case 'participantsAdded':
      for (const p of event.data.participants) state.participants[p.userId] = p.role;
      break;
    case 'participantRemoved':
      delete state.participants[event.data.userId];
      break;
  }
}

/** What the comparison looks at: counts rather than who reacted, pins as a set. */
function project(state: RoomState) {
  return {
    lastEventSeq: state.lastEventSeq,
    name: state.name,
    participants: state.participants,
    pins: [...state.pins].sort(),
    messages: Object.fromEntries(
      Object.entries(state.messages).map(([id, m]) => [
        id,
        {
          content: m.content,
          // A deleted message's edit time is not the point here.
          editedAt: m.deleted ? 'n/a' : m.editedAt,
          deleted: m.deleted,
          threadId: m.threadId,
          replyCount: m.replyCount,
          reactions: Object.fromEntries(Object.entries(m.reactions).map(([emoji, users]) => [emoji, users.length])),
        },
      ]),
    ),
  };
}

/** The same projection of what the server says now (room list, history, pins). */
async function serverState(socket: ChatClient, chatRoomId: string) {
  const [rooms, page, pinned] = await Promise.all([
    requestOk(socket, 'getChatRooms', {}),
    requestOk(socket, 'getMessages', { chatRoomId, limit: 100 }),
    requestOk(socket, 'getPinnedMessages', { chatRoomId }),
  ]);
  const view = rooms.find((r) => r.id === chatRoomId)!;
  expect(page.hasMore).toBe(false);
  return {
    lastEventSeq: view.lastEventSeq,
    name: view.name,
    participants: Object.fromEntries(view.participants.map((p) => [p.userId, p.role])),
    pins: pinned.map((m) => m.id).sort(),
    messages: Object.fromEntries(
      page.messages.map((m) => [
        m.id,
        {
          content: m.content,
          editedAt: m.deletedAt !== null ? 'n/a' : m.editedAt,
          deleted: m.deletedAt !== null,
          threadId: m.threadId,
          replyCount: m.thread?.replyCount ?? 0,
          reactions: Object.fromEntries(m.reactions.map((r) => [r.emoji, r.count])),
        },
      ]),
    ),
  };
}

describe('sync and room membership (e2e)', () => {
  let t: TestApp;

  const storedSeqs = async (chatRoomId: string): Promise<number[]> =>
    seqsOf(await t.prisma.roomEvent.findMany({ where: { chatRoomId }, orderBy: { eventSeq: 'asc' } }));

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    closeAllSockets();
    await t.close();
  });

  /** A room of own, mem and gone with 7 events: gone is removed by the 4th. */
  async function removalScenario() {
    const [own, mem, gone] = await createChatUsers(t, 'own', 'mem', 'gone');
    const room = await createGroup(own, [mem, gone], 'Removal');
    await sendText(own, room.id, 'before');
    const second = await sendText(mem, room.id, 'gone holds the cursor before this one');
    const renamed = waitForEvent(mem.socket, 'chatRoomUpdated');
    await requestOk(own.socket, 'updateChatRoom', { chatRoomId: room.id, name: 'Renamed' });
    await requestOk(own.socket, 'removeParticipant', { chatRoomId: room.id, userId: gone.id });
    await sendText(own, room.id, 'after the removal');
    await requestOk(mem.socket, 'addReaction', { messageId: second.id, emoji: '👍' });
    await requestOk(own.socket, 'updateChatRoom', { chatRoomId: room.id, name: 'Secret' });
    expect(await storedSeqs(room.id)).toEqual(range(1, 7));
    const from = async (afterEventSeq: number, limit?: number) =>
      (await sync(gone.socket, { rooms: [{ chatRoomId: room.id, afterEventSeq }], limit })).rooms[0];
    return { own, mem, gone, room, second, renamed: await renamed, from };
  }

  it('should tell a member who was removed or left that they left, with no events, and list the room nowhere else', async () => {
    const { gone, room, from } = await removalScenario();

    const result = await sync(gone.socket, { rooms: [{ chatRoomId: room.id, afterEventSeq: 1 }] });

    expect(result.rooms[0]).toMatchObject({ chatRoomId: room.id, hasMore: false, resync: false, left: true });
    expect(result.rooms[0].events).toEqual([]);
    expect(result.joined).toEqual([]);
    expect(result.readStates).toEqual([]);
    for (const cursor of [4, 6]) {
      expect(await from(cursor)).toEqual({
        chatRoomId: room.id,
        events: [],
        hasMore: false,
        resync: false,
        left: true,
      });
    }
    const overRest = await http(t.url, 'POST', '/sync', {
      token: gone.token,
      body: { rooms: [{ chatRoomId: room.id, afterEventSeq: 1 }] },
    });
    expect(overRest.body).toEqual(result);

    // Leaving is the same.
    const [own, mem] = await createChatUsers(t, 'own', 'mem');
    const left = await createGroup(own, [mem], 'Leaving');
    await sendText(mem, left.id, 'bye');
    await requestOk(mem.socket, 'leaveChatRoom', { chatRoomId: left.id });
    await sendText(own, left.id, 'talking behind their back');
    const afterLeaving = await sync(mem.socket, { rooms: [{ chatRoomId: left.id, afterEventSeq: 0 }] });
    expect(afterLeaving.rooms[0]).toMatchObject({ hasMore: false, resync: false, left: true });
    expect(afterLeaving.rooms[0].events).toEqual([]);
    expect(afterLeaving.readStates).toEqual([]);
  });

  it('should give a former member no events at all, whatever their cursor: left, and the room is dropped', async () => {
    const { room, from } = await removalScenario();

    // Before, at and after their removal (4): replaying even the events before it would rebuild messages from
    // their rows as they are now (see the next tests), so a former member is given none.
    for (const cursor of [0, 1, 3, 4]) {
      expect(await from(cursor)).toEqual({
        chatRoomId: room.id,
        events: [],
        hasMore: false,
        resync: false,
        left: true,
      });
    }
  });

  it('should not show a removed member an edit made after their removal', async () => {
    const [own, mem, gone] = await createChatUsers(t, 'own', 'mem', 'gone');
    const room = await createGroup(own, [mem, gone], 'Edited after');
    const said = await sendText(own, room.id, 'public text');
    await requestOk(own.socket, 'removeParticipant', { chatRoomId: room.id, userId: gone.id });
    await requestOk(own.socket, 'editMessage', { messageId: said.id, content: 'written after gone was removed' });

    const result = await sync(gone.socket, { rooms: [{ chatRoomId: room.id, afterEventSeq: 0 }] });

    expect(result.rooms[0].left).toBe(true);
    expect(JSON.stringify(result)).not.toContain('written after gone was removed');
  });

  it('should give a member who joined late and was removed again nothing from before they joined', async () => {
    const [own, mem, late] = await createChatUsers(t, 'own', 'mem', 'late');
    const room = await createGroup(own, [mem], 'Before your time');
    await sendText(own, room.id, 'said before late joined');
    await requestOk(own.socket, 'updateChatRoom', { chatRoomId: room.id, name: 'Renamed before' });
    const announced = waitForEvent(late.socket, 'chatRoomCreated', 5000, (r) => r.id === room.id);
    await requestOk(own.socket, 'addParticipants', { chatRoomId: room.id, userIds: [late.id] });
    expect((await announced).lastEventSeq).toBe(3);
    await sendText(own, room.id, 'while late is in');
    await requestOk(own.socket, 'removeParticipant', { chatRoomId: room.id, userId: late.id });

    // As a member, asking from before the addition was `resync`; once removed it must not open the room's past.
    const [answer] = (await sync(late.socket, { rooms: [{ chatRoomId: room.id, afterEventSeq: 0 }] })).rooms;

    expect(answer.left).toBe(true);
    expect(answer.events).toEqual([]);
  });

  it('should give a member removed, added back and removed again nothing from while they were out', async () => {
    const [own, mem, twice] = await createChatUsers(t, 'own', 'mem', 'twice');
    const room = await createGroup(own, [mem, twice], 'Twice removed');
    await sendText(own, room.id, 'all here');
    await requestOk(own.socket, 'removeParticipant', { chatRoomId: room.id, userId: twice.id });
    await sendText(own, room.id, 'while twice is out');
    await requestOk(own.socket, 'addParticipants', { chatRoomId: room.id, userIds: [twice.id] });
    await sendText(own, room.id, 'twice is back');
    await requestOk(own.socket, 'removeParticipant', { chatRoomId: room.id, userId: twice.id });
    await sendText(own, room.id, 'twice is out again');
    expect(await storedSeqs(room.id)).toEqual(range(1, 7));

    // Their first removal (2) is what a client that applied it holds.
    const [answer] = (await sync(twice.socket, { rooms: [{ chatRoomId: room.id, afterEventSeq: 2 }] })).rooms;

    expect(answer.left).toBe(true);
    expect(answer.events).toEqual([]);
  });

  it('should answer resync, with no events, to a member removed and added back after their cursor', async () => {
    const [own, back] = await createChatUsers(t, 'own', 'back');
    const room = await createGroup(own, [back], 'Back again');
    await sendText(own, room.id, 'before');
    await requestOk(own.socket, 'removeParticipant', { chatRoomId: room.id, userId: back.id });
    await sendText(own, room.id, 'while they were out');
    const announced = waitForEvent(back.socket, 'chatRoomCreated', 5000, (r) => r.id === room.id);
    await requestOk(own.socket, 'addParticipants', { chatRoomId: room.id, userIds: [back.id] });
    const view = await announced;
    await sendText(own, room.id, 'welcome back');

    for (const afterEventSeq of [0, 1, 3]) {
      const { rooms, joined } = await sync(back.socket, { rooms: [{ chatRoomId: room.id, afterEventSeq }] });
      expect(rooms).toEqual([{ chatRoomId: room.id, events: [], hasMore: false, resync: true, left: false }]);
      expect(joined).toEqual([]);
    }
    // From the view they were given when added back: the rest, as usual.
    expect(view.lastEventSeq).toBe(4);
    const [after] = (await sync(back.socket, { rooms: [{ chatRoomId: room.id, afterEventSeq: 4 }] })).rooms;
    expect(after).toMatchObject({ resync: false, left: false, hasMore: false });
    expect(after.events.map((e) => [e.eventSeq, e.type])).toEqual([[5, 'newMessage']]);
  });

  it('should tell a user never in the room, or asking about an unknown one, nothing (left, no events)', async () => {
    const [own, mem, out] = await createChatUsers(t, 'own', 'mem', 'out');
    const room = await createGroup(own, [mem], 'Private');
    await sendText(own, room.id, 'secret');
    await requestOk(own.socket, 'updateChatRoom', { chatRoomId: room.id, name: 'Still private' });
    const body: SyncPayload = {
      rooms: [
        { chatRoomId: room.id, afterEventSeq: 0 },
        { chatRoomId: UNKNOWN_ID, afterEventSeq: 0 },
        { chatRoomId: room.id, afterEventSeq: 1 },
      ],
    };
    const nothing = (chatRoomId: string) => ({ chatRoomId, events: [], hasMore: false, resync: false, left: true });

    const result = await sync(out.socket, body);

    expect(result).toEqual({
      rooms: [nothing(room.id), nothing(UNKNOWN_ID), nothing(room.id)],
      joined: [],
      readStates: [],
    });
    const overRest = await http(t.url, 'POST', '/sync', { token: out.token, body });
    expect(overRest.status).toBe(200);
    expect(overRest.body).toEqual(result);
  });

  it('should list the rooms the user is in but did not ask about as whole views in joined, and every read state', async () => {
    const [ben, own, oth, far] = await createChatUsers(t, 'ben', 'own', 'oth', 'far');
    const asked = await createGroup(own, [ben], 'Asked');
    const first = await sendText(own, asked.id, 'one');
    await sendText(own, asked.id, 'two');
    const readInAsked = await requestOk(ben.socket, 'markAsRead', { chatRoomId: asked.id, messageId: first.id });
    const created = await createGroup(oth, [ben], 'Created with ben');
    const hi = await sendText(oth, created.id, 'hi ben');
    await sendText(ben, created.id, 'hi oth');
    const unreadInCreated = await requestOk(ben.socket, 'markAsUnread', { chatRoomId: created.id, messageId: hi.id });
    const added = await createGroup(far, [oth], 'Ben added later');
    await sendText(far, added.id, 'before ben');
    const announced = waitForEvent(ben.socket, 'chatRoomCreated', 5000, (r) => r.id === added.id);
    const addedEvent = waitForEvent(oth.socket, 'participantsAdded');
    await requestOk(far.socket, 'addParticipants', { chatRoomId: added.id, userIds: [ben.id] });
    const direct = await requestOk(far.socket, 'sendMessage', { recipientId: ben.id, content: 'direct' });
    const leftRoom = await createGroup(own, [ben], 'Left');
    await requestOk(ben.socket, 'leaveChatRoom', { chatRoomId: leftRoom.id });

    // Added: the view given names the newest event, its own addition; syncing from it gives what follows.
    expect((await announced).lastEventSeq).toBe((await addedEvent).eventSeq);
    expect((await addedEvent).eventSeq).toBe(2);

    const result = await sync(ben.socket, { rooms: [{ chatRoomId: asked.id, afterEventSeq: 2 }] });

    const views = await requestOk(ben.socket, 'getChatRooms', {});
    const viewOf = (id: string) => views.find((v) => v.id === id);
    const mine = [created.id, added.id, direct.chatRoomId].sort();
    expect(result.rooms).toEqual([{ chatRoomId: asked.id, events: [], hasMore: false, resync: false, left: false }]);
    expect([...result.joined].sort((a, b) => a.id.localeCompare(b.id))).toEqual(mine.map(viewOf));
    expect(viewOf(added.id)?.lastEventSeq).toBe(2);
    const rows = await t.prisma.chatRoomParticipant.findMany({ where: { userId: ben.id } });
    expect(byRoom(result.readStates)).toEqual(
      byRoom(
        rows.map((r) => ({
          chatRoomId: r.chatRoomId,
          lastDeliveredSeq: r.lastDeliveredSeq,
          lastReadSeq: r.lastReadSeq,
          unreadCount: viewOf(r.chatRoomId)!.unreadCount,
        })),
      ),
    );
    expect(result.readStates.find((r) => r.chatRoomId === asked.id)).toEqual(readInAsked);
    expect(result.readStates.find((r) => r.chatRoomId === created.id)).toEqual(unreadInCreated);
    expect(result.readStates).toHaveLength(4);

    // Asking about nothing: every room is new to the client.
    const fresh = await sync(ben.socket, { rooms: [] });
    expect(fresh.rooms).toEqual([]);
    expect(fresh.joined.map((v) => v.id).sort()).toEqual([asked.id, ...mine].sort());

    await sendText(far, added.id, 'after ben came');
    const [next] = (await sync(ben.socket, { rooms: [{ chatRoomId: added.id, afterEventSeq: 2 }] })).rooms;
    expect(next.events.map((e) => [e.eventSeq, e.type])).toEqual([[3, 'newMessage']]);
  });

  it('should bring a client that was away to exactly the state the server has now (convergence)', async () => {
    const [amy, bob, cat, don, eva] = await createChatUsers(t, 'amy', 'bob', 'cat', 'don', 'eva');
    const amyLive = recordLive(amy.socket);
    const room = await createGroup(bob, [amy, cat, don], 'Before');
    await setParticipant(t, room.id, cat.id, { role: 'ADMIN' });
    // amy's copy starts from the room as she loads it (the role set above is no event).
    const base = await requestOk(amy.socket, 'joinChatRoom', { chatRoomId: room.id });
    const amys = await sendText(amy, room.id, "amy's");
    const m1 = await sendText(bob, room.id, 'one');
    const m2 = await sendText(bob, room.id, 'two');
    const m3 = await sendText(cat, room.id, 'three');
    await requestOk(cat.socket, 'addReaction', { messageId: m1.id, emoji: '👍' });
    await requestOk(don.socket, 'addReaction', { messageId: m1.id, emoji: '👍' });
    await requestOk(amy.socket, 'addReaction', { messageId: m2.id, emoji: '🎉' });
    await requestOk(bob.socket, 'pinMessage', { messageId: m2.id });
    await requestOk(cat.socket, 'sendMessage', { chatRoomId: room.id, content: 'r1', threadId: m3.id });
    await requestOk(bob.socket, 'editMessage', { messageId: m1.id, content: 'one, edited' });
    const online = (await requestOk(bob.socket, 'joinChatRoom', { chatRoomId: room.id })).lastEventSeq;
    await amyLive.until(room.id, online);

    const state = roomStateOf(base);
    for (const event of amyLive.of(room.id)) apply(state, event);
    // The reducer itself agrees with the server while amy is online.
    expect(project(state)).toEqual(await serverState(amy.socket, room.id));

    amy.socket.disconnect();
    const r1 = (await requestOk(cat.socket, 'getThread', { messageId: m3.id })).messages[0];
    const m4 = await sendText(bob, room.id, 'four');
    const m5 = await sendText(cat, room.id, 'five');
    await requestOk(bob.socket, 'editMessage', { messageId: m4.id, content: 'four, edited' });
    await requestOk(bob.socket, 'deleteMessage', { messageId: m2.id });
    await requestOk(bob.socket, 'deleteMessage', { messageId: amys.id });
    await requestOk(cat.socket, 'deleteMessage', { messageId: r1.id });
    await requestOk(don.socket, 'sendMessage', { chatRoomId: room.id, content: 'r2', threadId: m3.id });
    await requestOk(bob.socket, 'addReaction', { messageId: m4.id, emoji: '👍' });
    await requestOk(cat.socket, 'addReaction', { messageId: m4.id, emoji: '👍' });
    await requestOk(cat.socket, 'addReaction', { messageId: m5.id, emoji: '❤️' });
    await requestOk(cat.socket, 'removeReaction', { messageId: m1.id, emoji: '👍' });
    await requestOk(bob.socket, 'pinMessage', { messageId: m4.id });
    await requestOk(bob.socket, 'pinMessage', { messageId: m5.id });
    await requestOk(cat.socket, 'unpinMessage', { messageId: m5.id });
    await requestOk(cat.socket, 'updateChatRoom', { chatRoomId: room.id, name: 'After' });
    await requestOk(bob.socket, 'addParticipants', { chatRoomId: room.id, userIds: [eva.id] });
    await requestOk(eva.socket, 'addReaction', { messageId: m4.id, emoji: '🎉' });
    await sendText(eva, room.id, 'hello from eva');
    await requestOk(bob.socket, 'removeParticipant', { chatRoomId: room.id, userId: don.id });

    // The last owner leaving passes ownership on: a role change.
    await requestOk(bob.socket, 'leaveChatRoom', { chatRoomId: room.id });

    const amyAgain = await connectChat(t.url, amy.token);
    const replayed = new Set<string>();
    let more = true;
    for (let pages = 0; more && pages < 50; pages++) {
      const result = await sync(amyAgain, {
        rooms: [{ chatRoomId: room.id, afterEventSeq: state.lastEventSeq }],
        limit: 4,
      });
      expect(result.joined).toEqual([]);
      const [r] = result.rooms;
      expect(r).toMatchObject({ chatRoomId: room.id, resync: false, left: false });
      if (r.hasMore) expect(r.events).toHaveLength(4);
      for (const event of r.events) {
        apply(state, event);
        replayed.add(event.type);
      }
      more = r.hasMore;
    }

    expect(more).toBe(false);
    // Every kind of event took part.
    expect([...replayed].sort()).toEqual([...ROOM_EVENT_TYPES].sort());
    expect(state.participants[cat.id]).toBe('OWNER');
    expect(project(state)).toEqual(await serverState(amyAgain, room.id));
  });
});
