/**
 * The search scenario: seeds the corpus (search-corpus.ts) before any server opens the database, then, with the
 * gateway running on it, the measured user's socket sends `searchMessages { query }` one-word queries and
 * records each ack's latency and hits, one at a time, then several in flight, then scoped to one room.
 */
import { io, type Socket } from 'socket.io-client';
import type { Sql } from './database';
import { Histogram } from './histogram';
import { cpuSeconds } from './processes';
import {
  ginIndexes,
  LAST_MESSAGE_AT,
  layoutStatements,
  messageBatches,
  messageStatement,
  planCorpus,
  wordAndRoomTables,
} from './search-corpus';
import {
  BANDS,
  chooseWords,
  explainSearch,
  queryList,
  type Band,
  type ExplainedQuery,
  type PlannedQuery,
  type QueryWord,
} from './search-queries';

/** Rooms the measured user is in. */
const USER_ROOMS = 50;

export interface SearchCorpus {
  messages: number;
  rooms: number;
  directRooms: number;
  users: number;
  participants: number;
  user: { id: string; email: string };
  /** The measured user's rooms, most active first, and the messages they hold. */
  userRooms: string[];
  userMessages: number;
  words: QueryWord[];
  explain: ExplainedQuery[];
  seeding: { totalMs: number; steps: { name: string; ms: number }[] };
}

