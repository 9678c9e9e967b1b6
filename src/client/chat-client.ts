import type {
  Ack,
  ChatRoomView,
  ErrorBody,
  ReadState,
  SendMessagePayload,
  SyncEvent,
  TypingPayload,
} from '../contract/chat.events';
import { ChatCalls } from './chat-calls';
import { ChatError } from './chat-error';
import { Connection, type ChatSocket } from './connection';
import { Listeners } from './listeners';
import { Outbox, type OutgoingMessage } from './outbox';
import { RoomCursors } from './room-cursors';
import { RoomSync } from './room-sync';
import { newId } from './timing';
import { TypingThrottle } from './typing-throttle';
import type {
  CallOptions,
  ChatCallMethods,
  ChatClientEvents,
  ChatClientOptions,
  ClientEventName,
  PayloadOf,
  ResultOf,
  ServerEventKinds,
} from './types';

/** socket.io's emit without the contract's types: `call` is the typed surface. */
interface LooseEmitter {
  emit(event: string, payload: unknown, ack: (error: Error | null, response: Ack<unknown>) => void): unknown;
}

const SERVER_EVENTS: ServerEventKinds = {
  chatRoomCreated: 'plain',
  chatRoomUpdated: 'room',
  participantsAdded: 'room',
  participantRemoved: 'room',
  newMessage: 'room',
  messageUpdated: 'room',
  messageDeleted: 'room',
  threadUpdated: 'room',
  userTyping: 'plain',
  userStatus: 'plain',
  messageStatus: 'plain',
  readStateChanged: 'plain',
  chatRoomMuteChanged: 'plain',
  reactionAdded: 'room',
  reactionRemoved: 'room',
  messagePinned: 'room',
  messageUnpinned: 'room',
  notification: 'plain',
  exception: 'plain',
};

/** Calls whose ack is a room view: its `lastEventSeq` starts the room's cursor. */
const ROOM_VIEW_ACKS: ReadonlySet<ClientEventName> = new Set<ClientEventName>([
  'createChatRoom',
  'joinChatRoom',
  'addParticipants',
  'removeParticipant',
  'updateChatRoom',
]);

/**
 * A typed client of the `/chat` namespace, for browsers and Node. On top of
 * socket.io it adds: a token provider asked on every (re)connect and after
 * the server refuses or ends a session; typed calls with ack timeouts;
 * sends kept until acked (same clientMessageId, per-room order); room
 * events delivered once and in eventSeq order per room, with what was
 * missed replayed by `sync` after reconnects and gaps; throttled typing.
 */
export class ChatClient extends ChatCalls implements Omit<ChatCallMethods, 'typing'> {
  /** The socket.io socket underneath (its manager is `socket.io`). */
  readonly socket: ChatSocket;
  private readonly connection: Connection;
  private readonly listeners = new Listeners<ChatClientEvents>();
  private readonly cursors: RoomCursors;
  private readonly roomSync: RoomSync;
  private readonly outbox: Outbox;
  private readonly typingThrottle: TypingThrottle;
  private readonly ackTimeoutMs: number;
  /** The app loaded its room list: rooms a catch-up finds joined meanwhile are news to it. */
  private roomListLoaded = false;

