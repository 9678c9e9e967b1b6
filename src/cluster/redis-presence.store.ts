import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ChatConfig } from '../config/chat-config';
import { PresenceStore } from '../presence/presence.store';
import { RedisConnection } from './redis-connection';

/*
 * Layout (all under one hash tag, see RedisConnection.key):
 *   presence:nodes            ZSET nodeId → last heartbeat (ms)
 *   presence:user:<userId>    HASH socketId → nodeId
 *   presence:node:<nodeId>    SET  "<userId>|<socketId>" (what to clean if that node dies)
 *   presence:online           SET  userIds with at least one live socket
 * A socket counts only while its node's heartbeat is fresh, so a dead node's
 * users read as offline at once, and a survivor reaps its entries.
 */

/** Counts the sockets of a user hash whose node is alive. Shared by the scripts below. */
const COUNT_ALIVE = `
local function alive_count(userKey, nodesKey, minScore)
  local n = 0
  local entries = redis.call('HGETALL', userKey)
  for i = 1, #entries, 2 do
    local score = redis.call('ZSCORE', nodesKey, entries[i + 1])
    if score and tonumber(score) >= minScore then n = n + 1 end
  end
  return n
end
`;

/** KEYS: user, node, online, nodes. ARGV: socketId, nodeId, userId, minScore. Returns 1 if the user came online. */
const ADD = `${COUNT_ALIVE}
local before = alive_count(KEYS[1], KEYS[4], tonumber(ARGV[4]))
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3] .. '|' .. ARGV[1])
redis.call('SADD', KEYS[3], ARGV[3])
if before == 0 then return 1 end
return 0`;

/** Same keys and arguments. Returns 1 if that was the user's last live socket. */
const REMOVE = `${COUNT_ALIVE}
redis.call('SREM', KEYS[2], ARGV[3] .. '|' .. ARGV[1])
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
if alive_count(KEYS[1], KEYS[4], tonumber(ARGV[4])) == 0 then
  redis.call('SREM', KEYS[3], ARGV[3])
  return 1
end
return 0`;

/** KEYS: nodes, then one user key each. ARGV: minScore. Returns 1/0 per user, in order. */
const ARE_ONLINE = `${COUNT_ALIVE}
local out = {}
for i = 2, #KEYS do
  if alive_count(KEYS[i], KEYS[1], tonumber(ARGV[1])) > 0 then out[i - 1] = 1 else out[i - 1] = 0 end
end
return out`;

@Injectable()
export class RedisPresenceStore extends PresenceStore implements OnModuleDestroy {
  private readonly logger = new Logger('Presence');
  /** This node's sockets, to re-register after Redis comes back (it may have lost everything). */
  private readonly local = new Map<string, string>();
  private readonly heartbeat: NodeJS.Timeout;
  private offlineListener: (userIds: string[]) => void = () => undefined;

  constructor(
    private readonly redis: RedisConnection,
    private readonly config: ChatConfig,
  ) {
    super();
    void this.beat();
    this.heartbeat = setInterval(() => void this.beat(), config.presenceHeartbeatMs);
    this.heartbeat.unref();
    redis.onReconnect(() => this.resync());
  }

  override onUsersOffline(listener: (userIds: string[]) => void): void {
    this.offlineListener = listener;
  }

  async add(userId: string, socketId: string): Promise<boolean> {
    this.local.set(socketId, userId);
    return (
      (await this.run(ADD, this.keysFor(userId, this.redis.nodeId), [
        socketId,
        this.redis.nodeId,
        userId,
        this.minScore(),
      ])) === 1
    );
  }

  async remove(userId: string, socketId: string): Promise<boolean> {
    this.local.delete(socketId);
    return this.removeOn(this.redis.nodeId, userId, socketId);
  }

  /** One round trip however many users are asked about. */
  async onlineAmong(userIds: string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const keys = [this.nodesKey(), ...userIds.map((id) => this.userKey(id))];
    const answers = (await this.run(ARE_ONLINE, keys, [this.minScore()])) as number[];
    return userIds.filter((_, i) => answers[i] === 1);
  }

