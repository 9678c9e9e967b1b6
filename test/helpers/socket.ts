import { io, Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ServerToClientEvents } from '../../src/contract/chat.events';

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
 * Asserts that `event` does not arrive within `ms`. Used after an event that
 * was sent at the same time to others has been awaited, so the window is a
 * margin, not a guess.
 */
export async function expectNoEvent<E extends ServerEvent>(
  socket: ChatClient,
  event: E,
  ms = 300,
  predicate: (payload: PayloadOf<E>) => boolean = () => true,
): Promise<void> {
  const seen: PayloadOf<E>[] = [];
  const listener = (payload: PayloadOf<E>): void => {
    if (predicate(payload)) seen.push(payload);
  };
  (socket as any).on(event, listener);
  await new Promise((r) => setTimeout(r, ms));
  (socket as any).off(event, listener);
  if (seen.length > 0) throw new Error(`unexpected ${String(event)}: ${JSON.stringify(seen)}`);
}

/** Closes every socket the helpers opened (call in afterEach/afterAll). */
export function closeAllSockets(): void {
  for (const socket of open.splice(0)) socket.disconnect();
}
