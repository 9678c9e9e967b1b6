import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import type {
  AckCallback,
  ChatRoomView,
  ClientToServerEvents,
  ReadState,
  RoomEventType,
  ServerToClientEvents,
} from '../contract/chat.events';

export type ClientEventName = keyof ClientToServerEvents;
export type ServerEventName = keyof ServerToClientEvents;
/** What a client event takes. */
export type PayloadOf<E extends ClientEventName> = Parameters<ClientToServerEvents[E]>[0];
/** What a client event's ack carries in `data`. */
export type ResultOf<E extends ClientEventName> =
  Parameters<ClientToServerEvents[E]>[1] extends AckCallback<infer T> ? T : never;

/** Called on every (re)connect, and again when the server refuses the token or ends the session. */
export type TokenProvider = () => string | Promise<string>;

export interface ChatClientOptions {
  /** The server, e.g. `https://app.example.com`; the client adds the namespace. */
  url: string;
  /** A token, or a function that returns a fresh one (refreshed on expiry). */
  token: string | TokenProvider;
  /** Default `/chat` (ChatModule's `namespace`). */
  namespace?: string;
  /** How long a call waits for its ack before it fails with `TIMEOUT` (a send is resent instead). Default 10000. */
  ackTimeoutMs?: number;
  /** `typing(chatRoomId)`: `isTyping: true` at most every `renewMs` (3000), `false` after `idleMs` (3000) without a call. */
  typing?: { renewMs?: number; idleMs?: number };
  /** How long an event that arrived ahead of its predecessors waits for them before `sync` is asked. Default 200. */
  gapSyncDelayMs?: number;
  /** Events per room and `sync` page (1–500). Default 100. */
  syncPageSize?: number;
  /** Refused handshakes in a row, with a token provider, before the client gives up. Default 3. */
  maxAuthRetries?: number;
  /** socket.io-client's own options (transports, path, reconnectionDelay…); `auth` and `autoConnect` are the client's. */
  socket?: Partial<ManagerOptions & SocketOptions>;
}

export interface CallOptions {
  /** Overrides `ackTimeoutMs` for this call. */
  timeoutMs?: number;
}

/** The events the client adds to the server's. */
export interface LocalEvents {
  /**
   * Connected; after a reconnect, once what was missed has been delivered (`sync`). `readStates`: the read and
   * delivered cursors of every room after a reconnect (empty on the first connect).
   */
  connected: (info: { reconnect: boolean; readStates: ReadState[] }) => void;
  /** The connection was lost (`reason` as socket.io gives it); the client reconnects unless closed or refused. */
  disconnected: (info: { reason: string }) => void;
  /**
   * A room whose missed events the server no longer keeps (or the user was away from it): `room` is its fresh
   * view; reload its messages (`getMessages`). Events after `room.lastEventSeq` follow as usual.
   */
  resync: (event: { chatRoomId: string; room: ChatRoomView }) => void;
  /** The user is no longer in the room (found by a `sync`); drop it. */
  roomLeft: (event: { chatRoomId: string }) => void;
  /** Something failed that no call of yours can be told about: a refused connection, a failed sync, a throwing handler. */
  error: (error: Error) => void;
}

/** Everything `on()` accepts: the server's events with their own payloads, and the client's (LocalEvents). */
export type ChatClientEvents = ServerToClientEvents & LocalEvents;

/** Which server events are room events (sequenced by `eventSeq`): checked against the contract's RoomEventType. */
export type ServerEventKinds = { readonly [E in ServerEventName]: E extends RoomEventType ? 'room' : 'plain' };

/** Arguments of a typed call: the payload may be left out where every field is optional (`getChatRooms()`). */
export type CallArgs<E extends ClientEventName> =
  Record<string, never> extends PayloadOf<E>
    ? [payload?: PayloadOf<E>, options?: CallOptions]
    : [payload: PayloadOf<E>, options?: CallOptions];

/** One method per client event, named after it, resolving to its ack's `data`. */
export type ChatCallMethods = { [E in ClientEventName]: (...args: CallArgs<E>) => Promise<ResultOf<E>> };
