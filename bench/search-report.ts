/** The search scenario's printed table: absolute figures (there is no baseline for search). */
import { table } from './report';
import type { SearchCorpus, SearchPass } from './search';
import { BAND_LIMITS, BANDS, type Band } from './search-queries';

export interface SearchResult {
  corpus: SearchCorpus;
  passes: SearchPass[];
  /** 1-minute load average of the machine around the measurement (2 cores: above 2, other work competed). */
  loadAverage: { before: number; after: number };
}

const num = (v: number) => Math.round(v).toLocaleString('en-US');
const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v.toFixed(v < 10 ? 2 : 1)} ms`);
const pct = (v: number) => `${(v * 100).toFixed(v < 0.001 ? 3 : v < 0.01 ? 2 : 1)}%`;

/** The band's words: how many, and the share of the user's messages that contain them (lowest–highest). */
function bandWords(corpus: SearchCorpus, band: Band): string {
  const words = corpus.words.filter((w) => w.band === band);
  if (words.length === 0) return '';
  const shares = words.map((w) => w.share);
  return `${words.length}; ${pct(Math.min(...shares))}–${pct(Math.max(...shares))}`;
}

export function formatSearch(r: SearchResult): string {
  const c = r.corpus;
  const lines = [
    `search: ${num(c.messages)} messages in ${num(c.rooms)} rooms (${num(c.directRooms)} direct), ${num(c.users)} ` +
      `users, ${num(c.participants)} memberships; seeded in ${(c.seeding.totalMs / 1000).toFixed(1)} s ` +
      `(${c.seeding.steps.map((s) => `${s.name} ${(s.ms / 1000).toFixed(1)} s`).join('; ')})`,
    `the measured user is in ${c.userRooms.length} rooms holding ${num(c.userMessages)} messages; one-word queries ` +
      `by the share of those messages that contain the word: common ≥ ${pct(BAND_LIMITS.common)}, medium ≥ ` +
      `${pct(BAND_LIMITS.medium)}, rare below; russian: forms of "кошка" and other Russian words`,
    `machine load average ${r.loadAverage.before.toFixed(2)} before, ${r.loadAverage.after.toFixed(2)} after`,
    '',
  ];
  const rows: string[][] = [];
  for (const p of r.passes) {
    (['all', ...BANDS] as const).forEach((band, i) => {
      const s = p.bands[band];
      if (!s) return;
      rows.push([
        i === 0 ? p.name : '',
        band,
        band === 'all' ? '' : bandWords(c, band),
        num(s.queries),
        ms(s.p50),
        ms(s.p95),
        ms(s.p99),
        ms(s.max),
        s.meanHits.toFixed(1),
        i === 0 ? `${(p.serverCpu * 100).toFixed(0)}%` : '',
        i === 0
          ? Object.entries(p.errors)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ') || '0'
          : '',
      ]);
    });
  }
  lines.push(
    table(['pass', 'band', 'words; share', 'queries', 'p50', 'p95', 'p99', 'max', 'hits', 'srv CPU', 'errors'], rows),
  );
  for (const e of c.explain) {
    const top = e.plan
      .slice(0, 3)
      .map((l) => l.trim().replace(/\s+\(cost=[^)]*\)/, ''))
      .join(' / ');
    const matches = `${num(e.matches)} match${e.matches === 1 ? '' : 'es'} in the user's rooms`;
    lines.push(
      `EXPLAIN ${e.label} "${e.word}" (${e.chatRoomId ? 'one room' : matches}): ${ms(e.executionMs)}; ` +
        `indexes: ${e.indexes.join(', ') || 'none'}; ${top}`,
    );
  }
  return lines.join('\n');
}
