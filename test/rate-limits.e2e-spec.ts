import { randomBytes } from 'node:crypto';
import type { Ack } from '../src/contract/chat.events';
import { http, registerUser } from './helpers/http';
import { ChatClient, closeAllSockets, connectChat, connectError, request, requestOk } from './helpers/socket';
import { startTestApp, TestApp } from './helpers/test-app';
import { createTestDatabase, TestDatabase } from './helpers/test-database';

/*
 * Every limit is per user (per IP or account for the demo's /auth), whatever
 * the number of sockets, and, with Redis, whatever the number of nodes.
 */

const CAP = 3;
const EVENTS = 30;

/** Sends `perSocket` cheap events from each socket at once; returns how many were accepted and refused. */
async function flood(sockets: ChatClient[], perSocket: number): Promise<{ ok: number; limited: number }> {
  const acks: Ack<unknown>[] = await Promise.all(
    sockets.flatMap((s) => Array.from({ length: perSocket }, () => request(s, 'getChatRooms', {}))),
  );
  return {
    ok: acks.filter((a) => a.ok).length,
    limited: acks.filter((a) => !a.ok && a.error.code === 'RATE_LIMITED').length,
  };
}

/**
 * Connects once the server has let go of a socket the client closed (its
 * slot is given back when the server sees the disconnect, which no event
 * tells the client): retries a refused handshake for up to `ms`.
 */
async function connectOnceFreed(url: string, token: string, ms = 3000): Promise<ChatClient> {
  for (const deadline = Date.now() + ms; ;) {
    try {
      return await connectChat(url, token);
    } catch (error) {
      if ((error as Error).message !== 'Too many connections' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function failLogin(url: string, email: string): Promise<{ status: number; retryAfter: string | null }> {
  const res = await http(url, 'POST', '/auth/login', { body: { email, password: 'not the password' } });
  return { status: res.status, retryAfter: res.headers.get('retry-after') };
}

describe('rate limits: per user, not per socket (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { RATE_LIMIT_SOCKET_EVENTS: `${EVENTS}/60s`, RATE_LIMIT_ROOMS: '2/60s' },
      chat: { limits: { maxSocketsPerUser: CAP } },
    });
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    await t.close();
  });

  it('should give a user with three sockets the flood allowance once in total, not three times', async () => {
    const [u, other] = await Promise.all([registerUser(t.url, 'multi'), registerUser(t.url, 'bystander')]);
    const sockets = await Promise.all(Array.from({ length: 3 }, () => connectChat(t.url, u.token)));
    expect(await flood(sockets, EVENTS / 2)).toEqual({ ok: EVENTS, limited: EVENTS / 2 });
    const refused = await request(sockets[2], 'getChatRooms', {});
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'RATE_LIMITED', details: { retryAfterMs: expect.any(Number) } },
    });
    // Another user's allowance is untouched.
    const theirs = await connectChat(t.url, other.token);
    await requestOk(theirs, 'getChatRooms', {});
  });

  it(`should refuse a user's socket number ${CAP + 1} and admit one again once a socket disconnects`, async () => {
    const [u, other] = await Promise.all([registerUser(t.url, 'tabs'), registerUser(t.url, 'other')]);
    const sockets = [];
    for (let i = 0; i < CAP; i++) sockets.push(await connectChat(t.url, u.token));
    expect(await connectError(t.url, u.token)).toBe('Too many connections');
    await connectChat(t.url, other.token);
    sockets[0].disconnect();
    const again = await connectOnceFreed(t.url, u.token);
    await requestOk(again, 'getChatRooms', {});
    expect(await connectError(t.url, u.token)).toBe('Too many connections');
  });

  it('should count sendMessage { recipientId } against the rooms limit when it opens a DIRECT room, not when the room exists', async () => {
    const sender = await registerUser(t.url, 'opener');
    const [r1, r2, r3] = await Promise.all(['r1', 'r2', 'r3'].map((n) => registerUser(t.url, n)));
    const s = await connectChat(t.url, sender.token);
    await requestOk(s, 'sendMessage', { recipientId: r1.user.id, content: 'opens room 1' });
    await requestOk(s, 'sendMessage', { recipientId: r1.user.id, content: 'room 1 exists: not counted' });
    await requestOk(s, 'sendMessage', { recipientId: r2.user.id, content: 'opens room 2' });
    const third = await request(s, 'sendMessage', { recipientId: r3.user.id, content: 'a third room: one too many' });
    expect(third).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    expect(await t.prisma.chatRoomParticipant.count({ where: { userId: sender.user.id } })).toBe(2);
    expect(await t.prisma.chatRoomParticipant.count({ where: { userId: r3.user.id } })).toBe(0);
    // The rooms that exist still take messages by recipientId.
    await requestOk(s, 'sendMessage', { recipientId: r2.user.id, content: 'room 2 exists' });
  });
});

