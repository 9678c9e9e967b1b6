import { randomBytes } from 'node:crypto';
import { ChaosBalancer } from './helpers/chaos-balancer';
import { deliveryViolations, diffRoom, readStored, storedShape, type StoredState } from './helpers/chaos-expected';
import { dropConnection, reconnected, rejoinWhileAway } from './helpers/chaos-disrupt';
import { ChaosOps, prng } from './helpers/chaos-ops';
import { ChaosUser } from './helpers/chaos-user';
import { setParticipant } from './helpers/chat-factory';
import { http, registerUser } from './helpers/http';
import { ScratchRedis } from './helpers/scratch-redis';
import { closeAllSockets, connectChat, requestOk } from './helpers/socket';
import { startTestApp, type TestApp } from './helpers/test-app';
import { createTestDatabase, type TestDatabase } from './helpers/test-database';

/*
 * Chaos soak. Two gateway nodes (one PostgreSQL database, one private Redis)
 * behind a TCP load balancer; eight users on the typed ChatClient send,
 * reply in threads, edit, delete, react, pin and unpin, rename rooms and
 * change membership (add, remove, leave; the last owner leaving passes
 * ownership on) while their connections drop at random (for a moment, or
 * for up to 1.5 s), one node is restarted and Redis is killed and
 * restarted. Each user's app state is built only from what the client's
 * handlers deliver (live, or replayed by sync) plus the reloads the
 * protocol asks for (a room given, or to resync). After the chaos every
 * client reconnects and syncs; then each app must equal the database for
 * every room its user is in (messages with edits, deletions, reactions,
 * threads and pins; members and roles; name), hold no other room, and
 * never have received an event of a room its user was not in at that event.
 *
 * Bounded: CHAOS_MS (default 20 s) of load. Seeded: CHAOS_SEED replays the
 * same choices (the timing, and so the interleaving, differs).
 */
const CHAOS_MS = Number(process.env.CHAOS_MS ?? 20_000);
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
const WORKERS = 3;

// Opt-in until the race it found with seed 831927 is fixed (a member added while Redis was down can miss a room:
// "eve / G1 … missing in the app"); run it with CHAOS=1.
const why = !process.env.CHAOS
  ? 'CHAOS is not set (known race open, see the comment above)'
  : !process.env.REDIS_URL
    ? 'REDIS_URL is not set'
    : !process.env.DATABASE_URL
      ? 'DATABASE_URL is not set (two nodes share PostgreSQL)'
      : !ScratchRedis.available()
        ? 'no redis-server binary to run a private Redis'
        : undefined;
if (why) console.warn(`chaos soak e2e skipped: ${why}`);

const NAMES = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal'];
/** Groups: [label, owner, admin, other members]; DIRECT rooms: [label, a, b]. */
const GROUPS: [string, string, string, string[]][] = [
  ['G1', 'ann', 'ben', ['cat', 'dan', 'eve']],
  ['G2', 'ben', 'fay', ['cat', 'gus', 'hal']],
  ['G3', 'cat', 'gus', ['ann', 'dan', 'eve', 'hal']],
];
const DIRECTS: [string, string, string][] = [
  ['D1', 'dan', 'eve'],
  ['D2', 'fay', 'hal'],
];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await check()); await sleep(100)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
  }
}