  async countOnline(): Promise<number> {
    return this.redis.cmd.sCard(this.redis.key('presence', 'online'));
  }

  /** Graceful shutdown: forget this node's sockets; returns the users who went offline. */
  override async leaveCluster(): Promise<string[]> {
    clearInterval(this.heartbeat);
    const offline: string[] = [];
    for (const [socketId, userId] of [...this.local]) {
      this.local.delete(socketId);
      if (await this.removeOn(this.redis.nodeId, userId, socketId)) offline.push(userId);
    }
    await this.redis.cmd.zRem(this.nodesKey(), this.redis.nodeId);
    return offline;
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
  }

  /** Renews this node's liveness, then reaps nodes whose heartbeat stopped. */
  private async beat(): Promise<void> {
    try {
      await this.redis.cmd.zAdd(this.nodesKey(), { score: Date.now(), value: this.redis.nodeId });
      await this.reapDeadNodes();
    } catch (error) {
      this.logger.debug(`heartbeat failed: ${(error as Error).message}`);
    }
  }

  private async reapDeadNodes(): Promise<void> {
    const dead = await this.redis.cmd.zRangeByScore(this.nodesKey(), '-inf', `(${this.minScore()}`);
    for (const nodeId of dead) {
      // ZREM is the claim: exactly one survivor gets 1 and cleans up.
      if ((await this.redis.cmd.zRem(this.nodesKey(), nodeId)) !== 1) continue;
      const members = await this.redis.cmd.sMembers(this.nodeKey(nodeId));
      const offline = new Set<string>();
      for (const member of members) {
        const [userId, socketId] = member.split('|');
        if (await this.removeOn(nodeId, userId, socketId)) offline.add(userId);
      }
      await this.redis.cmd.del(this.nodeKey(nodeId));
      this.logger.warn(
        `node ${nodeId} stopped answering: removed ${members.length} sockets, ${offline.size} users offline`,
      );
      if (offline.size > 0) this.offlineListener([...offline]);
    }
  }

  /** After Redis was lost (maybe restarted empty): put back what this node holds, drop what it no longer does. */
  private async resync(): Promise<void> {
    await this.redis.cmd.zAdd(this.nodesKey(), { score: Date.now(), value: this.redis.nodeId });
    const recorded = await this.redis.cmd.sMembers(this.nodeKey(this.redis.nodeId));
    const offline: string[] = [];
    for (const member of recorded) {
      const [userId, socketId] = member.split('|');
      if (!this.local.has(socketId) && (await this.removeOn(this.redis.nodeId, userId, socketId))) offline.push(userId);
    }
    for (const [socketId, userId] of this.local) {
      await this.run(ADD, this.keysFor(userId, this.redis.nodeId), [
        socketId,
        this.redis.nodeId,
        userId,
        this.minScore(),
      ]);
    }
    if (offline.length > 0) this.offlineListener(offline);
  }

  private async removeOn(nodeId: string, userId: string, socketId: string): Promise<boolean> {
    return (await this.run(REMOVE, this.keysFor(userId, nodeId), [socketId, nodeId, userId, this.minScore()])) === 1;
  }

  private run(script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.redis.cmd.eval(script, { keys, arguments: args.map(String) });
  }

  private keysFor(userId: string, nodeId: string): string[] {
    return [this.userKey(userId), this.nodeKey(nodeId), this.redis.key('presence', 'online'), this.nodesKey()];
  }

  private userKey(userId: string): string {
    return this.redis.key('presence', 'user', userId);
  }
  private nodeKey(nodeId: string): string {
    return this.redis.key('presence', 'node', nodeId);
  }
  private nodesKey(): string {
    return this.redis.key('presence', 'nodes');
  }
  private minScore(): number {
    return Date.now() - this.config.presenceTtlMs;
  }
}
