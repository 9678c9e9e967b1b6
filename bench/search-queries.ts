/**
 * What the search scenario asks: one-word queries chosen by how many of the measured user's messages contain
 * them (counted with ts_stat over those messages), in bands, and the plan of the search's SQL for a common and a
 * rare word (EXPLAIN ANALYZE, BUFFERS), so a reader can see which index serves it.
 */
import type { Sql } from './database';
import { CHAT, SEARCH_CONFIG, prng } from './search-corpus';
import { RUSSIAN_FORMS } from './search-vocabulary';

export type Band = 'common' | 'medium' | 'rare' | 'russian';
export const BANDS: readonly Band[] = ['common', 'medium', 'rare', 'russian'];
/** Share of the user's messages that contain the word: common ≥ 1%, medium ≥ 0.1%, rare below (but found). */
export const BAND_LIMITS = { common: 0.01, medium: 0.001 } as const;
const PER_BAND = 12;

export interface QueryWord {
  band: Band;
  word: string;
  /** What the index holds for it (the stem). */
  lexeme: string;
  /** Messages of the measured user's rooms that contain it. */
  matches: number;
  share: number;
}

export interface ExplainedQuery {
  label: string;
  word: string;
  chatRoomId?: string;
  /** Matches in the user's rooms (ts_stat). */
  matches: number;
  plan: string[];
  /** The indexes the plan reads. */
  indexes: string[];
  executionMs: number | null;
}

/** The query words, by band (English words deduplicated by stem; Russian: the forms of one lemma, and others). */
export async function chooseWords(sql: Sql, userId: string, userMessages: number): Promise<QueryWord[]> {
  const rows = await sql.query<{ lang: number; word: string; lexeme: string; ndoc: number }>(`
    WITH stat AS (
      SELECT word AS lexeme, ndoc FROM ts_stat($q$
        SELECT to_tsvector(${SEARCH_CONFIG}, "content") FROM ${CHAT}."Message"
         WHERE "deletedAt" IS NULL
           AND "chatRoomId" IN (SELECT "chatRoomId" FROM ${CHAT}."ChatRoomParticipant" WHERE "userId" = '${userId}')
      $q$)
    )
    SELECT w.lang, w.word, l.lexeme, coalesce(s.ndoc, 0)::int AS ndoc
      FROM bench_word w
     CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector(${SEARCH_CONFIG}, w.word))) l(lexeme)
      LEFT JOIN stat s ON s.lexeme = l.lexeme
     ORDER BY w.lang, w.rank`);
  const share = (n: number) => n / Math.max(1, userMessages);
  const word = (band: Band, r: (typeof rows)[number]): QueryWord => ({
    band,
    word: r.word,
    lexeme: r.lexeme,
    matches: r.ndoc,
    share: share(r.ndoc),
  });
  const seen = new Set<string>();
  const english = rows.filter((r) => r.lang === 0 && r.ndoc > 0 && !seen.has(r.lexeme) && seen.add(r.lexeme));
  const bandOf = (n: number): Band =>
    share(n) >= BAND_LIMITS.common ? 'common' : share(n) >= BAND_LIMITS.medium ? 'medium' : 'rare';
  const words: QueryWord[] = [];
  for (const band of ['common', 'medium', 'rare'] as const) {
    const inBand = english.filter((r) => bandOf(r.ndoc) === band).sort((a, b) => b.ndoc - a.ndoc);
    words.push(...spread(inBand, PER_BAND).map((r) => word(band, r)));
  }
  const russian = rows.filter((r) => r.lang === 1 && r.ndoc > 0);
  const forms = russian.filter((r) => RUSSIAN_FORMS.includes(r.word));
  const others = russian.filter((r) => !RUSSIAN_FORMS.includes(r.word) && !forms.some((f) => f.lexeme === r.lexeme));
  words.push(...[...forms, ...spread(others, PER_BAND - forms.length)].map((r) => word('russian', r)));
  return words;
}

