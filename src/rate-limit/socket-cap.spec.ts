import { EventEmitter } from 'node:events';
import { RedisConnection } from '../cluster/redis-connection';
import { ChatConfig } from '../config/chat-config';
import type { ChatSocket } from '../realtime/chat-socket';
import { HANDSHAKE_GRACE_MS, socketCap, TOO_MANY_CONNECTIONS } from './socket-cap';
import { LocalSocketCounter, RedisSocketCounter } from './socket-counter';

const REDIS_URL = process.env.REDIS_URL;

function config(maxSocketsPerUser: number, redis?: { url: string; keyPrefix: string }): ChatConfig {
  return new ChatConfig({
    authenticate: () => null,
    users: { findByIds: async () => [] },
    database: { dataDir: '/tmp/chat-unit' },
    limits: { maxSocketsPerUser },
    redis,
    presence: { heartbeatMs: 50, ttlMs: 300 },
  });
}

let sequence = 0;

/** What the middleware sees of a socket in its handshake; `connect()` / `disconnect()` play socket.io's part. */
function fakeSocket(userId: string) {
  const conn = Object.assign(new EventEmitter(), { readyState: 'open' });
  const socket = Object.assign(new EventEmitter(), {
    id: `s${++sequence}`,
    data: { userId },
    connected: false,
    conn,
    connect: () => void (socket.connected = true),
    disconnect: () => {
      socket.connected = false;
      socket.emit('disconnect', 'client namespace disconnect');
    },
  });
  return socket;
}

type FakeSocket = ReturnType<typeof fakeSocket>;
type Middleware = (socket: ChatSocket, next: (err?: Error) => void) => void;

/** Runs the middleware; resolves with the refusal's message, or undefined when admitted. */
function handshake(middleware: Middleware, socket: FakeSocket): Promise<string | undefined> {
  return new Promise((resolve) => middleware(socket as unknown as ChatSocket, (err) => resolve(err?.message)));
}

async function connected(middleware: Middleware, userId: string): Promise<FakeSocket> {
  const socket = fakeSocket(userId);
  expect(await handshake(middleware, socket)).toBeUndefined();
  socket.connect();
  return socket;
}

