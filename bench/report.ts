/** Result shapes, the summary against the targets, and the printed tables. */
import type { ConnectSummary } from './generator';
import type { HeapDelta } from './heap';
import type { Target } from './options';

export interface StepResult {
  stepId: number;
  roomSize: 10 | 100;
  /** Offered messages/s. */
  rate: number;
  attempt: number;
  seconds: number;
  sent: number;
  /** Sends the generator skipped because it could not keep up (it fell behind the offered rate). */
  behind: number;
  sentPerSec: number;
  acked: number;
  ackErrors: number;
  ackTimeouts: number;
  errorCodes: Record<string, number>;
  expected: number;
  received: number;
  strays: number;
  deliveredShare: number;
  deliveredPerSec: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  /** CPU used during the step and its grace period, in cores (1 = one core busy). */
  serverCpu: number;
  generatorCpu: number;
  pass: boolean;
  reason?: string;
}

export interface LadderResult {
  roomSize: 10 | 100;
  /** Highest offered rate with 100% delivery, null when even the first step failed. */
  highest: number | null;
  /** False when no step failed: `highest` is then only a lower bound (the ladder's top). */
  saturated: boolean;
  atHighest?: StepResult;
  steps: StepResult[];
}

export interface IdleResult {
  connections: number;
  /** Connected before the "before" reading, so one-time costs are not counted per connection. */
  warmupConnections: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  perConnectionBytes: number;
}

export interface StormResult extends ConnectSummary {
  /** Connections opened again, unmeasured, after failures in the storm. */
  retried: number;
  serverCpuSeconds: number;
}

export interface TargetResult {
  target: Target;
  nodes: number;
  idle?: IdleResult;
  storm?: StormResult;
  fanout10?: LadderResult;
  fanout100?: LadderResult;
  serverWarnings: number;
  /** With --heap-snapshot: live heap growth per idle connection, by kind of object. */
  heap?: HeapDelta;
  /** 1-minute load average of the machine (2 cores: above 2 means other work competed). */
  loadAverage: { before: number; after: number };
}