  constructor(options: ChatClientOptions) {
    super();
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.connection = new Connection(options, {
      up: (reconnect) => this.onConnect(reconnect),
      down: (reason) => this.onDisconnect(reason),
      refused: (error) => {
        this.outbox.rejectAll(error);
        this.listeners.emit('error', error);
      },
      error: (error) => this.listeners.emit('error', error),
    });
    this.socket = this.connection.socket;
    this.cursors = new RoomCursors((event) => this.deliver(event));
    this.roomSync = new RoomSync(
      this.cursors,
      {
        request: (event, payload) => this.request(event, payload),
        connected: () => this.socket.connected,
        knowsAllRooms: () => this.roomListLoaded,
        emit: (event, ...args) => this.listeners.emit(event, ...args),
      },
      { pageSize: options.syncPageSize ?? 100, gapDelayMs: options.gapSyncDelayMs ?? 200 },
    );
    this.outbox = new Outbox({
      connected: () => this.socket.connected,
      send: (message, timeoutMs) => this.request('sendMessage', message, timeoutMs),
    });
    this.typingThrottle = new TypingThrottle(
      (payload) => {
        if (!this.socket.connected) return false;
        this.request('typing', payload).catch(() => undefined); // best effort: the next key renews it
        return true;
      },
      options.typing?.renewMs,
      options.typing?.idleMs,
    );
    this.socket.onAny((event: string, payload: unknown) => this.onServerEvent(event, payload));
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Sends not acked yet. */
  get pendingSends(): number {
    return this.outbox.size;
  }

  /**
   * Opens the connection; resolves once connected (after a reconnect: once what was missed is delivered). Rejects
   * when the server refuses for good: a token it refuses (a provider's, `maxAuthRetries` times in a row), or an
   * origin it does not allow. Outages are retried without end; `close()` stops.
   */
  connect(): Promise<void> {
    if (this.socket.connected && !this.connection.opening) return Promise.resolve();
    return this.connection.open();
  }

  /** Disconnects for good: sends not acked yet and calls waiting for an ack fail with `CLOSED`. */
  close(): void {
    const error = new ChatError('CLOSED', 'The client was closed');
    this.typingThrottle.clearAll();
    this.connection.close(error);
    this.outbox.rejectAll(error);
  }

  /** Subscribes to a server event (its payload as the contract types it) or a client event; returns the unsubscribe. */
  on<K extends keyof ChatClientEvents>(event: K, handler: ChatClientEvents[K]): () => void {
    return this.listeners.on(event, handler);
  }

  off<K extends keyof ChatClientEvents>(event: K, handler: ChatClientEvents[K]): void {
    this.listeners.off(event, handler);
  }

  /** Any client event: resolves to its ack's `data`, rejects with a ChatError (`TIMEOUT` after `timeoutMs`). */
  async call<E extends ClientEventName>(event: E, payload: PayloadOf<E>, options?: CallOptions): Promise<ResultOf<E>> {
    const data = await this.request(event, payload, options?.timeoutMs);
    this.observe(event, data);
    return data;
  }

  /**
   * Sends a message, with a fresh `clientMessageId` unless given. It is kept until acked: sent again with the same
   * id after a reconnect or a timeout, in order within its room, and stored once. Resolves with the stored
   * message; rejects with the server's error code for a send it refuses, or `CLOSED`. Ends the room's typing.
   */
  sendMessage(payload: SendMessagePayload, options?: CallOptions): Promise<ResultOf<'sendMessage'>> {
    if (this.connection.isClosed) return Promise.reject(new ChatError('CLOSED', 'The client was closed'));
    const message: OutgoingMessage = { ...payload, clientMessageId: payload.clientMessageId ?? newId() };
    // The server ends the sender's typing indicator when the message arrives.
    if (message.chatRoomId) this.typingThrottle.clear(message.chatRoomId);
    return this.outbox.add(message, options?.timeoutMs);
  }

  /**
   * `typing(chatRoomId)`: call it on every key press. Sends `typing { isTyping: true }` at most every 3 s per room,
   * and `isTyping: false` after a 3 s pause (`options.typing`). `typing(payload)` is the raw event.
   */
  typing(chatRoomId: string): void;
  typing(payload: TypingPayload, options?: CallOptions): Promise<ResultOf<'typing'>>;
  typing(arg: string | TypingPayload, options?: CallOptions): void | Promise<ResultOf<'typing'>> {
    if (typeof arg === 'string') return this.typingThrottle.typing(arg);
    this.typingThrottle.noteSent(arg);
    return this.call('typing', arg, options);
  }

  /** Ends the typing indicator of a room now (`isTyping: false`, if it was on). */
  stopTyping(chatRoomId: string): void {
    this.typingThrottle.stop(chatRoomId);
  }

  private request<E extends ClientEventName>(
    event: E,
    payload: PayloadOf<E>,
    timeoutMs = this.ackTimeoutMs,
  ): Promise<ResultOf<E>> {
    if (this.connection.isClosed) return Promise.reject(new ChatError('CLOSED', 'The client was closed'));
    return new Promise((resolve, reject) => {
      (this.socket.timeout(timeoutMs) as unknown as LooseEmitter).emit(event, payload, (error, ack) => {
        if (error) {
          const dropped = error.message === 'socket has been disconnected';
          reject(
            dropped
              ? new ChatError('DISCONNECTED', `${event}: the connection dropped before the answer`)
              : new ChatError('TIMEOUT', `${event}: no answer within ${timeoutMs} ms`),
          );
        } else if (!ack.ok) {
          reject(ChatError.fromBody(ack.error));
        } else {
          resolve(ack.data as ResultOf<E>);
        }
      });
    });
  }

  /** Room views in acks start the rooms' cursors. */
  private observe(event: ClientEventName, data: unknown): void {
    if (event === 'getChatRooms') {
      for (const view of data as ChatRoomView[]) this.cursors.seed(view.id, view.lastEventSeq);
      this.roomListLoaded = true;
    } else if (ROOM_VIEW_ACKS.has(event)) {
      const view = data as ChatRoomView;
      this.cursors.seed(view.id, view.lastEventSeq);
    }
  }

  private onServerEvent(event: string, payload: unknown): void {
    const kind = (SERVER_EVENTS as Partial<Record<string, string>>)[event];
    if (!kind) return;
    if (event === 'chatRoomCreated') {
      // A full view: the room starts (or, re-added after leaving, starts over) at its lastEventSeq.
      const view = payload as ChatRoomView;
      this.cursors.seed(view.id, view.lastEventSeq, true);
      this.listeners.emit('chatRoomCreated', view);
      if (this.cursors.drain(view.id)) this.roomSync.gapFound();
      return;
    }
    if (event === 'exception' && (payload as ErrorBody | undefined)?.code === 'UNAUTHORIZED') {
      this.connection.sessionEnding();
    }
    const stamp = payload as { chatRoomId?: unknown; eventSeq?: unknown } | undefined;
    if (kind === 'room' && typeof stamp?.eventSeq === 'number' && typeof stamp.chatRoomId === 'string') {
      this.roomSync.live({ eventSeq: stamp.eventSeq, type: event, data: payload } as SyncEvent);
      return;
    }
    // Other events, and room events of a server that does not number them: as they come.
    this.listeners.emitUnchecked(event, payload);
  }

  /** A room event's turn came (live or replayed): to the handlers of its type, with its eventSeq. */
  private deliver(event: SyncEvent): void {
    const data = event.data.eventSeq === event.eventSeq ? event.data : { ...event.data, eventSeq: event.eventSeq };
    this.listeners.emitUnchecked(event.type, data);
  }

  private onConnect(reconnect: boolean): void {
    this.outbox.flush();
    if (!reconnect) return this.announce(false, []);
    void this.roomSync.catchUp().then((readStates) => {
      if (readStates) this.announce(true, readStates);
    });
  }

  private announce(reconnect: boolean, readStates: ReadState[]): void {
    this.listeners.emit('connected', { reconnect, readStates });
    this.connection.ready();
  }

  private onDisconnect(reason: string): void {
    this.roomSync.disconnected();
    this.typingThrottle.clearAll();
    this.listeners.emit('disconnected', { reason });
  }
}
