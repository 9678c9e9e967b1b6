import { Injectable } from '@nestjs/common';

/**
 * Who is typing where. Each start carries a fresh token; only the holder of
 * the latest token may expire the indicator, so however many sockets or
 * nodes renew it, exactly one expiry is broadcast. In memory for one node;
 * in Redis (RedisTypingStore) for a cluster.
 */
export abstract class TypingStore {
  /** Marks typing under `token`; true if the user was not typing in the room before. */
  abstract start(chatRoomId: string, userId: string, token: string): Promise<boolean>;
  /** Ends typing only if `token` is still the latest; true if it ended. */
  abstract expire(chatRoomId: string, userId: string, token: string): Promise<boolean>;
  /** Ends typing whatever the token; true if it was on. */
  abstract stop(chatRoomId: string, userId: string): Promise<boolean>;
  abstract roomsOf(userId: string): Promise<string[]>;
}

@Injectable()
export class LocalTypingStore extends TypingStore {
  private readonly tokens = new Map<string, string>();

  async start(chatRoomId: string, userId: string, token: string): Promise<boolean> {
    const key = `${chatRoomId}|${userId}`;
    const fresh = !this.tokens.has(key);
    this.tokens.set(key, token);
    return fresh;
  }

  async expire(chatRoomId: string, userId: string, token: string): Promise<boolean> {
    const key = `${chatRoomId}|${userId}`;
    if (this.tokens.get(key) !== token) return false;
    return this.tokens.delete(key);
  }

  async stop(chatRoomId: string, userId: string): Promise<boolean> {
    return this.tokens.delete(`${chatRoomId}|${userId}`);
  }

  async roomsOf(userId: string): Promise<string[]> {
    return [...this.tokens.keys()].filter((k) => k.endsWith(`|${userId}`)).map((k) => k.split('|')[0]);
  }
}
