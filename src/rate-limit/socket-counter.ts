import { Logger } from '@nestjs/common';
import type { RedisConnection } from '../cluster/redis-connection';

/** How many sockets each user holds, and the check-and-count done at a handshake. */
export interface SocketCounter {
  /** Counts `socketId` in for `userId` unless the user already holds `max` sockets; false then. */
  tryAdd(userId: string, socketId: string, max: number): Promise<boolean>;
  /** Counts it out. Idempotent; unknown ids are ignored. */
  remove(socketId: string): void;
}

/** The sockets of this process. */
export class LocalSocketCounter implements SocketCounter {
  private readonly owners = new Map<string, string>();
  private readonly counts = new Map<string, number>();

  async tryAdd(userId: string, socketId: string, max: number): Promise<boolean> {
    if ((this.counts.get(userId) ?? 0) >= max) return false;
    this.add(userId, socketId);
    return true;
  }

  /** Counts it in without checking (another store already decided). */
  add(userId: string, socketId: string): void {
    if (this.owners.has(socketId)) return;
    this.owners.set(socketId, userId);
    this.counts.set(userId, (this.counts.get(userId) ?? 0) + 1);
  }

  /** Returns the user the socket was counted for, if it was. */
  remove(socketId: string): string | undefined {
    const userId = this.owners.get(socketId);
    if (userId === undefined) return undefined;
    this.owners.delete(socketId);
    const left = (this.counts.get(userId) ?? 1) - 1;
    if (left > 0) this.counts.set(userId, left);
    else this.counts.delete(userId);
    return userId;
  }

  /** userId → sockets, for every user with at least one. */
  perUser(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  socketIds(): string[] {
    return [...this.owners.keys()];
  }
}

/*
 * Layout (under the chat's hash tag, see RedisConnection.key):
 *   sockets:nodes          ZSET nodeId → last heartbeat (ms)
 *   sockets:node:<nodeId>  HASH userId → sockets that node holds; expires `ttlMs` after its last heartbeat
 * A user's count is the sum over live nodes, checked and incremented in one
 * script, so concurrent handshakes on several nodes cannot pass together.
 * Nothing leaks when a node dies: it stops renewing its heartbeat and its
 * hash, so its sockets stop counting after `ttlMs` without anyone cleaning up.
 * A Redis that lost its data is refilled by each node from its own sockets.
 * (Counting with `fetchSockets()` instead would cost a round trip to every
 * node per handshake and would not see handshakes in flight.)
 */

/**
 * KEYS: nodes, this node's hash. ARGV: userId, max, now, oldest live heartbeat, nodeId, node hash prefix, ttlMs.
 * The other nodes' hashes are read by name: they share the hash tag, so the slot, of KEYS.
 */
const TRY_ADD = `
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
local total = 0
for _, node in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  total = total + (tonumber(redis.call('HGET', ARGV[6] .. node, ARGV[1])) or 0)
end
if total >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('PEXPIRE', KEYS[2], ARGV[7])
return 1`;

/** KEYS: this node's hash. ARGV: userId. */
const REMOVE = `
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 1`;

/** A Redis answer slower than this counts as an outage. */
const REDIS_TIMEOUT_MS = 1000;

/**
 * The sockets of every node, in Redis. While Redis is unreachable, this
 * process's own count decides (the cap degrades to per process, like the
 * rate limits); the node's hash is rewritten from its sockets afterwards.
 */
export class RedisSocketCounter implements SocketCounter {
  private readonly logger = new Logger('ChatSocketCap');
  private readonly local = new LocalSocketCounter();
  /** Sockets whose count Redis holds (the others were admitted while it was away). */
  private readonly inRedis = new Set<string>();
  /** Redis may hold a wrong count for this node: rewrite it at the next heartbeat. */
  private stale = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisConnection,
    private readonly ttlMs: number,
    heartbeatMs: number,
  ) {
    this.heartbeat = setInterval(() => void this.beat(), heartbeatMs);
    this.heartbeat.unref();
    redis.onReconnect(() => this.rewrite());
  }

  async tryAdd(userId: string, socketId: string, max: number): Promise<boolean> {
    const now = Date.now();
    let admitted: boolean;
    try {
      const answer = await this.withTimeout(
        this.redis.cmd.eval(TRY_ADD, {
          keys: [this.nodesKey(), this.nodeKey(this.redis.nodeId)],
          arguments: [userId, max, now, now - this.ttlMs, this.redis.nodeId, this.nodeKey(''), this.ttlMs].map(String),
        }),
      );
      admitted = answer === 1;
    } catch (error) {
      // It may still have counted the socket: the heartbeat puts the count right.
      this.stale = true;
      this.logger.debug(`counting in Redis failed, this process decides: ${(error as Error).message}`);
      return this.local.tryAdd(userId, socketId, max);
    }
    if (admitted) {
      this.local.add(userId, socketId);
      this.inRedis.add(socketId);
    }
    return admitted;
  }

  remove(socketId: string): void {
    const userId = this.local.remove(socketId);
    if (userId === undefined || !this.inRedis.delete(socketId)) return;
    const removal = this.redis.cmd.eval(REMOVE, { keys: [this.nodeKey(this.redis.nodeId)], arguments: [userId] });
    this.withTimeout(removal).catch(() => {
      this.stale = true;
    });
  }

  /** Renews this node's liveness and its hash; rewrites the hash when it may be wrong or was lost. */
  private async beat(): Promise<void> {
    // Closed for good: the application is shutting down. The hash expires by itself.
    if (!this.redis.cmd.isOpen) return clearInterval(this.heartbeat);
    try {
      if (this.stale) return await this.rewrite();
      const [, renewed] = await this.redis.cmd
        .multi()
        .zAdd(this.nodesKey(), { score: Date.now(), value: this.redis.nodeId })
        .pExpire(this.nodeKey(this.redis.nodeId), this.ttlMs)
        .exec();
      // The hash is gone although this node holds sockets (it expired during a stall, or Redis lost it).
      if (!renewed && this.inRedis.size > 0) await this.rewrite();
    } catch (error) {
      this.stale = true;
      this.logger.debug(`heartbeat failed: ${(error as Error).message}`);
    }
  }

  /** Makes this node's hash what this process holds, every socket included. */
  private async rewrite(): Promise<void> {
    this.stale = false;
    const key = this.nodeKey(this.redis.nodeId);
    const counts = this.local.perUser();
    const multi = this.redis.cmd.multi().del(key);
    if (Object.keys(counts).length > 0) multi.hSet(key, counts).pExpire(key, this.ttlMs);
    try {
      await multi.zAdd(this.nodesKey(), { score: Date.now(), value: this.redis.nodeId }).exec();
    } catch (error) {
      this.stale = true;
      throw error;
    }
    for (const socketId of this.local.socketIds()) this.inRedis.add(socketId);
  }

  private withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${REDIS_TIMEOUT_MS} ms`)), REDIS_TIMEOUT_MS);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  private nodesKey(): string {
    return this.redis.key('sockets', 'nodes');
  }
  private nodeKey(nodeId: string): string {
    return this.redis.key('sockets', 'node', nodeId);
  }
}