describe('demo /auth throttling (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_AUTH: '10/60s' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should refuse the 11th failed login from one IP with 429 and Retry-After, the right password included', async () => {
    const victim = await registerUser(t.url, 'victim');
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push((await failLogin(t.url, victim.user.email)).status);
    expect(answers).toEqual(Array(10).fill(401));
    const eleventh = await failLogin(t.url, victim.user.email);
    expect(eleventh.status).toBe(429);
    expect(Number(eleventh.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(eleventh.retryAfter)).toBeLessThanOrEqual(60);
    const right = await http(t.url, 'POST', '/auth/login', {
      body: { email: victim.user.email, password: victim.password },
    });
    expect(right.status).toBe(429);
    expect(right.body).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterMs: expect.any(Number) } });
  });

  it('should refuse the 11th registration from one IP with 429 and Retry-After', async () => {
    // One registration was made by the test above (same app, same IP).
    for (let i = 0; i < 9; i++) await registerUser(t.url, `mass${i}`);
    const refused = await http(t.url, 'POST', '/auth/register', {
      body: { email: `one-too-many-${Date.now()}@example.test`, password: 'correct horse battery', name: 'x' },
    });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});

/*
 * Two gateway nodes in this process sharing PostgreSQL and one Redis key
 * prefix, as in cluster.e2e-spec.ts.
 */
const REDIS_URL = process.env.REDIS_URL;
const DATABASE_URL = process.env.DATABASE_URL;
const describeCluster = REDIS_URL && DATABASE_URL ? describe : describe.skip;
if (!REDIS_URL || !DATABASE_URL)
  console.warn('rate limits across nodes skipped: REDIS_URL and DATABASE_URL are needed');

describeCluster('rate limits across two nodes (e2e)', () => {
  let database: TestDatabase;
  let a: TestApp, b: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = {
      REDIS_URL: REDIS_URL!,
      REDIS_PREFIX: `limits-${randomBytes(4).toString('hex')}`,
      RATE_LIMIT_SOCKET_EVENTS: `${EVENTS}/60s`,
      RATE_LIMIT_AUTH: '10/60s',
    };
    a = await startTestApp({ database, env, chat: { limits: { maxSocketsPerUser: CAP } } });
    b = await startTestApp({ database, env, chat: { limits: { maxSocketsPerUser: CAP } } });
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    await a?.close({ keepDatabase: true }).catch(() => undefined);
    await b?.close({ keepDatabase: true }).catch(() => undefined);
    await database?.drop();
  });

  it('should give a user with sockets on both nodes the flood allowance once in total', async () => {
    const u = await registerUser(a.url, 'spread');
    const sockets = [
      await connectChat(a.url, u.token),
      await connectChat(a.url, u.token),
      await connectChat(b.url, u.token),
    ];
    expect(await flood(sockets, EVENTS / 2)).toEqual({ ok: EVENTS, limited: EVENTS / 2 });
  });

  it('should cap a user’s sockets on all nodes together, and free a slot on one node for the other', async () => {
    const u = await registerUser(b.url, 'devices');
    const onA = [await connectChat(a.url, u.token), await connectChat(a.url, u.token)];
    await connectChat(b.url, u.token);
    expect(await connectError(b.url, u.token)).toBe('Too many connections');
    expect(await connectError(a.url, u.token)).toBe('Too many connections');
    onA[0].disconnect();
    await connectOnceFreed(b.url, u.token);
    expect(await connectError(a.url, u.token)).toBe('Too many connections');
  });

  it('should count failed logins from one IP on both nodes together', async () => {
    const u = await registerUser(a.url, 'target');
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await failLogin(i % 2 ? b.url : a.url, u.user.email)).status);
    expect(statuses).toEqual(Array(10).fill(401));
    expect((await failLogin(a.url, u.user.email)).status).toBe(429);
    expect((await failLogin(b.url, u.user.email)).status).toBe(429);
  });
});
