/**
 * The search scenario's data, written straight into the bench database with set-based SQL (no socket): rooms of
 * realistic sizes and activity, and their messages, English text with some Russian, words drawn with a Zipf
 * frequency (search-vocabulary.ts). The measured user is in `userRooms` of the rooms, spread over the activity
 * ranks, with other users in each.
 */
import { valuesStatements, type Sql } from './database';
import { ENGLISH_WORDS, RUSSIAN_WORDS } from './search-vocabulary';

export const CHAT = '"chat"';
export const SEARCH_CONFIG = `'"chat"."chat_search"'::regconfig`;

export interface CorpusPlan {
  messages: number;
  rooms: RoomPlan[];
  users: { id: string; email: string }[];
  /** The measured user (users[0]). */
  user: { id: string; email: string };
  /** Indexes into `rooms` of the measured user's rooms, most active first. */
  userRooms: number[];
}

export interface RoomPlan {
  id: string;
  type: 'DIRECT' | 'GROUP';
  members: string[];
  messages: number;
  /** Its messages are spread over the last `spanDays` days. */
  spanDays: number;
}

/** A small deterministic PRNG (mulberry32): the same layout on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A version-4-shaped UUID from the PRNG: the same ids, so the same rows in the same order, on every run. */
function uuid(rand: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16], 16) & 3) | 8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * 2,000 rooms for 1,000,000 messages (one per 500, at least 200); 40% are DIRECT (two people), the others
 * groups of 3 to 200 (log-uniform: most are small). Activity follows the room's rank r with weight
 * (r + 1)^-0.7: the busiest room of 2,000 holds about 3% of the messages, the quietest about 0.02%. The
 * measured user is in `userRoomCount` of them (at most a quarter), evenly spaced over that ranking.
 */
export function planCorpus(messages: number, userRoomCount: number): CorpusPlan {
  const rand = prng(20261207);
  const roomCount = Math.min(messages, Math.max(200, Math.min(2000, Math.round(messages / 500))));
  const users = Array.from({ length: Math.max(200, Math.round(roomCount * 2.5)) }, (_, i) => ({
    id: uuid(rand),
    email: `bench-search-${i}@bench.invalid`,
  }));
  const weights = Array.from({ length: roomCount }, (_, r) => (r + 1) ** -0.7);
  const total = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.max(1, Math.floor((messages * w) / total)));
  let missing = messages - counts.reduce((a, b) => a + b, 0);
  for (let r = 0; missing !== 0; r = (r + 1) % roomCount) {
    if (missing > 0) {
      counts[r]++;
      missing--;
    } else if (counts[r] > 1) {
      counts[r]--;
      missing++;
    }
  }
  const mine = Math.max(1, Math.min(userRoomCount, Math.floor(roomCount / 4)));
  const userRooms = Array.from({ length: mine }, (_, k) => Math.floor((k * roomCount) / mine));
  const isMine = new Set(userRooms);
  const pairs = new Set<string>();
  const pick = (taken: Set<string>): string => {
    for (;;) {
      const u = users[1 + Math.floor(rand() * (users.length - 1))].id;
      if (!taken.has(u)) return u;
    }
  };
  const rooms = counts.map((count, r): RoomPlan => {
    const direct = rand() < 0.4;
    const size = direct ? 2 : 2 + Math.floor(Math.exp(rand() * Math.log(199)));
    const members = new Set<string>(isMine.has(r) ? [users[0].id] : []);
    while (members.size < size) {
      const u = pick(members);
      if (direct) {
        const key = [...members, u].sort().join(' ');
        if (members.size === 1 && pairs.has(key)) continue;
        if (members.size === 1) pairs.add(key);
      }
      members.add(u);
    }
    return {
      id: uuid(rand),
      type: direct ? 'DIRECT' : 'GROUP',
      members: [...members],
      messages: count,
      spanDays: 30 + rand() * 335,
    };
  });
  return { messages, rooms, users, user: users[0], userRooms };
}

/** `now() - days`, as the gateway stores times: UTC, without time zone. */
const ago = (days: number) => `(now() AT TIME ZONE 'UTC') - ${(days * 86400).toFixed(0)} * interval '1 second'`;

/** Users, rooms and participants: plain multi-row INSERTs (a few thousand rows). */
export function layoutStatements(plan: CorpusPlan): string[] {
  const statements = valuesStatements(
    plan.users.map((u, i) => ({ ...u, i })),
    'INSERT INTO "User" ("id", "email", "name", "passwordHash", "createdAt", "updatedAt")',
    (u) => `('${u.id}', '${u.email}', 'Search ${u.i}', '!bench: no password', now(), now())`,
  );
  statements.push(
    ...valuesStatements(
      plan.rooms.map((r, n) => ({ ...r, n })),
      `INSERT INTO ${CHAT}."ChatRoom" ("id", "type", "name", "directKey", "lastSeq", "createdAt", "updatedAt")`,
      (r) => {
        // The library's key for a pair: the two ids as a JSON array, sorted (see directKey() in src/rooms).
        const key = r.type === 'DIRECT' ? `'${JSON.stringify([...r.members].sort())}'` : 'NULL';
        const name = r.type === 'GROUP' ? `'search #${r.n}'` : 'NULL';
        return `('${r.id}', '${r.type}', ${name}, ${key}, ${r.messages}, ${ago(r.spanDays)}, now())`;
      },
    ),
  );
  const members = plan.rooms.flatMap((r) =>
    r.members.map((userId, i) => ({
      room: r.id,
      userId,
      role: r.type === 'GROUP' && i === r.members.length - 1 ? 'OWNER' : 'MEMBER',
      seq: r.messages,
      days: r.spanDays,
    })),
  );
  statements.push(
    ...valuesStatements(
      members,
      `INSERT INTO ${CHAT}."ChatRoomParticipant" ("chatRoomId", "userId", "role", "joinedAt", "lastReadSeq", "lastDeliveredSeq")`,
      (m) => `('${m.room}', '${m.userId}', '${m.role}', ${ago(m.days)}, ${m.seq}, ${m.seq})`,
    ),
  );
  return statements;
}

