import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../contract/chat.events';
import { ChatError } from './chat-error';
import { backoff, type Timer } from './timing';
import type { ChatClientOptions } from './types';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What the connection tells the client. */
export interface ConnectionEvents {
  /** The socket is connected (`reconnect`: not for the first time). */
  up(reconnect: boolean): void;
  down(reason: string): void;
  /** The server refuses for good (or the token provider failed): nothing will connect without a new `open()`. */
  refused(error: ChatError): void;
  error(error: Error): void;
}

/** connect_error messages that retrying does not cure. */
const REFUSALS: Record<string, ChatError['code']> = {
  'Origin not allowed': 'FORBIDDEN',
  'Invalid namespace': 'NOT_FOUND',
};

/**
 * The socket and its life: the token at every handshake, and reconnecting
 * where socket.io does not, after the server's own refusals and
 * disconnects (a new token after a session ends; outages with a backoff).
 * socket.io reconnects by itself after transport failures.
 */
export class Connection {
  readonly socket: ChatSocket;
  private closed = false;
  private everConnected = false;
  /** The server said the session ended (`exception UNAUTHORIZED`): the disconnect that follows asks for a new token. */
  private sessionEnded = false;
  private authFailures = 0;
  private retries = 0;
  private retryTimer?: Timer;
  private pending?: { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void };

  constructor(
    private readonly options: ChatClientOptions,
    private readonly events: ConnectionEvents,
  ) {
    this.socket = io(`${options.url.replace(/\/+$/, '')}${options.namespace ?? '/chat'}`, {
      forceNew: true,
      ...options.socket,
      autoConnect: false,
      auth: (send) => void this.handshakeAuth().then(send),
    });
    this.socket.on('connect', () => this.onConnect());
    this.socket.on('connect_error', (error) => this.onConnectError(error));
    this.socket.on('disconnect', (reason) => this.onDisconnect(reason));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Resolves at the next `ready()`, rejects when refused or closed first. */
  open(): Promise<void> {
    this.closed = false;
    if (!this.pending) {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      // A caller that dropped the promise (`void client.connect()`) hears of a refusal through `error`.
      promise.catch(() => undefined);
      this.pending = { promise, resolve, reject };
    }
    if (!this.socket.active) {
      this.authFailures = 0;
      this.socket.connect();
    }
    return this.pending.promise;
  }

  /** Whether an `open()` waits for `ready()`. */
  get opening(): boolean {
    return this.pending !== undefined;
  }

  /** Connected and caught up: `open()` resolves. */
  ready(): void {
    this.settle();
  }

  close(error: ChatError): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.socket.disconnect();
    this.settle(error);
  }

  /** The server sent `exception { code: 'UNAUTHORIZED' }`: it disconnects next. */
  sessionEnding(): void {
    this.sessionEnded = true;
  }

  private async handshakeAuth(): Promise<{ token?: string }> {
    const { token } = this.options;
    if (typeof token === 'string') return { token };
    try {
      return { token: await token() };
    } catch (error) {
      // Sent without a token: the refusal counts against maxAuthRetries like a refused token.
      this.events.error(new ChatError('UNAUTHORIZED', `The token provider failed: ${String(error)}`));
      return {};
    }
  }

  private onConnect(): void {
    clearTimeout(this.retryTimer);
    this.retries = 0;
    this.authFailures = 0;
    this.sessionEnded = false;
    const reconnect = this.everConnected;
    this.everConnected = true;
    this.events.up(reconnect);
  }

  private onConnectError(error: Error): void {
    // socket.io retries transport failures by itself; a refusal by the server's middleware is ours to handle.
    if (this.closed || this.socket.active) return;
    const refusal = REFUSALS[error.message];
    if (refusal) return this.refuse(new ChatError(refusal, error.message));
    if (error.message === 'Unauthorized') {
      this.authFailures += 1;
      const retries = typeof this.options.token === 'string' ? 0 : (this.options.maxAuthRetries ?? 3);
      if (this.authFailures > retries)
        return this.refuse(new ChatError('UNAUTHORIZED', 'The server refused the token'));
    }
    // "Service unavailable", "Server is shutting down", "Too many connections", a new token: try again.
    this.reconnectLater(backoff(this.retries++));
  }

  private onDisconnect(reason: string): void {
    this.events.down(reason);
    // The client's own disconnect is close(); socket.io reconnects after any other but the server's.
    if (this.closed || reason !== 'io server disconnect') return;
    if (this.sessionEnded && typeof this.options.token === 'string') {
      return this.refuse(new ChatError('UNAUTHORIZED', 'The session ended and the token cannot be renewed'));
    }
    this.reconnectLater(this.sessionEnded ? 0 : backoff(this.retries++));
  }

  private reconnectLater(delayMs: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.closed && !this.socket.active) this.socket.connect();
    }, delayMs);
  }

  private refuse(error: ChatError): void {
    clearTimeout(this.retryTimer);
    this.events.refused(error);
    this.settle(error);
  }

  private settle(error?: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return;
    if (error) pending.reject(error);
    else pending.resolve();
  }
}