(why ? describe.skip : describe)('chaos soak (e2e)', () => {
  jest.setTimeout(CHAOS_MS + 90_000);
  let redis: ScratchRedis | undefined;
  let database: TestDatabase | undefined;
  let balancer: ChaosBalancer | undefined;
  const apps: TestApp[] = [];
  const users: ChaosUser[] = [];

  afterAll(async () => {
    for (const u of users) u.close();
    closeAllSockets();
    await balancer?.stop();
    for (const app of apps) await app.close({ keepDatabase: true }).catch(() => undefined);
    await database?.drop();
    await redis?.kill();
  });

  it(`should leave every app equal to the database after drops, a node restart and a Redis restart (seed ${SEED})`, async () => {
    console.log(`chaos soak: seed ${SEED} (CHAOS_SEED=${SEED} replays its choices), ${CHAOS_MS} ms of chaos`);
    redis = await ScratchRedis.onFreePort();
    await redis.start();
    database = await createTestDatabase();
    const env = {
      REDIS_URL: redis.url,
      REDIS_PREFIX: `chaos-${randomBytes(4).toString('hex')}`,
      PRESENCE_HEARTBEAT_MS: '200',
      PRESENCE_TTL_MS: '1000',
    };
    const start = async (): Promise<TestApp> => {
      const app = await startTestApp({ database, env });
      apps.push(app);
      return app;
    };
    const nodeA = await start();
    let nodeB = await start();
    balancer = await new ChaosBalancer(prng(SEED + 101)).start();
    balancer.add('A', nodeA.url);
    balancer.add('B', nodeB.url);

    // The users, their rooms (set up before anyone watches: each app loads them), one admin per group.
    const registered = await Promise.all(NAMES.map((name) => registerUser(nodeA.url, name)));
    const byName = new Map(registered.map((r) => [r.user.name, r]));
    const idOf = (name: string): string => byName.get(name)!.user.id;
    const labels = new Map<string, string>();
    const founders = new Map<string, string[]>();
    for (const [label, owner, admin, others] of GROUPS) {
      const socket = await connectChat(nodeA.url, byName.get(owner)!.token);
      const members = [admin, ...others].map(idOf);
      const room = await requestOk(socket, 'createChatRoom', { type: 'GROUP', name: label, participantIds: members });
      await setParticipant(nodeA, room.id, idOf(admin), { role: 'ADMIN' });
      labels.set(room.id, label);
      founders.set(room.id, [idOf(owner), ...members]);
      socket.disconnect();
    }
    for (const [label, a, b] of DIRECTS) {
      const socket = await connectChat(nodeA.url, byName.get(a)!.token);
      const room = await requestOk(socket, 'createChatRoom', { type: 'DIRECT', participantIds: [idOf(b)] });
      labels.set(room.id, label);
      founders.set(room.id, [idOf(a), idOf(b)]);
      socket.disconnect();
    }
    const label = (chatRoomId: string): string => labels.get(chatRoomId) ?? chatRoomId;

    for (const r of registered) {
      users.push(
        new ChaosUser(
          r.user.id,
          r.user.name,
          {
            url: balancer.url,
            token: r.token,
            ackTimeoutMs: 3000,
            gapSyncDelayMs: 100,
            socket: { transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 400, timeout: 3000 },
          },
          label,
        ),
      );
    }
    await Promise.all(users.map((u) => u.start()));

    // ---- chaos ----
    const random = prng(SEED);
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
    const ops = new ChaosOps(users, prng(SEED + 1));
    const startedAt = Date.now();
    const elapsed = (): number => Date.now() - startedAt;
    const timeline: string[] = [];
    const note = (what: string): number => timeline.push(`${(elapsed() / 1000).toFixed(1)} s ${what}`);

    const workers = Array.from({ length: WORKERS }, async (_, i) => {
      const pause = prng(SEED + 10 + i);
      while (elapsed() < CHAOS_MS) {
        await ops.step();
        await sleep(20 + pause() * 80);
      }
    });

    const restartNode = async (): Promise<void> => {
      note('node B: closing (its clients reconnect through the balancer)');
      balancer!.remove('B');
      await nodeB.close({ keepDatabase: true });
      nodeB = await start();
      balancer!.add('B', nodeB.url);
      note('node B: a new process is up on the same database');
    };
    const restartRedis = async (): Promise<void> => {
      note('Redis: killed');
      await redis!.kill();
      await sleep(800 + random() * 700);
      await redis!.start();
      note('Redis: restarted (empty)');
    };

    const absences = new Set<Promise<unknown>>();
    const away = (absence: Promise<unknown>): void => {
      absences.add(absence);
      void absence.finally(() => absences.delete(absence));
    };
    let drops = 0;
    let rejoins = 0;
    const disruptions = (async () => {
      let nodeRestarted = false;
      let redisRestarted = false;
      while (elapsed() < CHAOS_MS) {
        await sleep(150 + random() * 400);
        if (!nodeRestarted && elapsed() > CHAOS_MS * 0.3) {
          nodeRestarted = true;
          await restartNode();
        } else if (!redisRestarted && elapsed() > CHAOS_MS * 0.6) {
          redisRestarted = true;
          await restartRedis();
        } else if (random() < 0.1) {
          away(rejoinWhileAway(users, random).then((done) => (rejoins += Number(done))));
        } else {
          drops += 1;
          away(dropConnection(pick(users), random() < 0.7 ? 0 : 300 + random() * 1200));
        }
      }
      return { nodeRestarted, redisRestarted };
    })();

    await Promise.all(workers);
    const { nodeRestarted, redisRestarted } = await disruptions;
    await Promise.all([...absences]);
    note(`chaos over: ${drops} dropped connections, ${rejoins} members removed and added back while away`);

    // ---- quiesce: Redis back everywhere, every send acked, every client reconnected and caught up ----
    const nodes = [nodeA, nodeB];
    await until(
      'both nodes see Redis',
      async () =>
        (await Promise.all(nodes.map((n) => http(n.url, 'GET', '/health')))).every(
          (r) => r.body?.redis?.status === 'up',
        ),
      15_000,
    );
    await until('every send is acked', () => ops.pendingSends === 0, 20_000);
    await Promise.all(users.map((u) => reconnected(u)));
    note('every client reconnected and synced');

    let stored!: StoredState;
    let diffs: string[] = [];
    const compare = async (): Promise<boolean> => {
      await Promise.all(users.map((u) => u.idle()));
      stored = await readStored(nodeA.prisma);
      diffs = users.flatMap((u) => {
        const held = u.rooms();
        const mine = [...stored.rooms].filter(([, room]) => room.members.has(u.id)).map(([id]) => id);
        return [...new Set([...mine, ...held.keys()])].flatMap((id) => {
          const unheld = u.notHeld.get(id);
          const where = `${u.name} / ${label(id)}${unheld ? ` (${unheld} of its events came while not held)` : ''}`;
          return diffRoom(where, held.get(id)?.shape(), mine.includes(id) ? storedShape(stored, id, u.id) : undefined);
        });
      });
      return diffs.length === 0;
    };
    // Converged at once, or within a few seconds (a sync that failed as the reconnect raced is retried).
    await until('every app equals the database', compare, 10_000).catch(() => undefined);
    note(`compared: ${diffs.length} differences`);

    const violations = users.flatMap((u) => deliveryViolations(u, u.deliveries, stored, founders, label, startedAt));
    report({ users, ops, stored, timeline, balancer });

    expect({ nodeRestarted, redisRestarted, operations: ops.total > CHAOS_MS / 100 }).toEqual({
      nodeRestarted: true,
      redisRestarted: true,
      operations: true,
    });
    // One assertion, so a failure shows every kind of problem at once (each list cut at 40 lines).
    const cut = (lines: string[]): string[] =>
      lines.length > 40 ? [...lines.slice(0, 40), `… and ${lines.length - 40} more`] : lines;
    expect({
      unexpectedRefusals: cut(ops.unexpected),
      eventStreamProblems: cut(users.flatMap((u) => u.problems)),
      eventsNotTheirs: cut(violations),
      differencesFromTheDatabase: cut(diffs),
    }).toEqual({
      unexpectedRefusals: [],
      eventStreamProblems: [],
      eventsNotTheirs: [],
      differencesFromTheDatabase: [],
    });
  });
});