/** `n` items evenly spaced over the list (which is sorted by frequency): the band's whole range. */
function spread<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  return Array.from({ length: n }, (_, i) => items[Math.round((i * (items.length - 1)) / Math.max(1, n - 1))]);
}

export interface PlannedQuery {
  band: Band;
  word: string;
  chatRoomId?: string;
}

/** `count` queries, the bands in turn, a random word of the band each time (and a random room of the user's). */
export function queryList(words: QueryWord[], count: number, seed: number, rooms?: string[]): PlannedQuery[] {
  const rand = prng(seed);
  const bands = BANDS.filter((b) => words.some((w) => w.band === b));
  return Array.from({ length: bands.length === 0 ? 0 : count }, (_, i) => {
    const band = bands[i % bands.length];
    const inBand = words.filter((w) => w.band === band);
    const w = inBand[Math.floor(rand() * inBand.length)];
    return {
      band,
      word: w.word,
      ...(rooms && rooms.length > 0 ? { chatRoomId: rooms[Math.floor(rand() * rooms.length)] } : {}),
    };
  });
}

/**
 * The search service's statement (src/search/search.service.ts, first page of 20: LIMIT 21), with the values
 * inlined as the planner sees them (Prisma sends them as parameters of an unnamed statement, planned for them).
 * Keep it in step with the service.
 */
async function searchStatement(sql: Sql, userId: string, word: string, chatRoomId?: string): Promise<string> {
  const columns = await sql.query<{ name: string; generated: string }>(`
    SELECT column_name AS name, is_generated AS generated FROM information_schema.columns
     WHERE table_schema = 'chat' AND table_name = 'Message' ORDER BY ordinal_position`);
  // The stored vector when the schema has it; else the index's expression.
  const vector = columns.some((c) => c.name === 'searchVector')
    ? 'm."searchVector"'
    : `to_tsvector(${SEARCH_CONFIG}, m."content")`;
  const select = columns
    .filter((c) => c.generated === 'NEVER')
    .map((c) => `m."${c.name}"`)
    .join(', ');
  const room = chatRoomId ? `AND p."chatRoomId" = '${chatRoomId}'::uuid` : '';
  return `SELECT ${select} FROM ${CHAT}."Message" m
     WHERE ${vector} @@ websearch_to_tsquery(${SEARCH_CONFIG}, '${word.replace(/'/g, "''")}')
       AND m."deletedAt" IS NULL
       AND m."chatRoomId" = ANY (ARRAY(
             SELECT p."chatRoomId" FROM ${CHAT}."ChatRoomParticipant" p WHERE p."userId" = '${userId}' ${room}))
     ORDER BY m."createdAt" DESC, m."id" DESC
     LIMIT 21`;
}

/** Runs the statement once (to warm the cache as the measured queries find it), then EXPLAIN ANALYZE it. */
export async function explainSearch(
  sql: Sql,
  userId: string,
  label: string,
  word: QueryWord,
  chatRoomId?: string,
): Promise<ExplainedQuery> {
  const statement = await searchStatement(sql, userId, word.word, chatRoomId);
  await sql.query(statement);
  const rows = await sql.query<Record<string, string>>(`EXPLAIN (ANALYZE, BUFFERS) ${statement}`);
  const plan = rows.map((r) => Object.values(r)[0]);
  const indexes = [
    ...new Set(plan.flatMap((l) => /(?:Index|Bitmap Index) Scan(?: Backward)? (?:using|on) (\S+)/.exec(l)?.[1] ?? [])),
  ];
  const execution = plan.map((l) => /Execution Time: ([\d.]+) ms/.exec(l)?.[1]).find((v) => v !== undefined);
  return {
    label,
    word: word.word,
    ...(chatRoomId ? { chatRoomId } : {}),
    matches: word.matches,
    plan: plan.slice(0, 60),
    indexes,
    executionMs: execution === undefined ? null : Number(execution),
  };
}
