import { sign } from 'jsonwebtoken';
import { ChatClient, ChatError, type ChatClientEvents, type ChatClientOptions } from '../src/client';
import type { ChatRoomView, MessageView } from '../src/contract/chat.events';
import { registerUser, RegisteredUser } from './helpers/http';
import { startTestApp, TEST_JWT_SECRET, TestApp } from './helpers/test-app';

/**
 * The typed client (src/client) against the real app in Node: typed calls,
 * sends that survive a dropped connection, and state built only from its
 * handlers that converges with the server's after a reconnect.
 */
describe('ChatClient (e2e)', () => {
  let t: TestApp;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(async () => {
    await t?.close();
  });

  function open(token: ChatClientOptions['token'], options: Partial<ChatClientOptions> = {}): ChatClient {
    const client = new ChatClient({
      url: t.url,
      token,
      ackTimeoutMs: 5000,
      socket: { transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 200 },
      ...options,
    });
    clients.push(client);
    return client;
  }

  /** Resolves with the next `event` of `client` that satisfies `predicate`. */
  function next<K extends keyof ChatClientEvents>(
    client: ChatClient,
    event: K,
    predicate: (...args: Parameters<ChatClientEvents[K]>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Parameters<ChatClientEvents[K]>[0]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`timed out waiting for ${event}`));
      }, timeoutMs);
      const off = client.on(event, ((...args: Parameters<ChatClientEvents[K]>) => {
        if (!predicate(...args)) return;
        clearTimeout(timer);
        off();
        resolve(args[0]);
      }) as ChatClientEvents[K]);
    });
  }

  /**
   * Takes the client offline for as long as `whileAway` runs: the transport is closed (as a network drop closes
   * it) with socket.io's reconnection paused, then resumed. Resolves once the client is back and caught up.
   */
  async function offline(client: ChatClient, whileAway: () => Promise<void>): Promise<void> {
    const manager = client.socket.io;
    const dropped = next(client, 'disconnected');
    manager.reconnection(false);
    manager.engine.close();
    expect(await dropped).toEqual({ reason: 'forced close' }); // engine.io's word for a closed transport
    await whileAway();
    const back = next(client, 'connected');
    manager.reconnection(true);
    client.socket.connect();
    expect(await back).toMatchObject({ reconnect: true });
  }

  async function pair(): Promise<{
    alice: ChatClient;
    bob: ChatClient;
    a: RegisteredUser;
    b: RegisteredUser;
    room: ChatRoomView;
  }> {
    const [a, b] = await Promise.all([registerUser(t.url, 'Alice'), registerUser(t.url, 'Bob')]);
    const alice = open(a.token);
    const bob = open(b.token);
    await Promise.all([alice.connect(), bob.connect()]);
    const bobGetsRoom = next(bob, 'chatRoomCreated');
    const room = await alice.createChatRoom({ type: 'DIRECT', participantIds: [b.user.id] });
    expect((await bobGetsRoom).id).toBe(room.id);
    return { alice, bob, a, b, room };
  }

  it('should make typed calls: acks resolve to their data, refusals reject with a ChatError and its code', async () => {
    const { alice, bob, b, room } = await pair();
    expect(room).toMatchObject({ type: 'DIRECT', lastEventSeq: expect.any(Number) });

    const received = next(bob, 'newMessage', (m) => m.content === 'Hello Bob');
    const sent = await alice.sendMessage({ chatRoomId: room.id, content: 'Hello Bob' });
    expect(sent).toMatchObject({ chatRoomId: room.id, content: 'Hello Bob', seq: 1 });
    expect(sent.clientMessageId).toMatch(/^[0-9a-f-]{36}$/);
    const live = await received;
    expect(live).toMatchObject({ id: sent.id, eventSeq: expect.any(Number) });

    const error = await alice.sendMessage({ chatRoomId: room.id, content: '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatError);
    expect(error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [expect.objectContaining({ field: 'content' })],
    });
    await expect(alice.blockUser({ userId: 'nobody-such' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(bob.getChatRooms()).resolves.toEqual([expect.objectContaining({ id: room.id })]);
    await expect(alice.getOnlineUsers()).resolves.toEqual({ userIds: expect.arrayContaining([b.user.id]) });
  });

  it('should converge after a dropped connection: state built from its handlers equals getMessages, new rooms included', async () => {
    const { alice, bob, b, room } = await pair();
    await bob.getChatRooms(); // bob holds his room list: rooms joined while away are announced

    // Bob's view of the world, built only from what his handlers receive.
    type Shown = {
      chatRoomId: string;
      content: string;
      edited: boolean;
      deleted: boolean;
      reactions: Map<string, number>;
    };
    const messages = new Map<string, Shown>();
    const rooms = new Map<string, ChatRoomView | null>([[room.id, null]]);
    const upsert = (m: MessageView): void => {
      const known = messages.get(m.id);
      messages.set(m.id, {
        chatRoomId: m.chatRoomId,
        content: m.content,
        edited: m.editedAt !== null,
        deleted: m.deletedAt !== null,
        reactions: known?.reactions ?? new Map(),
      });
    };
    bob.on('newMessage', upsert);
    bob.on('messageUpdated', upsert);
    bob.on('messageDeleted', (e) => {
      const m = messages.get(e.messageId)!;
      Object.assign(m, { content: '', deleted: true, reactions: new Map() });
    });
    bob.on('reactionAdded', (e) => {
      const r = messages.get(e.messageId)!.reactions;
      r.set(e.emoji, (r.get(e.emoji) ?? 0) + 1);
    });
    bob.on('reactionRemoved', (e) => {
      const r = messages.get(e.messageId)!.reactions;
      r.set(e.emoji, r.get(e.emoji)! - 1);
      if (r.get(e.emoji) === 0) r.delete(e.emoji);
    });
    bob.on('chatRoomCreated', (v) => rooms.set(v.id, v));
    bob.on('resync', () => {
      throw new Error('a resync was not expected: the log keeps these events');
    });

    const first = await alice.sendMessage({ chatRoomId: room.id, content: 'before the drop' });
    const second = await bob.sendMessage({ chatRoomId: room.id, content: 'bob was here' });
    await alice.addReaction({ messageId: second.id, emoji: '👍' });
    await next(bob, 'reactionAdded', (e) => e.messageId === second.id);

    let queued!: Promise<MessageView>;
    let group!: ChatRoomView;
    const queuedId = crypto.randomUUID();
    await offline(bob, async () => {
      const m1 = await alice.sendMessage({ chatRoomId: room.id, content: 'while you were away 1' });
      await alice.sendMessage({ chatRoomId: room.id, content: 'while you were away 2' });
      await alice.editMessage({ messageId: first.id, content: 'before the drop (edited)' });
      await alice.addReaction({ messageId: m1.id, emoji: '🎉' });
      await alice.addReaction({ messageId: second.id, emoji: '❤️' });
      await alice.removeReaction({ messageId: second.id, emoji: '👍' });
      await alice.deleteMessage({ messageId: m1.id });
      group = await alice.createChatRoom({ type: 'GROUP', name: 'made while away', participantIds: [b.user.id] });
      await alice.sendMessage({ chatRoomId: group.id, content: 'in the new group' });
      // Bob writes while offline: kept, and sent once he is back.
      queued = bob.sendMessage({ chatRoomId: room.id, content: 'sent while offline', clientMessageId: queuedId });
      expect(bob.pendingSends).toBe(1);
    });
    const stored = await queued;
    expect(stored).toMatchObject({ content: 'sent while offline', clientMessageId: queuedId });
    await alice.sendMessage({ chatRoomId: room.id, content: 'after the return' });
    await next(bob, 'newMessage', (m) => m.content === 'after the return');

    const page = await bob.getMessages({ chatRoomId: room.id });
    const expected = new Map(
      page.messages.map((m) => [
        m.id,
        {
          chatRoomId: m.chatRoomId,
          content: m.content,
          edited: m.editedAt !== null,
          deleted: m.deletedAt !== null,
          reactions: new Map(m.reactions.map((r) => [r.emoji, r.count])),
        },
      ]),
    );
    expect(new Map([...messages].filter(([, m]) => m.chatRoomId === room.id))).toEqual(expected);
    expect(page.messages.map((m) => m.content)).toEqual([
      'before the drop (edited)',
      'bob was here',
      '',
      'while you were away 2',
      'sent while offline',
      'after the return',
    ]);
    // The group made while Bob was away reached him as chatRoomCreated, as it is now (its history is getMessages').
    expect([...rooms.keys()]).toEqual([room.id, group.id]);
    expect(rooms.get(group.id)).toMatchObject({
      name: 'made while away',
      lastMessage: { content: 'in the new group' },
    });
    expect([...messages.values()].filter((m) => m.chatRoomId === group.id)).toEqual([]);
    expect(await t.prisma.message.count({ where: { senderId: b.user.id, clientMessageId: queuedId } })).toBe(1);
  });

  it('should tell of rooms changed beyond replay while away: resync with a fresh view, roomLeft', async () => {
    const { alice, bob, b } = await pair();
    const rejoined = await alice.createChatRoom({ type: 'GROUP', name: 'out and back', participantIds: [b.user.id] });
    const removed = await alice.createChatRoom({ type: 'GROUP', name: 'out for good', participantIds: [b.user.id] });
    await bob.getChatRooms();
    const log: string[] = [];
    bob.on('resync', (e) => log.push(`resync ${e.room.name} ${e.room.participants.length}`));
    bob.on('roomLeft', (e) => log.push(`left ${e.chatRoomId === removed.id ? 'out for good' : e.chatRoomId}`));
    bob.on('participantRemoved', (e) => log.push(`removed from ${e.chatRoomId === removed.id ? 'out for good' : '?'}`));
    bob.on('newMessage', (m) => log.push(`new ${m.content}`));

    await offline(bob, async () => {
      await alice.removeParticipant({ chatRoomId: rejoined.id, userId: b.user.id });
      await alice.sendMessage({ chatRoomId: rejoined.id, content: 'while bob was out' });
      await alice.addParticipants({ chatRoomId: rejoined.id, userIds: [b.user.id] });
      await alice.removeParticipant({ chatRoomId: removed.id, userId: b.user.id });
    });
    // Bob's membership of the first room is new: its events before are not his to replay, the room is reloaded.
    // Of the room he is no longer in he is told that much, and nothing of what happened there.
    expect(log).toEqual(['left out for good', 'resync out and back 2']);
    await alice.sendMessage({ chatRoomId: rejoined.id, content: 'welcome back' });
    await next(bob, 'newMessage', (m) => m.content === 'welcome back');
    expect(log.slice(2)).toEqual(['new welcome back']);
  });

  it('should store a send whose ack was lost to a dropped connection exactly once', async () => {
    const { alice, bob, b, room } = await pair();
    const clientMessageId = crypto.randomUUID();
    const seen: string[] = [];
    alice.on('newMessage', (m) => {
      if (m.clientMessageId === clientMessageId) seen.push(m.id);
    });
    // Sent, then the transport closed before its ack could come back: resent after the reconnect, same id.
    const dropped = next(bob, 'disconnected');
    const sent = bob.sendMessage({ chatRoomId: room.id, content: 'once', clientMessageId });
    bob.socket.io.engine.close();
    await dropped;
    const stored = await sent;
    await alice.getChatRooms(); // a round trip: any second newMessage would be here by now
    expect(seen).toEqual([stored.id]);
    expect(await t.prisma.message.count({ where: { senderId: b.user.id, clientMessageId } })).toBe(1);
  });

  it('should fetch a fresh token when the session expires, and carry on', async () => {
    const u = await registerUser(t.url, 'Expiring');
    // exp 28 s ago: inside the server's 30 s leeway for 2 more seconds, then the session ends.
    const tokens = [sign({ sub: u.user.id, email: u.user.email, ver: 0, exp: nowS() - 28 }, TEST_JWT_SECRET)];
    const provider = jest.fn(async () => tokens.shift() ?? u.token);
    const client = open(provider);
    await client.connect();
    const told = next(client, 'exception');
    const back = next(client, 'connected', (i) => i.reconnect, 8000);
    expect(await told).toEqual({ code: 'UNAUTHORIZED', message: 'Token expired' });
    await back;
    expect(provider).toHaveBeenCalledTimes(2);
    await expect(client.getChatRooms()).resolves.toEqual([]);
  });

  it('should reject connect for a token the server refuses', async () => {
    const client = open('not-a-token');
    await expect(client.connect()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

const nowS = (): number => Math.floor(Date.now() / 1000);
