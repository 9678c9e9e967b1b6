import type { SendMessagePayload } from '../contract/chat.events';
import { ChatError, isTransient, retryAfterMs } from './chat-error';
import { backoff, type Timer } from './timing';
import type { ResultOf } from './types';

/** What a send resolves to: the stored message (with its newMessage event's eventSeq). */
type Stored = ResultOf<'sendMessage'>;

/** A send with its `clientMessageId` set: the server stores it once however often it arrives. */
export type OutgoingMessage = SendMessagePayload & { clientMessageId: string };

export interface OutboxTransport {
  connected(): boolean;
  /** One attempt: resolves with the stored message, rejects with a ChatError. */
  send(message: OutgoingMessage, timeoutMs: number | undefined): Promise<Stored>;
}

interface Entry {
  message: OutgoingMessage;
  timeoutMs: number | undefined;
  resolve: (message: Stored) => void;
  reject: (error: ChatError) => void;
  inFlight: boolean;
  attempts: number;
  retry?: Timer;
}

/**
 * Sends kept until acked. One send in flight per room, so a room's messages
 * are stored in the order they were sent; rooms do not wait for each other.
 * A send that times out, meets a dropped connection, an ended session or a
 * server that is unavailable or rate-limiting is sent again, with the same
 * clientMessageId, once that can work; any other error rejects it.
 */
export class Outbox {
  /** Per room (or per recipient for `recipientId` sends), in order. */
  private readonly queues = new Map<string, Entry[]>();

  constructor(private readonly transport: OutboxTransport) {}

  get size(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.length;
    return n;
  }

  add(message: OutgoingMessage, timeoutMs?: number): Promise<Stored> {
    const key = message.chatRoomId ? `room:${message.chatRoomId.toLowerCase()}` : `to:${message.recipientId}`;
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(key);
      if (!queue) this.queues.set(key, (queue = []));
      queue.push({ message, timeoutMs, resolve, reject, inFlight: false, attempts: 0 });
      this.pump(key);
    });
  }

  /** (Re)connected: every room's first waiting send goes (again). */
  flush(): void {
    for (const [key, queue] of this.queues) {
      const head = queue[0];
      if (head?.retry) {
        clearTimeout(head.retry);
        head.retry = undefined;
      }
      this.pump(key);
    }
  }

  /** Every waiting send fails with `error` (the client was closed or cannot connect any more). */
  rejectAll(error: ChatError): void {
    const queues = [...this.queues.values()];
    this.queues.clear();
    for (const entry of queues.flat()) {
      if (entry.retry) clearTimeout(entry.retry);
      entry.reject(error);
    }
  }

  private pump(key: string): void {
    const head = this.queues.get(key)?.[0];
    if (!head || head.inFlight || head.retry || !this.transport.connected()) return;
    head.inFlight = true;
    head.attempts += 1;
    this.transport.send(head.message, head.timeoutMs).then(
      (stored) => this.settle(key, head, () => head.resolve(stored)),
      (error: unknown) => {
        if (isTransient(error)) return this.later(key, head, error);
        const failure = error instanceof ChatError ? error : new ChatError('INTERNAL', String(error));
        this.settle(key, head, () => head.reject(failure));
      },
    );
  }

  /** The head is done: the room's next send goes. */
  private settle(key: string, entry: Entry, done: () => void): void {
    const queue = this.queues.get(key);
    if (queue?.[0] !== entry) return; // rejected by rejectAll meanwhile
    queue.shift();
    if (queue.length === 0) this.queues.delete(key);
    done();
    this.pump(key);
  }

  /** Sent again: at once on the next connect when the connection is the problem, else after a backoff. */
  private later(key: string, entry: Entry, error: ChatError): void {
    entry.inFlight = false;
    if (this.queues.get(key)?.[0] !== entry) return;
    if (error.code === 'DISCONNECTED' || error.code === 'UNAUTHORIZED' || !this.transport.connected()) return;
    const delay =
      error.code === 'RATE_LIMITED' ? (retryAfterMs(error) ?? backoff(entry.attempts, 1000)) : backoff(entry.attempts);
    entry.retry = setTimeout(() => {
      entry.retry = undefined;
      this.pump(key);
    }, delay);
  }
}