describe(socketCap.name, () => {
  const noRedis = RedisConnection.disabled('chat');

  it('should refuse the socket past the cap, and admit one again once a socket disconnects', async () => {
    const cap = socketCap(config(2), noRedis);
    const [first] = [await connected(cap, 'u1'), await connected(cap, 'u1')];
    expect(await handshake(cap, fakeSocket('u1'))).toBe(TOO_MANY_CONNECTIONS);
    expect(await handshake(cap, fakeSocket('u2'))).toBeUndefined();
    first.disconnect();
    expect(await handshake(cap, fakeSocket('u1'))).toBeUndefined();
  });

  it('should count sockets still in their handshake, so a burst cannot pass together', async () => {
    const cap = socketCap(config(3), noRedis);
    const answers = await Promise.all(Array.from({ length: 10 }, () => handshake(cap, fakeSocket('u1'))));
    expect(answers.filter((a) => a === undefined)).toHaveLength(3);
    expect(answers.filter((a) => a === TOO_MANY_CONNECTIONS)).toHaveLength(7);
  });

  it('should give the slot back when the client leaves during the handshake', async () => {
    const cap = socketCap(config(1), noRedis);
    const leaving = fakeSocket('u1');
    expect(await handshake(cap, leaving)).toBeUndefined();
    leaving.conn.readyState = 'closed';
    leaving.conn.emit('close');
    expect(await handshake(cap, fakeSocket('u1'))).toBeUndefined();
  });

  it('should give the slot back when a later middleware refused the socket', async () => {
    jest.useFakeTimers();
    try {
      const cap = socketCap(config(1), noRedis);
      expect(await handshake(cap, fakeSocket('u1'))).toBeUndefined();
      // Refused afterwards (never connected, connection still open): socket.io says nothing.
      expect(await handshake(cap, fakeSocket('u1'))).toBe(TOO_MANY_CONNECTIONS);
      jest.advanceTimersByTime(HANDSHAKE_GRACE_MS);
      expect(await handshake(cap, fakeSocket('u1'))).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });

  it('should keep counting a connected socket past the grace period', async () => {
    jest.useFakeTimers();
    try {
      const cap = socketCap(config(1), noRedis);
      await connected(cap, 'u1');
      jest.advanceTimersByTime(HANDSHAKE_GRACE_MS);
      expect(await handshake(cap, fakeSocket('u1'))).toBe(TOO_MANY_CONNECTIONS);
    } finally {
      jest.useRealTimers();
    }
  });

  it('should count in this process when Redis fails', async () => {
    const cmd = { isOpen: true, eval: jest.fn().mockRejectedValue(new Error('ECONNRESET')) };
    const redis = { enabled: true, nodeId: 'n1', cmd, key: (...p: string[]) => p.join(':'), onReconnect: () => {} };
    const counter = new RedisSocketCounter(redis as unknown as RedisConnection, 300, 60_000);
    const cap = socketCap(config(2), redis as unknown as RedisConnection, counter);
    await connected(cap, 'u1');
    await connected(cap, 'u1');
    expect(await handshake(cap, fakeSocket('u1'))).toBe(TOO_MANY_CONNECTIONS);
    expect(cmd.eval).toHaveBeenCalled();
  });

  (REDIS_URL ? describe : describe.skip)('with Redis', () => {
    const connections: RedisConnection[] = [];
    const node = async (options: ChatConfig): Promise<RedisConnection> => {
      const redis = await RedisConnection.connect(options);
      connections.push(redis);
      return redis;
    };
    afterAll(async () => {
      for (const redis of connections) await redis.close();
    });

    it('should share the cap between nodes, and stop counting a dead node’s sockets after the TTL', async () => {
      const options = config(3, { url: REDIS_URL!, keyPrefix: `unit-cap-${Date.now()}` });
      const [a, b] = [await node(options), await node(options)];
      const capA = socketCap(options, a);
      const capB = socketCap(options, b);
      await connected(capA, 'u1');
      await connected(capA, 'u1');
      await connected(capB, 'u1');
      expect(await handshake(capB, fakeSocket('u1'))).toBe(TOO_MANY_CONNECTIONS);
      expect(await handshake(capA, fakeSocket('u1'))).toBe(TOO_MANY_CONNECTIONS);
      expect(await handshake(capB, fakeSocket('u2'))).toBeUndefined();

      // Node A dies without a word: its two sockets stop counting once its heartbeat is older than the TTL.
      await a.close();
      await new Promise((resolve) => setTimeout(resolve, 400));
      await connected(capB, 'u1');
      await connected(capB, 'u1');
      expect(await handshake(capB, fakeSocket('u1'))).toBe(TOO_MANY_CONNECTIONS);
    });

    it('should put its own count back after Redis lost it', async () => {
      const options = config(2, { url: REDIS_URL!, keyPrefix: `unit-cap-${Date.now()}` });
      const a = await node(options);
      const capA = socketCap(options, a);
      await connected(capA, 'u1');
      await connected(capA, 'u1');
      await a.cmd.del(a.key('sockets', 'node', a.nodeId));
      // The next heartbeat (50 ms) finds the hash gone and rewrites it.
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(await handshake(capA, fakeSocket('u1'))).toBe(TOO_MANY_CONNECTIONS);
    });
  });
});

describe(LocalSocketCounter.name, () => {
  it('should count a socket once however often it is added or removed', async () => {
    const counter = new LocalSocketCounter();
    counter.add('u1', 's1');
    counter.add('u1', 's1');
    expect(counter.perUser()).toEqual({ u1: 1 });
    expect(counter.remove('s1')).toBe('u1');
    expect(counter.remove('s1')).toBeUndefined();
    expect(counter.perUser()).toEqual({});
  });
});