export async function seedSearchCorpus(sql: Sql, messages: number, log: (line: string) => void): Promise<SearchCorpus> {
  const started = Date.now();
  const steps: { name: string; ms: number }[] = [];
  const step = async (name: string, fn: () => Promise<void>): Promise<void> => {
    const t = Date.now();
    await fn();
    steps.push({ name, ms: Date.now() - t });
    log(`search corpus: ${name} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  };
  const plan = planCorpus(messages, USER_ROOMS);
  const pg = sql.kind === 'postgresql';
  // The same text on every run (random() of this session, seeded, over the same ids in the same order).
  // Bulk-load settings, for this session only; no JIT: compiling costs more than it saves here.
  await sql.exec(
    `SELECT setseed(0.5); SET jit = off; SET work_mem = '${pg ? '256MB' : '64MB'}'; ` +
      `SET maintenance_work_mem = '${pg ? '512MB' : '128MB'}'${pg ? '; SET synchronous_commit = off' : ''}`,
  );
  await step('users, rooms, participants', async () => {
    for (const s of [...layoutStatements(plan), ...wordAndRoomTables(plan)]) await sql.exec(s);
  });
  // Bulk load: without the search index, built again after (with its definition as the migration made it).
  const gin = await ginIndexes(sql);
  const batches = messageBatches(plan, 250_000);
  await step(`${messages.toLocaleString('en-US')} messages (${batches.length} statements)`, async () => {
    for (const index of gin) await sql.exec(`DROP INDEX ${index.name}`);
    for (const [from, to] of batches) await sql.exec(messageStatement(from, to));
    await sql.exec(LAST_MESSAGE_AT);
  });
  await step(`search index (${gin.map((i) => i.name).join(', ') || 'none found'})`, async () => {
    for (const index of gin) await sql.exec(index.definition);
  });
  await step('vacuum, analyze', async () => {
    for (const table of ['"chat"."Message"', '"chat"."ChatRoom"', '"chat"."ChatRoomParticipant"', '"User"']) {
      await sql.exec(`VACUUM (ANALYZE) ${table}`);
    }
    // The bulk load's dirty pages written now, not during a later measurement.
    if (pg) await sql.exec('CHECKPOINT').catch(() => undefined);
  });
  const seedingMs = Date.now() - started;
  const userRooms = plan.userRooms.map((r) => plan.rooms[r]);
  const userMessages = userRooms.reduce((n, r) => n + r.messages, 0);
  const words = await chooseWords(sql, plan.user.id, userMessages);
  const explain: ExplainedQuery[] = [];
  const common = words.find((w) => w.band === 'common');
  const rare = words.filter((w) => w.band === 'rare').at(-1);
  const russian = words.find((w) => w.band === 'russian');
  if (common) explain.push(await explainSearch(sql, plan.user.id, 'common', common));
  if (rare) explain.push(await explainSearch(sql, plan.user.id, 'rare', rare));
  if (russian) explain.push(await explainSearch(sql, plan.user.id, 'russian', russian));
  if (common) explain.push(await explainSearch(sql, plan.user.id, 'common, busiest room', common, userRooms[0].id));
  return {
    messages,
    rooms: plan.rooms.length,
    directRooms: plan.rooms.filter((r) => r.type === 'DIRECT').length,
    users: plan.users.length,
    participants: plan.rooms.reduce((n, r) => n + r.members.length, 0),
    user: plan.user,
    userRooms: userRooms.map((r) => r.id),
    userMessages,
    words,
    explain,
    seeding: { totalMs: seedingMs, steps },
  };
}

export interface BandStats {
  queries: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  /** Messages in the first page (at most 20), on average. */
  meanHits: number;
}

export interface SearchPass {
  name: string;
  concurrency: number;
  /** Each query names one of the user's rooms (`chatRoomId`). */
  scoped: boolean;
  queries: number;
  seconds: number;
  errors: Record<string, number>;
  /** The gateway's CPU during the pass (1 = one core busy); PostgreSQL's is not included. */
  serverCpu: number;
  bands: Partial<Record<Band | 'all', BandStats>>;
}

export interface SearchOptions {
  queries: number;
  concurrency: number;
  ackTimeoutMs: number;
  connectTimeoutMs: number;
}

interface SearchAck {
  ok: boolean;
  data?: { messages: unknown[] };
  error?: { code?: string };
}

export async function measureSearch(
  url: string,
  pid: number,
  token: string,
  corpus: SearchCorpus,
  o: SearchOptions,
  log: (line: string) => void,
): Promise<SearchPass[]> {
  const socket = await connect(url, token, o.connectTimeoutMs);
  try {
    const pass = async (name: string, list: PlannedQuery[], concurrency: number): Promise<SearchPass> => {
      const cpu0 = cpuSeconds(pid);
      const t0 = performance.now();
      const r = await run(socket, list, concurrency, o.ackTimeoutMs);
      const seconds = (performance.now() - t0) / 1000;
      const all = r.bands.all;
      log(
        `search, ${name}: ${list.length} queries in ${seconds.toFixed(1)} s, p50/p95/p99 ` +
          `${all?.p50?.toFixed(1) ?? '—'}/${all?.p95?.toFixed(1) ?? '—'}/${all?.p99?.toFixed(1) ?? '—'} ms` +
          `${Object.keys(r.errors).length > 0 ? `, errors ${JSON.stringify(r.errors)}` : ''}`,
      );
      return {
        name,
        concurrency,
        scoped: list.some((q) => q.chatRoomId !== undefined),
        queries: list.length,
        seconds,
        errors: r.errors,
        serverCpu: (cpuSeconds(pid) - cpu0) / Math.max(0.001, seconds),
        bands: r.bands,
      };
    };
    // Warm-up (JIT, pools, caches), not recorded.
    await run(socket, queryList(corpus.words, 20, 1), 1, o.ackTimeoutMs);
    return [
      await pass('one at a time', queryList(corpus.words, o.queries, 2), 1),
      await pass(`${o.concurrency} in flight`, queryList(corpus.words, o.queries, 3), o.concurrency),
      await pass('one room (chatRoomId)', queryList(corpus.words, Math.ceil(o.queries / 2), 4, corpus.userRooms), 1),
    ];
  } finally {
    socket.close();
  }
}

function connect(url: string, token: string, timeoutMs: number): Promise<Socket> {
  const socket = io(`${url}/chat`, {
    transports: ['websocket'],
    auth: { token },
    reconnection: false,
    forceNew: true,
    timeout: timeoutMs,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error: Error) => {
      socket.close();
      reject(new Error(`search: the measured user could not connect: ${error.message}`));
    });
  });
}

/** Sends the queries with at most `concurrency` in flight; latency from emit to ack. */
async function run(
  socket: Socket,
  list: PlannedQuery[],
  concurrency: number,
  ackTimeoutMs: number,
): Promise<{ bands: Partial<Record<Band | 'all', BandStats>>; errors: Record<string, number> }> {
  const histograms = new Map<Band | 'all', { h: Histogram; hits: number }>();
  const errors: Record<string, number> = {};
  const record = (band: Band | 'all', ms: number, hits: number): void => {
    const entry = histograms.get(band) ?? { h: new Histogram(), hits: 0 };
    entry.h.record(ms);
    entry.hits += hits;
    histograms.set(band, entry);
  };
  await new Promise<void>((resolve) => {
    let next = 0;
    let done = 0;
    const launch = (): void => {
      if (next >= list.length) return;
      const q = list[next++];
      const payload = { query: q.word, ...(q.chatRoomId ? { chatRoomId: q.chatRoomId } : {}) };
      const t0 = performance.now();
      socket.timeout(ackTimeoutMs).emit('searchMessages', payload, (err: Error | null, ack?: SearchAck) => {
        const ms = performance.now() - t0;
        if (err || !ack) errors.TIMEOUT = (errors.TIMEOUT ?? 0) + 1;
        else if (!ack.ok) errors[ack.error?.code ?? '?'] = (errors[ack.error?.code ?? '?'] ?? 0) + 1;
        else {
          const hits = ack.data?.messages.length ?? 0;
          record(q.band, ms, hits);
          record('all', ms, hits);
        }
        if (++done === list.length) resolve();
        else launch();
      });
    };
    if (list.length === 0) resolve();
    for (let i = 0; i < Math.min(concurrency, list.length); i++) launch();
  });
  const bands: Partial<Record<Band | 'all', BandStats>> = {};
  for (const band of ['all', ...BANDS] as const) {
    const entry = histograms.get(band);
    if (!entry) continue;
    bands[band] = {
      queries: entry.h.total,
      p50: entry.h.percentile(0.5),
      p95: entry.h.percentile(0.95),
      p99: entry.h.percentile(0.99),
      max: entry.h.max,
      meanHits: entry.hits / entry.h.total,
    };
  }
  return { bands, errors };
}
