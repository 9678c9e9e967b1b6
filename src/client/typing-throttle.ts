import type { TypingPayload } from '../contract/chat.events';
import type { Timer } from './timing';

interface RoomTyping {
  /** When `isTyping: true` was last sent. */
  sentAt: number;
  /** Sends `isTyping: false` once the user pauses. */
  idle: Timer;
}

/**
 * Turns "the user pressed a key in this room" into few `typing` events: `true`
 * on the first key and again every `renewMs` while keys keep coming (the
 * server ends an indicator not renewed within its `typing.timeoutMs`, 5 s by
 * default), `false` after `idleMs` without a key.
 */
export class TypingThrottle {
  private readonly rooms = new Map<string, RoomTyping>();

  constructor(
    private readonly send: (payload: TypingPayload) => boolean,
    private readonly renewMs = 3000,
    private readonly idleMs = 3000,
  ) {}

  typing(chatRoomId: string): void {
    const now = Date.now();
    const room = this.rooms.get(chatRoomId);
    if (room) clearTimeout(room.idle);
    let sentAt = room?.sentAt ?? Number.NEGATIVE_INFINITY;
    if (now - sentAt >= this.renewMs) {
      if (!this.send({ chatRoomId, isTyping: true })) return this.clear(chatRoomId);
      sentAt = now;
    }
    this.rooms.set(chatRoomId, { sentAt, idle: setTimeout(() => this.stop(chatRoomId), this.idleMs) });
  }

  /** Sends `isTyping: false` if the room's indicator is on. */
  stop(chatRoomId: string): void {
    if (!this.rooms.has(chatRoomId)) return;
    this.clear(chatRoomId);
    this.send({ chatRoomId, isTyping: false });
  }

  /** Forgets the room's indicator without a word: the server ended it (a message was sent, the socket dropped). */
  clear(chatRoomId: string): void {
    const room = this.rooms.get(chatRoomId);
    if (room) clearTimeout(room.idle);
    this.rooms.delete(chatRoomId);
  }

  clearAll(): void {
    for (const chatRoomId of [...this.rooms.keys()]) this.clear(chatRoomId);
  }

  /** A raw `typing` call was made: keep the throttle in step with it. */
  noteSent(payload: TypingPayload): void {
    if (!payload.isTyping) return this.clear(payload.chatRoomId);
    const room = this.rooms.get(payload.chatRoomId);
    if (room) clearTimeout(room.idle);
    this.rooms.set(payload.chatRoomId, {
      sentAt: Date.now(),
      idle: setTimeout(() => this.stop(payload.chatRoomId), this.idleMs),
    });
  }
}
