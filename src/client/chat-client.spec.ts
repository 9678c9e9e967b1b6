import { io } from 'socket.io-client';
import type { Ack, ChatRoomView, MessageView, SyncPayload, SyncResult } from '../contract/chat.events';
import { ChatClient } from './chat-client';
import type { ChatClientOptions } from './types';

jest.mock('socket.io-client', () => ({ io: jest.fn() }));

type AckFn = (error: Error | null, response?: Ack<unknown>) => void;
interface Sent {
  event: string;
  payload: any;
  ack: AckFn;
}

/**
 * socket.io-client's Socket as far as ChatClient uses it, driven by the test:
 * the "server" connects, refuses, drops, pushes events and answers acks.
 */
class FakeSocket {
  connected = false;
  active = false;
  /** Every event the client emitted, answered or not. */
  readonly sent: Sent[] = [];
  /** Tokens the client handed over at each handshake. */
  readonly tokens: (string | undefined)[] = [];
  /** Answers given at once, by event. */
  readonly handlers = new Map<string, (payload: any) => Ack<unknown>>();
  private readonly listeners = new Map<string, ((...args: any[]) => void)[]>();
  private readonly anyListeners: ((event: string, ...args: any[]) => void)[] = [];
  private buffer: Sent[] = [];
  private waiting = new Set<Sent>();

  constructor(readonly options: { auth: (send: (data: { token?: string }) => void) => void }) {}

  on(event: string, fn: (...args: any[]) => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
    return this;
  }
  onAny(fn: (event: string, ...args: any[]) => void): this {
    this.anyListeners.push(fn);
    return this;
  }
  connect(): this {
    this.active = true;
    return this;
  }
  disconnect(): this {
    const was = this.connected;
    this.active = false;
    this.connected = false;
    if (was) this.closed('io client disconnect');
    return this;
  }
  timeout(ms: number): { emit: (event: string, payload: unknown, ack: AckFn) => void } {
    return {
      emit: (event, payload, ack) => {
        let done = false;
        const timer = setTimeout(() => finish(new Error('operation has timed out')), ms);
        const finish: AckFn = (error, response) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          this.waiting.delete(sent);
          this.buffer = this.buffer.filter((s) => s !== sent);
          ack(error, response);
        };
        const sent: Sent = { event, payload, ack: finish };
        if (!this.connected) return void this.buffer.push(sent);
        this.deliver(sent);
      },
    };
  }

  /** The server accepts the handshake (after asking the client for its auth). */
  async accept(): Promise<void> {
    this.active = true;
    this.tokens.push(await new Promise<string | undefined>((resolve) => this.options.auth((d) => resolve(d.token))));
    this.connected = true;
    const buffered = this.buffer;
    this.buffer = [];
    buffered.forEach((s) => this.deliver(s));
    this.fire('connect');
    await settle();
  }
  /** The server's middleware refuses the handshake. */
  async refuse(message: string): Promise<void> {
    this.tokens.push(await new Promise<string | undefined>((resolve) => this.options.auth((d) => resolve(d.token))));
    this.active = false;
    this.fire('connect_error', new Error(message));
    await settle();
  }
  /** The transport closes (network): socket.io reconnects by itself. */
  drop(): void {
    this.connected = false;
    this.closed('transport close');
  }
  /** The server disconnects the socket: no automatic reconnect. */
  kick(): void {
    this.connected = false;
    this.active = false;
    this.closed('io server disconnect');
  }
  push(event: string, payload: unknown): void {
    this.anyListeners.forEach((fn) => fn(event, payload));
  }
  /** The unanswered emits of `event`. */
  pending(event: string): Sent[] {
    return [...this.waiting].filter((s) => s.event === event);
  }
  of(event: string): Sent[] {
    return this.sent.filter((s) => s.event === event);
  }

  private deliver(sent: Sent): void {
    this.sent.push(sent);
    const handler = this.handlers.get(sent.event);
    if (handler) sent.ack(null, handler(sent.payload));
    else this.waiting.add(sent);
  }
  private closed(reason: string): void {
    for (const sent of this.waiting) sent.ack(new Error('socket has been disconnected'));
    this.fire('disconnect', reason);
  }
  private fire(event: string, ...args: unknown[]): void {
    (this.listeners.get(event) ?? []).forEach((fn) => fn(...args));
  }
}

/** Lets promise callbacks and zero-delay timers run. */
const settle = (): Promise<void> => jest.advanceTimersByTimeAsync(0);

