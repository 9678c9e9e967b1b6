import { io, Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ServerToClientEvents } from '../../src/contract/chat.events';
import { NEGATIVE_WAIT_MS } from './timings';

export type ChatClient = Socket<ServerToClientEvents, ClientToServerEvents>;
type ServerEvent = keyof ServerToClientEvents;
type ClientEvent = keyof ClientToServerEvents;
type PayloadOf<E extends ServerEvent> = Parameters<ServerToClientEvents[E]>[0];
type AckDataOf<E extends ClientEvent> = Parameters<ClientToServerEvents[E]>[1] extends (r: Ack<infer T>) => void
  ? T
  : never;

const open: ChatClient[] = [];

export interface ConnectOptions {
  transports?: ('websocket' | 'polling')[];
  extraHeaders?: Record<string, string>;
  query?: Record<string, string>;
  auth?: Record<string, unknown>;
  /** Default `/chat`. */
  namespace?: string;
}

/** Opens a `/chat` socket authenticated with `token` and resolves once connected. */
export async function connectChat(
  baseUrl: string,
  token: string | undefined,
  options: ConnectOptions = {},
): Promise<ChatClient> {
  const socket = createClient(baseUrl, token, options);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
  return socket;
}

/** Tries to connect and resolves with the connect_error message (rejects if it connects). */
export async function connectError(
  baseUrl: string,
  token: string | undefined,
  options: ConnectOptions = {},
): Promise<string> {
  const socket = createClient(baseUrl, token, options);
  return new Promise<string>((resolve, reject) => {
    socket.once('connect', () => {
      socket.disconnect();
      reject(new Error('connected, but a connect_error was expected'));
    });
    socket.once('connect_error', (err) => {
      socket.disconnect();
      resolve(err.message);
    });
  });
}

function createClient(baseUrl: string, token: string | undefined, options: ConnectOptions): ChatClient {
  const socket: ChatClient = io(`${baseUrl}${options.namespace ?? '/chat'}`, {
    auth: options.auth ?? (token === undefined ? {} : { token }),
    transports: options.transports ?? ['websocket'],
    extraHeaders: options.extraHeaders,
    query: options.query,
    reconnection: false,
    forceNew: true,
    timeout: 5000,
  });
  open.push(socket);
  return socket;
}

/** Emits an event and resolves with its ack. */
export function request<E extends ClientEvent>(
  socket: ChatClient,
  event: E,
  payload: unknown,
  timeoutMs = 10_000,
): Promise<Ack<AckDataOf<E>>> {
  return (socket.timeout(timeoutMs) as any).emitWithAck(event, payload);
}

/** Like `request`, but expects `ok: true` and returns the data. */
export async function requestOk<E extends ClientEvent>(
  socket: ChatClient,
  event: E,
  payload: unknown,
): Promise<AckDataOf<E>> {
  const ack = await request(socket, event, payload);
  if (!ack.ok) throw new Error(`${event} failed: ${JSON.stringify(ack.error)}`);
  return ack.data;
}

/** Resolves with the next `event` payload that satisfies `predicate`, or rejects after `timeoutMs`. */
export function waitForEvent<E extends ServerEvent>(
  socket: ChatClient,
  event: E,
  timeoutMs = 5000,
  predicate: (payload: PayloadOf<E>) => boolean = () => true,
): Promise<PayloadOf<E>> {
  return new Promise((resolve, reject) => {
    const listener = (payload: PayloadOf<E>): void => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      (socket as any).off(event, listener);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      (socket as any).off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${String(event)}`));
    }, timeoutMs);
    (socket as any).on(event, listener);
  });
}

/** Collects every `event` payload from now on (for asserting what did and did not arrive). */
export function collect<E extends ServerEvent>(socket: ChatClient, event: E): PayloadOf<E>[] {
  const seen: PayloadOf<E>[] = [];
  (socket as any).on(event, (payload: PayloadOf<E>) => seen.push(payload));
  return seen;
}

/**
 * Lets whatever the server sent `socket` because of earlier actions arrive:
 * a round trip on the socket (socket.io keeps one socket's packets in
 * order, so whatever the server sent it before has arrived by the ack), then
 * `ms` more for what the server sends later than an action's ack (batched
 * presence, a disconnect the server handles after the client let go). The
 * default outlasts every batching interval of the test app (timings.ts); an
 * app configured otherwise, or another node, passes its own. Pair it with a
 * `collect` started before the action to assert exactly what arrived.
 */
export async function settle(socket: ChatClient, ms = NEGATIVE_WAIT_MS): Promise<void> {
  if (socket.connected) await request(socket, 'getChatRooms', {});
  await new Promise((resolve) => setTimeout(resolve, ms));
}

export interface NoneRecorder {
  /** Asserts that nothing matching arrived since `recordNone` was called, after `settle(socket, ms)`. */
  verify(ms?: number): Promise<void>;
}

/**
 * Starts recording `event` (those matching `predicate`) on `socket`. Call it
 * BEFORE the action that must not cause the event, then `verify()` after:
 *
 *     const none = recordNone(stranger, 'userStatus');
 *     await connectChat(url, token);
 *     await none.verify();
 *
 * A listener attached after the action misses an event that came quickly,
 * and a wait shorter than the batching interval misses one that comes late.
 */
export function recordNone<E extends ServerEvent>(
  socket: ChatClient,
  event: E,
  predicate: (payload: PayloadOf<E>) => boolean = () => true,
): NoneRecorder {
  const seen: PayloadOf<E>[] = [];
  const listener = (payload: PayloadOf<E>): void => {
    if (predicate(payload)) seen.push(payload);
  };
  (socket as any).on(event, listener);
  return {
    async verify(ms = NEGATIVE_WAIT_MS) {
      try {
        await settle(socket, ms);
      } finally {
        (socket as any).off(event, listener);
      }
      if (seen.length > 0) throw new Error(`unexpected ${String(event)}: ${JSON.stringify(seen)}`);
    },
  };
}

/** Closes every socket the helpers opened (call in afterEach/afterAll). */
export function closeAllSockets(): void {
  for (const socket of open.splice(0)) socket.disconnect();
}