export interface SummaryRow {
  metric: string;
  ours: string;
  baseline: string;
  ratio: string;
  target: string;
  result: 'PASS' | 'MISS' | 'n/a' | '';
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${v.toFixed(v < 10 ? 2 : 1)} ms`);
const num = (v: number) => Math.round(v).toLocaleString('en-US');

function ladderValue(l?: LadderResult): string {
  if (!l) return '—';
  if (l.highest === null) return `< ${num(l.steps[0]?.rate ?? 0)} msg/s`;
  return `${l.saturated ? '' : '≥ '}${num(l.highest)} msg/s`;
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return a !== null && a !== undefined && b !== null && b !== undefined && b > 0 ? a / b : null;
}

const fmtRatio = (r: number | null) => (r === null ? '—' : `${r.toFixed(2)}×`);

function check(r: number | null, ok: (r: number) => boolean): SummaryRow['result'] {
  return r === null ? 'n/a' : ok(r) ? 'PASS' : 'MISS';
}

export function summarize(
  single: Partial<Record<Target, TargetResult>>,
  cluster: Partial<Record<Target, TargetResult>> | undefined,
  latencyRate: number,
  /** Whether latencyRate was one of the rooms-of-10 steps (it is not in --quick). */
  latencyRateInLadder: boolean,
): SummaryRow[] {
  const rows: SummaryRow[] = [];
  const o = single.ours;
  const b = single.baseline;
  if (o?.idle || b?.idle) {
    const n = o?.idle?.connections ?? b?.idle?.connections ?? 0;
    const r = ratio(o?.idle?.perConnectionBytes, b?.idle?.perConnectionBytes);
    rows.push({
      metric: `idle memory per connection (${num(n)} conn., server RSS)`,
      ours: o?.idle ? kb(o.idle.perConnectionBytes) : '—',
      baseline: b?.idle ? kb(b.idle.perConnectionBytes) : '—',
      ratio: fmtRatio(r),
      target: '≤ 1.30×',
      result: check(r, (x) => x <= 1.3),
    });
  }
  if (o?.storm || b?.storm) {
    const r = ratio(o?.storm?.perSecond, b?.storm?.perSecond);
    rows.push({
      metric: 'connect storm (connections/s accepted)',
      ours: o?.storm ? `${num(o.storm.perSecond)}/s` : '—',
      baseline: b?.storm ? `${num(b.storm.perSecond)}/s` : '—',
      ratio: fmtRatio(r),
      target: '≥ 0.50×',
      result: check(r, (x) => x >= 0.5),
    });
  }
  const fanRows = (label: string, get: (t?: TargetResult) => LadderResult | undefined, min: number | null) => {
    const lo = get(o);
    const lb = get(b);
    if (!lo && !lb) return;
    const r = ratio(lo?.highest ?? (lo ? 0 : null), lb?.highest);
    const bound = (lo && !lo.saturated) || (lb && !lb.saturated) ? ' (ladder top reached)' : '';
    rows.push({
      metric: `${label}: highest rate with 100% delivery`,
      ours: ladderValue(lo),
      baseline: ladderValue(lb),
      ratio: fmtRatio(r),
      target: min === null ? '(info)' : `≥ ${min.toFixed(2)}×`,
      result: min === null ? '' : check(r, (x) => x >= min),
    });
    if (bound) rows[rows.length - 1].metric += bound;
    const ao = lo?.atHighest;
    const ab = lb?.atHighest;
    rows.push({
      metric: '  delivered messages/s at that rate',
      ours: ao ? `${num(ao.deliveredPerSec)}/s` : '—',
      baseline: ab ? `${num(ab.deliveredPerSec)}/s` : '—',
      ratio: fmtRatio(ratio(ao?.deliveredPerSec, ab?.deliveredPerSec)),
      target: '',
      result: '',
    });
    rows.push({
      metric: '  p50 / p95 / p99 latency at that rate',
      ours: ao ? `${ms(ao.p50)} / ${ms(ao.p95)} / ${ms(ao.p99)}` : '—',
      baseline: ab ? `${ms(ab.p50)} / ${ms(ab.p95)} / ${ms(ab.p99)}` : '—',
      ratio: fmtRatio(ratio(ao?.p99, ab?.p99)),
      target: '',
      result: '',
    });
  };
  fanRows('fan-out, rooms of 10', (t) => t?.fanout10, 0.6);
  const at = (t?: TargetResult) => {
    const steps = t?.fanout10?.steps.filter((s) => s.rate === latencyRate) ?? [];
    return steps.find((s) => s.pass) ?? steps[steps.length - 1];
  };
  if (o?.fanout10 || b?.fanout10) {
    const so = at(o);
    const sb = at(b);
    // Not in the ladder at all (e.g. --quick) is n/a; in it but not reached (an earlier step failed) is a miss.
    const planned = (t?: TargetResult) => latencyRateInLadder && !!t?.fanout10 && t.fanout10.saturated;
    const show = (st: StepResult | undefined, t?: TargetResult) =>
      st ? `${ms(st.p99)}${st.pass ? '' : ' (delivery failed)'}` : planned(t) ? 'not reached' : 'not run';
    rows.push({
      metric: `p99 latency at ${num(latencyRate)} msg/s into rooms of 10`,
      ours: show(so, o),
      baseline: show(sb, b),
      ratio: fmtRatio(ratio(so?.p99, sb?.p99)),
      target: 'ours ≤ 50 ms',
      result: so ? (so.pass && so.p99 !== null && so.p99 <= 50 ? 'PASS' : 'MISS') : planned(o) ? 'MISS' : 'n/a',
    });
  }
  fanRows('fan-out, rooms of 100', (t) => t?.fanout100, 0.85);
  if (cluster?.ours || cluster?.baseline) {
    const nodes = cluster.ours?.nodes ?? cluster.baseline?.nodes ?? 2;
    const co = cluster.ours;
    const cb = cluster.baseline;
    for (const [label, get] of [
      [`cluster ×${nodes} + Redis, rooms of 10`, (t?: TargetResult) => t?.fanout10],
      [`cluster ×${nodes} + Redis, rooms of 100`, (t?: TargetResult) => t?.fanout100],
    ] as const) {
      const lo = get(co);
      const lb = get(cb);
      if (!lo && !lb) continue;
      rows.push({
        metric: `${label}: highest rate with 100% delivery`,
        ours: ladderValue(lo),
        baseline: ladderValue(lb),
        ratio: fmtRatio(ratio(lo?.highest ?? (lo ? 0 : null), lb?.highest)),
        target: '(info)',
        result: '',
      });
      const ao = lo?.atHighest;
      const ab = lb?.atHighest;
      rows.push({
        metric: '  delivered/s; p99 at that rate',
        ours: ao ? `${num(ao.deliveredPerSec)}/s; ${ms(ao.p99)}` : '—',
        baseline: ab ? `${num(ab.deliveredPerSec)}/s; ${ms(ab.p99)}` : '—',
        ratio: fmtRatio(ratio(ao?.deliveredPerSec, ab?.deliveredPerSec)),
        target: '',
        result: '',
      });
    }
  }
  return rows;
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatSummary(rows: SummaryRow[]): string {
  return table(
    ['metric', 'ours', 'baseline', 'ratio', 'target', 'result'],
    rows.map((r) => [r.metric, r.ours, r.baseline, r.ratio, r.target, r.result]),
  );
}

/** Markdown version of the summary, for the README. */
export function markdownSummary(rows: SummaryRow[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').trim();
  return [
    '| metric | ours | baseline | ratio | target | result |',
    '|---|---:|---:|---:|---|---|',
    ...rows.map((r) => {
      const metric = r.metric.startsWith('  ') ? `↳ ${r.metric.trim()}` : r.metric;
      return `| ${[metric, r.ours, r.baseline, r.ratio, r.target, r.result].map(esc).join(' | ')} |`;
    }),
  ].join('\n');
}

export function formatSteps(title: string, steps: StepResult[]): string {
  const pct = (x: number) => `${(x * 100).toFixed(x >= 0.9995 && x < 1 ? 2 : 1)}%`;
  return `${title}\n${table(
    ['rate', 'sent/s', 'delivered/s', 'delivered', 'p50', 'p95', 'p99', 'max', 'srv CPU', 'gen CPU', 'result'],
    steps.map((s) => [
      `${num(s.rate)}${s.attempt > 0 ? ` (retry ${s.attempt})` : ''}`,
      num(s.sentPerSec),
      num(s.deliveredPerSec),
      pct(s.deliveredShare),
      ms(s.p50),
      ms(s.p95),
      ms(s.p99),
      ms(s.max),
      `${(s.serverCpu * 100).toFixed(0)}%`,
      `${(s.generatorCpu * 100).toFixed(0)}%`,
      s.pass ? 'ok' : `FAIL: ${s.reason ?? ''}`,
    ]),
  )}`;
}
