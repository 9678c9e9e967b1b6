import { Injectable } from '@nestjs/common';
import { ChatConfig } from '../config/chat-config';
import { TypingStore } from '../typing/typing.store';
import { RedisConnection } from './redis-connection';

/** KEYS: typing key, user's typing rooms. ARGV: token, ttl ms, chatRoomId. Returns 1 if newly typing. */
const START = `
local old = redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'GET')
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
if old then return 0 end
return 1`;

/** KEYS: typing key, user's typing rooms. ARGV: token, chatRoomId. */
const EXPIRE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
  return 1
end
return 0`;

/** KEYS: typing key, user's typing rooms. ARGV: chatRoomId. */
const STOP = `
redis.call('SREM', KEYS[2], ARGV[1])
return redis.call('DEL', KEYS[1])`;

/**
 * Cluster-wide typing state. The key outlives the timeout by the presence
 * TTL: if the node holding the expiry timer dies, the user's disconnect is
 * reaped by a survivor, which still finds the key and broadcasts the end.
 */
@Injectable()
export class RedisTypingStore extends TypingStore {
  private readonly ttlMs: number;

  constructor(
    private readonly redis: RedisConnection,
    config: ChatConfig,
  ) {
    super();
    this.ttlMs = config.typingTimeoutMs + config.presenceTtlMs;
  }

  async start(chatRoomId: string, userId: string, token: string): Promise<boolean> {
    return (await this.run(START, chatRoomId, userId, [token, String(this.ttlMs), chatRoomId])) === 1;
  }

  async expire(chatRoomId: string, userId: string, token: string): Promise<boolean> {
    return (await this.run(EXPIRE, chatRoomId, userId, [token, chatRoomId])) === 1;
  }

  async stop(chatRoomId: string, userId: string): Promise<boolean> {
    return (await this.run(STOP, chatRoomId, userId, [chatRoomId])) === 1;
  }

  roomsOf(userId: string): Promise<string[]> {
    return this.redis.cmd.sMembers(this.redis.key('typing', 'user', userId));
  }

  private run(script: string, chatRoomId: string, userId: string, args: string[]): Promise<unknown> {
    const keys = [this.redis.key('typing', chatRoomId, userId), this.redis.key('typing', 'user', userId)];
    return this.redis.cmd.eval(script, { keys, arguments: args });
  }
}