/** The vocabularies and the rooms as temporary tables of this session, for the message statements. */
export function wordAndRoomTables(plan: CorpusPlan): string[] {
  return [
    'CREATE TEMP TABLE bench_word (lang int, rank int, word text, PRIMARY KEY (lang, rank))',
    ...valuesStatements(
      [
        ...ENGLISH_WORDS.map((word, i) => ({ lang: 0, rank: i + 1, word })),
        ...RUSSIAN_WORDS.map((word, i) => ({ lang: 1, rank: i + 1, word })),
      ],
      'INSERT INTO bench_word (lang, rank, word)',
      (w) => `(${w.lang}, ${w.rank}, '${w.word}')`,
    ),
    'CREATE TEMP TABLE bench_room (n int PRIMARY KEY, id uuid NOT NULL, messages int NOT NULL, span_seconds float8 NOT NULL)',
    ...valuesStatements(
      plan.rooms.map((r, n) => ({ ...r, n })),
      'INSERT INTO bench_room (n, id, messages, span_seconds)',
      (r) => `(${r.n}, '${r.id}', ${r.messages}, ${(r.spanDays * 86400).toFixed(0)})`,
    ),
    `CREATE TEMP TABLE bench_member AS
       SELECT "chatRoomId" AS id, array_agg("userId"::uuid) AS members
         FROM ${CHAT}."ChatRoomParticipant" WHERE "chatRoomId" IN (SELECT id FROM bench_room) GROUP BY 1`,
  ];
}

/**
 * The messages of rooms [from, to) in one INSERT … SELECT: for each room its `messages` rows, seq 1..n (gap-free,
 * as the gateway numbers them), createdAt rising with seq over the room's span, sender a random member; 10% are
 * Russian. Text: a length of 1 to 40 words (mean about 6.5), each word of rank k with probability
 * ln((k + 1) / k) / ln(N + 1), about 1 / (k ln N): Zipf's law, drawn by inverting its distribution.
 */
export function messageStatement(from: number, to: number): string {
  const english = ENGLISH_WORDS.length;
  const russian = RUSSIAN_WORDS.length;
  return `
    WITH m AS MATERIALIZED (
      SELECT r.id AS room, s.seq,
             b.members[1 + floor(random() * cardinality(b.members))::int] AS sender,
             (random() < 0.1)::int AS lang,
             least(40, 1 + floor(-ln(1 - random()) * 5.5))::int AS len,
             (now() AT TIME ZONE 'UTC') - r.span_seconds * (1 - (s.seq - random()) / r.messages) * interval '1 second' AS at
        FROM bench_room r
        JOIN bench_member b ON b.id = r.id
       CROSS JOIN LATERAL generate_series(1, r.messages) s(seq)
       WHERE r.n >= ${from} AND r.n < ${to}
    ), draws AS MATERIALIZED (
      SELECT m.room, m.seq, g.pos, m.lang, random() AS u
        FROM m CROSS JOIN LATERAL generate_series(1, m.len) g(pos)
    ), texts AS (
      SELECT d.room, d.seq, string_agg(w.word, ' ' ORDER BY d.pos) AS content
        FROM draws d
        JOIN bench_word w ON w.lang = d.lang
         AND w.rank = floor(exp(d.u * ln(CASE d.lang WHEN 1 THEN ${russian + 1} ELSE ${english + 1} END)))::int
       GROUP BY d.room, d.seq
    )
    INSERT INTO ${CHAT}."Message" ("id", "chatRoomId", "senderId", "seq", "content", "type", "attachments", "createdAt")
    SELECT gen_random_uuid(), m.room, m.sender::text, m.seq, t.content, 'TEXT', '[]', m.at
      FROM m JOIN texts t ON t.room = m.room AND t.seq = m.seq`;
}

/** Rooms split into ranges of about `perStatement` messages each (rooms are never split). */
export function messageBatches(plan: CorpusPlan, perStatement: number): [number, number][] {
  const batches: [number, number][] = [];
  let from = 0;
  let sum = 0;
  plan.rooms.forEach((r, n) => {
    sum += r.messages;
    if (sum >= perStatement) {
      batches.push([from, n + 1]);
      from = n + 1;
      sum = 0;
    }
  });
  if (from < plan.rooms.length) batches.push([from, plan.rooms.length]);
  return batches;
}

export interface GinIndex {
  name: string;
  definition: string;
}

/** The GIN indexes on Message (the search index), to drop before the bulk insert and build again after it. */
export async function ginIndexes(sql: Sql): Promise<GinIndex[]> {
  return sql.query<GinIndex>(`
    SELECT c.oid::regclass::text AS name, pg_get_indexdef(c.oid) AS definition
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
     WHERE i.indrelid = '${CHAT}."Message"'::regclass AND a.amname = 'gin'`);
}

/** After the messages: each room's lastMessageAt is its last message's time. */
export const LAST_MESSAGE_AT = `
  UPDATE ${CHAT}."ChatRoom" c SET "lastMessageAt" = m."createdAt"
    FROM bench_room r JOIN ${CHAT}."Message" m ON m."chatRoomId" = r.id AND m.seq = r.messages
   WHERE c.id = r.id`;