const ROOM = '00000000-0000-4000-8000-00000000000a';
const OTHER = '00000000-0000-4000-8000-00000000000b';

function room(id: string, lastEventSeq: number): ChatRoomView {
  return { id, lastEventSeq } as ChatRoomView;
}
function message(chatRoomId: string, eventSeq: number, content = `m${eventSeq}`): MessageView & { eventSeq: number } {
  return { id: `msg-${chatRoomId}-${eventSeq}`, chatRoomId, content, eventSeq } as MessageView & { eventSeq: number };
}
function syncAnswer(result: Partial<SyncResult>): Ack<SyncResult> {
  return { ok: true, data: { rooms: [], joined: [], readStates: [], ...result } };
}

describe(ChatClient.name, () => {
  let socket: FakeSocket;
  let client: ChatClient;

  function start(options: Partial<ChatClientOptions> = {}): ChatClient {
    client = new ChatClient({ url: 'http://chat.test/', token: 'tok', gapSyncDelayMs: 0, ...options });
    return client;
  }

  /** Connects, then loads the room list (the rooms with these lastEventSeqs). */
  async function connectWithRooms(rooms: Record<string, number>): Promise<void> {
    const connected = client.connect();
    await socket.accept();
    await connected;
    socket.handlers.set('getChatRooms', () => ({
      ok: true,
      data: Object.entries(rooms).map(([id, seq]) => room(id, seq)),
    }));
    await client.getChatRooms();
  }

  beforeEach(() => {
    jest.useFakeTimers();
    jest.mocked(io).mockImplementation(((url: string, options: any) => {
      expect(url).toBe('http://chat.test/chat');
      socket = new FakeSocket(options);
      return socket;
    }) as any);
  });

  afterEach(() => {
    client?.close();
    jest.useRealTimers();
  });

  describe('calls', () => {
    it('should resolve a typed call with the ack data and reject with a ChatError carrying code and details', async () => {
      start();
      void client.connect();
      await socket.accept();
      socket.handlers.set('joinChatRoom', (p) => ({ ok: true, data: room(p.chatRoomId, 3) }));
      await expect(client.joinChatRoom({ chatRoomId: ROOM })).resolves.toEqual(room(ROOM, 3));

      const details = [{ field: 'content', errors: ['too long'] }];
      socket.handlers.set('editMessage', () => ({
        ok: false,
        error: { code: 'VALIDATION_FAILED', message: 'bad', details },
      }));
      await expect(client.editMessage({ messageId: 'm', content: 'x' })).rejects.toMatchObject({
        name: 'ChatError',
        code: 'VALIDATION_FAILED',
        details,
      });
      // A payload-less event sends {}.
      socket.handlers.set('getBlockedUsers', (p) => ({ ok: true, data: p }));
      await expect(client.getBlockedUsers()).resolves.toEqual({});
    });

    it('should reject with TIMEOUT when no ack comes within the timeout', async () => {
      start({ ackTimeoutMs: 2000 });
      void client.connect();
      await socket.accept();
      const result = client.getMessages({ chatRoomId: ROOM });
      const failed = expect(result).rejects.toMatchObject({ code: 'TIMEOUT' });
      await jest.advanceTimersByTimeAsync(1999);
      expect(socket.pending('getMessages')).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(1);
      await failed;

      const quick = client.call('getMessages', { chatRoomId: ROOM }, { timeoutMs: 10 });
      const quickFailed = expect(quick).rejects.toMatchObject({ code: 'TIMEOUT' });
      await jest.advanceTimersByTimeAsync(10);
      await quickFailed;
    });
  });

  describe('room events', () => {
    it('should deliver each room event once per eventSeq and in order', async () => {
      start();
      await connectWithRooms({ [ROOM]: 2 });
      const seen: number[] = [];
      client.on('newMessage', (m) => seen.push(m.eventSeq));
      client.on('messageDeleted', (e) => seen.push(e.eventSeq));

      socket.push('newMessage', message(ROOM, 2)); // in the room view already
      socket.push('newMessage', message(ROOM, 3));
      socket.push('newMessage', message(ROOM, 3));
      socket.push('messageDeleted', { chatRoomId: ROOM, messageId: 'x', eventSeq: 4 });
      socket.push('messageDeleted', { chatRoomId: ROOM, messageId: 'x', eventSeq: 4 });
      expect(seen).toEqual([3, 4]);
      expect(socket.of('sync')).toHaveLength(0);
    });

    it('should ask sync for a room when an event skips ahead, and deliver the missing ones first', async () => {
      start();
      await connectWithRooms({ [ROOM]: 1 });
      const seen: string[] = [];
      client.on('newMessage', (m) => seen.push(`new${m.eventSeq}`));
      client.on('reactionAdded', (r) => seen.push(`reaction${r.eventSeq}`));

      socket.push('newMessage', message(ROOM, 4));
      await settle();
      const [sync] = socket.pending('sync');
      expect(sync.payload).toEqual({ rooms: [{ chatRoomId: ROOM, afterEventSeq: 1 }], limit: 100 });
      socket.push('newMessage', message(ROOM, 5)); // while the sync is out: waits
      expect(seen).toEqual([]);

      sync.ack(
        null,
        syncAnswer({
          rooms: [
            {
              chatRoomId: ROOM,
              events: [
                { eventSeq: 2, type: 'newMessage', data: message(ROOM, 2) },
                {
                  eventSeq: 3,
                  type: 'reactionAdded',
                  data: { chatRoomId: ROOM, messageId: 'm', userId: 'u', emoji: '👍', eventSeq: 3 },
                },
                { eventSeq: 4, type: 'newMessage', data: message(ROOM, 4) },
              ],
              hasMore: false,
              resync: false,
              left: false,
            },
          ],
        }),
      );
      await settle();
      expect(seen).toEqual(['new2', 'reaction3', 'new4', 'new5']);
      expect(socket.of('sync')).toHaveLength(1);
    });

    it('should sync again for an event that came ahead while the sync was out', async () => {
      start();
      await connectWithRooms({ [ROOM]: 1 });
      const seen: number[] = [];
      client.on('newMessage', (m) => seen.push(m.eventSeq));
      socket.push('newMessage', message(ROOM, 3));
      await settle();
      const [first] = socket.pending('sync');
      socket.push('newMessage', message(ROOM, 5)); // stored after the sync read the log
      first.ack(
        null,
        syncAnswer({
          rooms: [
            {
              chatRoomId: ROOM,
              events: [{ eventSeq: 2, type: 'newMessage', data: message(ROOM, 2) }],
              hasMore: false,
              resync: false,
              left: false,
            },
          ],
        }),
      );
      await settle();
      expect(seen).toEqual([2, 3]);
      const [second] = socket.pending('sync');
      expect(second.payload.rooms).toEqual([{ chatRoomId: ROOM, afterEventSeq: 3 }]);
      second.ack(
        null,
        syncAnswer({
          rooms: [
            {
              chatRoomId: ROOM,
              events: [{ eventSeq: 4, type: 'newMessage', data: message(ROOM, 4) }],
              hasMore: false,
              resync: false,
              left: false,
            },
          ],
        }),
      );
      await settle();
      expect(seen).toEqual([2, 3, 4, 5]);
    });

    it('should stop asking, and report it, when a sync brings nothing before events that were waiting', async () => {
      start();
      await connectWithRooms({ [ROOM]: 1 });
      const seen: number[] = [];
      const errors: string[] = [];
      client.on('newMessage', (m) => seen.push(m.eventSeq));
      client.on('error', (e) => errors.push(e.message));
      socket.handlers.set('sync', () =>
        syncAnswer({ rooms: [{ chatRoomId: ROOM, events: [], hasMore: false, resync: false, left: false }] }),
      );
      socket.push('newMessage', message(ROOM, 3));
      await jest.advanceTimersByTimeAsync(5000);
      expect(socket.of('sync')).toHaveLength(1);
      expect(seen).toEqual([3]);
      expect(errors).toEqual([expect.stringContaining('sync brought nothing')]);
    });

    it('should page a sync while hasMore', async () => {
      start({ syncPageSize: 2 });
      await connectWithRooms({ [ROOM]: 0 });
      const seen: number[] = [];
      client.on('newMessage', (m) => seen.push(m.eventSeq));
      socket.handlers.set('sync', (p: SyncPayload) => {
        const after = p.rooms[0].afterEventSeq;
        const events = [after + 1, after + 2]
          .filter((n) => n < 5)
          .map((n) => ({ eventSeq: n, type: 'newMessage' as const, data: message(ROOM, n) }));
        return syncAnswer({
          rooms: [{ chatRoomId: ROOM, events, hasMore: after + 2 < 4, resync: false, left: false }],
        });
      });
      socket.push('newMessage', message(ROOM, 5));
      await settle();
      expect(socket.of('sync').map((s) => s.payload.rooms[0].afterEventSeq)).toEqual([0, 2]);
      expect(seen).toEqual([1, 2, 3, 4, 5]);
    });

    it('should pass on room events that carry no eventSeq (a server without the event log)', async () => {
      start();
      await connectWithRooms({ [ROOM]: 0 });
      const seen: string[] = [];
      client.on('newMessage', (m) => seen.push(m.content));
      const { eventSeq: _omitted, ...unstamped } = message(ROOM, 1, 'plain');
      socket.push('newMessage', unstamped);
      socket.push('newMessage', unstamped);
      expect(seen).toEqual(['plain', 'plain']);
    });

    it('should keep delivering to other handlers when one throws, and report it as an error', async () => {
      start();
      await connectWithRooms({ [ROOM]: 0 });
      const errors: Error[] = [];
      const seen: number[] = [];
      client.on('error', (e) => errors.push(e));
      client.on('newMessage', () => {
        throw new Error('app bug');
      });
      client.on('newMessage', (m) => seen.push(m.eventSeq));
      socket.push('newMessage', message(ROOM, 1));
      socket.push('newMessage', message(ROOM, 2));
      expect(seen).toEqual([1, 2]);
      expect(errors.map((e) => e.message)).toEqual(['app bug', 'app bug']);
    });
  });

  describe('reconnect', () => {
    it('should sync every known room after a reconnect and deliver what was missed before connected', async () => {
      start();
      await connectWithRooms({ [ROOM]: 3, [OTHER]: 7 });
      const log: string[] = [];
      client.on('newMessage', (m) => log.push(`${m.chatRoomId === ROOM ? 'A' : 'B'}${m.eventSeq}`));
      client.on('resync', (e) => log.push(`resync ${e.room.lastEventSeq}`));
      client.on('roomLeft', (e) => log.push(`left ${e.chatRoomId === OTHER ? 'B' : '?'}`));
      client.on('chatRoomCreated', (v) => log.push(`created ${v.id}`));
      client.on('connected', (i) => log.push(`connected ${i.reconnect} ${i.readStates.length}`));

      socket.drop();
      socket.handlers.set('sync', () =>
        syncAnswer({
          rooms: [
            {
              chatRoomId: ROOM,
              events: [{ eventSeq: 4, type: 'newMessage', data: message(ROOM, 4) }],
              hasMore: false,
              resync: false,
              left: false,
            },
            { chatRoomId: OTHER, events: [], hasMore: false, resync: false, left: true },
          ],
          joined: [room('new-room', 2), room(ROOM, 4)],
          readStates: [{ chatRoomId: ROOM, lastDeliveredSeq: 1, lastReadSeq: 1, unreadCount: 0 }],
        }),
      );
      await socket.accept();
      expect(socket.of('sync')[0].payload).toEqual({
        rooms: [
          { chatRoomId: ROOM, afterEventSeq: 3 },
          { chatRoomId: OTHER, afterEventSeq: 7 },
        ],
        limit: 100,
      });
      expect(log).toEqual(['A4', 'left B', 'created new-room', 'connected true 1']);

      // Cursors moved: a replayed event arriving live again is dropped; the room left is forgotten.
      socket.push('newMessage', message(ROOM, 4));
      expect(log).toHaveLength(4);
      socket.drop();
      await socket.accept();
      expect(socket.of('sync')[1].payload.rooms).toEqual([
        { chatRoomId: ROOM, afterEventSeq: 4 },
        { chatRoomId: 'new-room', afterEventSeq: 2 },
      ]);
    });

    it('should give a room the server no longer replays a fresh view and a resync event', async () => {
      start();
      await connectWithRooms({ [ROOM]: 3 });
      const log: string[] = [];
      client.on('resync', (e) => log.push(`resync ${e.chatRoomId === ROOM} ${e.room.lastEventSeq}`));
      client.on('newMessage', (m) => log.push(`new${m.eventSeq}`));
      socket.drop();
      socket.handlers.set('sync', () =>
        syncAnswer({ rooms: [{ chatRoomId: ROOM, events: [], hasMore: false, resync: true, left: false }] }),
      );
      socket.handlers.set('getChatRooms', () => ({ ok: true, data: [room(ROOM, 90)] }));
      await socket.accept();
      socket.push('newMessage', message(ROOM, 90));
      socket.push('newMessage', message(ROOM, 91));
      expect(log).toEqual(['resync true 90', 'new91']);
    });

    it('should hold events of rooms joined while away until their chatRoomCreated', async () => {
      start();
      await connectWithRooms({ [ROOM]: 1 });
      const log: string[] = [];
      client.on('chatRoomCreated', (v) => log.push(`created ${v.id}`));
      client.on('newMessage', (m) => log.push(`new ${m.chatRoomId} ${m.eventSeq}`));
      socket.drop();
      await socket.accept();
      const [sync] = socket.pending('sync');
      socket.push('newMessage', message('joined', 3)); // before the sync's answer
      socket.push('newMessage', message('joined', 4));
      sync.ack(
        null,
        syncAnswer({
          rooms: [{ chatRoomId: ROOM, events: [], hasMore: false, resync: false, left: false }],
          joined: [room('joined', 3)],
        }),
      );
      await settle();
      expect(log).toEqual(['created joined', 'new joined 4']);
    });

    it('should not announce rooms as joined when the app never loaded its room list', async () => {
      start();
      void client.connect();
      await socket.accept();
      socket.handlers.set('joinChatRoom', () => ({ ok: true, data: room(ROOM, 1) }));
      await client.joinChatRoom({ chatRoomId: ROOM });
      const created: string[] = [];
      client.on('chatRoomCreated', (v) => created.push(v.id));
      socket.handlers.set('sync', () =>
        syncAnswer({
          rooms: [{ chatRoomId: ROOM, events: [], hasMore: false, resync: false, left: false }],
          joined: [room(OTHER, 5)],
        }),
      );
      socket.drop();
      await socket.accept();
      expect(socket.of('sync')).toHaveLength(1);
      expect(created).toEqual([]);
    });

    it('should release waiting events when the server has no sync (UNKNOWN_EVENT), and report it', async () => {
      start();
      await connectWithRooms({ [ROOM]: 1 });
      const seen: number[] = [];
      const errors: string[] = [];
      client.on('newMessage', (m) => seen.push(m.eventSeq));
      client.on('error', (e) => errors.push((e as { code?: string }).code ?? e.message));
      socket.handlers.set('sync', () => ({ ok: false, error: { code: 'UNKNOWN_EVENT', message: 'Unknown event' } }));
      socket.push('newMessage', message(ROOM, 3));
      await settle();
      expect(seen).toEqual([3]);
      expect(errors).toEqual(['UNKNOWN_EVENT']);
    });
  });

  describe('sendMessage', () => {
    it('should fill clientMessageId and resend it unchanged after a reconnect until acked', async () => {
      start();
      void client.connect();
      await socket.accept();
      const sent = client.sendMessage({ chatRoomId: ROOM, content: 'hi' });
      const [first] = socket.pending('sendMessage');
      expect(first.payload.clientMessageId).toMatch(/^[0-9a-f-]{36}$/);
      socket.drop();
      expect(client.pendingSends).toBe(1);

      await socket.accept();
      const [second] = socket.pending('sendMessage');
      expect(second.payload).toEqual(first.payload);
      second.ack(null, { ok: true, data: message(ROOM, 1, 'hi') });
      await expect(sent).resolves.toMatchObject({ content: 'hi' });
      expect(client.pendingSends).toBe(0);
      expect(socket.of('sendMessage')).toHaveLength(2);
    });

    it('should queue a send made while offline and deliver it on connect, keeping a given clientMessageId', async () => {
      start();
      void client.connect();
      await socket.accept();
      socket.drop();
      const sent = client.sendMessage({ chatRoomId: ROOM, content: 'offline', clientMessageId: 'mine-1' });
      await settle();
      expect(socket.of('sendMessage')).toHaveLength(0);
      socket.handlers.set('sendMessage', (p) => ({ ok: true, data: { ...message(ROOM, 1), ...p } }));
      await socket.accept();
      await expect(sent).resolves.toMatchObject({ clientMessageId: 'mine-1', content: 'offline' });
      expect(socket.of('sendMessage')).toHaveLength(1);
    });

    it('should resend after an ack timeout with the same clientMessageId, and reject what the server refuses', async () => {
      start({ ackTimeoutMs: 1000 });
      void client.connect();
      await socket.accept();
      const sent = client.sendMessage({ chatRoomId: ROOM, content: 'slow' });
      await jest.advanceTimersByTimeAsync(1000); // the first attempt times out
      await jest.advanceTimersByTimeAsync(1000); // the backoff
      const attempts = socket.of('sendMessage');
      expect(attempts).toHaveLength(2);
      expect(attempts[1].payload.clientMessageId).toBe(attempts[0].payload.clientMessageId);
      attempts[1].ack(null, { ok: true, data: message(ROOM, 1, 'slow') });
      await expect(sent).resolves.toMatchObject({ content: 'slow' });

      const refused = client.sendMessage({ chatRoomId: ROOM, content: 'x' });
      socket.pending('sendMessage')[0].ack(null, { ok: false, error: { code: 'FORBIDDEN', message: 'no' } });
      await expect(refused).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });

    it('should fail sends still waiting when the client is closed', async () => {
      start();
      const sent = client.sendMessage({ chatRoomId: ROOM, content: 'never' });
      client.close();
      await expect(sent).rejects.toMatchObject({ code: 'CLOSED' });
      await expect(client.sendMessage({ chatRoomId: ROOM, content: 'late' })).rejects.toMatchObject({
        code: 'CLOSED',
      });
    });
  });

  describe('token', () => {
    it('should ask the provider at every handshake and again after the server refuses the token', async () => {
      let n = 0;
      const provider = jest.fn(async () => `token-${++n}`);
      start({ token: provider });
      const connected = client.connect();
      await socket.refuse('Unauthorized');
      expect(socket.active).toBe(false);
      await jest.advanceTimersByTimeAsync(500); // the retry
      expect(socket.active).toBe(true);
      await socket.accept();
      await connected;
      expect(socket.tokens).toEqual(['token-1', 'token-2']);

      socket.drop();
      await socket.accept();
      expect(socket.tokens).toEqual(['token-1', 'token-2', 'token-3']);
    });

    it('should reconnect with a fresh token when the server ends the session', async () => {
      let n = 0;
      start({ token: async () => `token-${++n}` });
      void client.connect();
      await socket.accept();
      const sent = client.sendMessage({ chatRoomId: ROOM, content: 'during expiry' });
      socket.push('exception', { code: 'UNAUTHORIZED', message: 'Token expired' });
      socket.kick();
      await settle();
      expect(socket.active).toBe(true); // reconnecting at once
      socket.handlers.set('sendMessage', () => ({ ok: true, data: message(ROOM, 1, 'during expiry') }));
      await socket.accept();
      expect(socket.tokens).toEqual(['token-1', 'token-2']);
      await expect(sent).resolves.toMatchObject({ content: 'during expiry' });
    });

    it('should give up after maxAuthRetries refusals in a row with a provider', async () => {
      start({ token: async () => 'bad', maxAuthRetries: 2 });
      const connected = client.connect();
      const failed = expect(connected).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      for (let i = 0; i < 3; i++) {
        await socket.refuse('Unauthorized');
        await jest.advanceTimersByTimeAsync(2000);
      }
      await failed;
      expect(socket.tokens).toHaveLength(3);
      expect(socket.active).toBe(false);
    });

    it('should reject connect at once when a fixed token is refused, and fail its waiting sends', async () => {
      start({ token: 'stale' });
      const sent = client.sendMessage({ chatRoomId: ROOM, content: 'x' });
      const connected = client.connect();
      await socket.refuse('Unauthorized');
      await expect(connected).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      await expect(sent).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      await jest.advanceTimersByTimeAsync(60_000);
      expect(socket.tokens).toEqual(['stale']);
    });

    it('should retry an outage refusal without end', async () => {
      start();
      const connected = client.connect();
      for (let i = 0; i < 5; i++) {
        await socket.refuse('Service unavailable');
        await jest.advanceTimersByTimeAsync(10_000);
        expect(socket.active).toBe(true);
      }
      await socket.accept();
      await connected;
    });
  });

  describe('typing', () => {
    it('should throttle typing, and stop it without a word when a message is sent in the room', async () => {
      start();
      void client.connect();
      await socket.accept();
      socket.handlers.set('typing', (p) => ({ ok: true, data: p }));
      client.typing(ROOM);
      client.typing(ROOM);
      await jest.advanceTimersByTimeAsync(1000);
      client.typing(ROOM);
      expect(socket.of('typing').map((s) => s.payload)).toEqual([{ chatRoomId: ROOM, isTyping: true }]);
      client.sendMessage({ chatRoomId: ROOM, content: 'done' }).catch(() => undefined);
      await jest.advanceTimersByTimeAsync(10_000);
      // The server ends the indicator on the message: no isTyping false follows.
      expect(socket.of('typing')).toHaveLength(1);

      client.typing(ROOM);
      await jest.advanceTimersByTimeAsync(3000);
      expect(socket.of('typing').map((s) => s.payload.isTyping)).toEqual([true, true, false]);
    });
  });
});