/** What the run did: its timeline and counts (printed whether it passes or not). */
function report(run: {
  users: ChaosUser[];
  ops: ChaosOps;
  stored: StoredState;
  timeline: string[];
  balancer: ChaosBalancer;
}): void {
  const sum = (pick: (u: ChaosUser) => number): number => run.users.reduce((n, u) => n + pick(u), 0);
  const byType = new Map<string, number>();
  for (const d of run.users.flatMap((u) => u.deliveries)) byType.set(d.type, (byType.get(d.type) ?? 0) + 1);
  const list = (m: Map<string, number>): string => [...m].map(([k, v]) => `${k} ${v}`).join(', ');
  const logged = [...run.stored.log.values()].reduce((n, room) => n + room.size, 0);
  const errors = run.users.flatMap((u) => u.clientErrors.map((e) => `${u.name}: ${e}`));
  console.log(
    [
      ...run.timeline,
      `operations acked: ${run.ops.total} (${list(run.ops.done)})`,
      `refused: ${list(run.ops.refused) || 'none'}`,
      `room events logged: ${logged}; delivered to handlers: ${sum((u) => u.deliveries.length)} (${list(byType)})`,
      `snapshots loaded: ${sum((u) => u.counts.snapshots)} (${sum((u) => u.counts.unstableSnapshots)} retried: an event came between), ` +
        `resyncs: ${sum((u) => u.counts.resyncs)}, roomLeft: ${sum((u) => u.counts.roomsLeft)}, ` +
        `removals seen live: ${sum((u) => u.counts.removals)}, reconnects: ${sum((u) => u.counts.reconnects)}, ` +
        `events of rooms not held (ignored): ${sum((u) => [...u.notHeld.values()].reduce((a, b) => a + b, 0))}`,
      `connections routed: ${list(run.balancer.routed)}`,
      `client errors: ${errors.length}${errors.length ? ` (first: ${errors.slice(0, 3).join(' | ')})` : ''}`,
    ].join('\n'),
  );
}
