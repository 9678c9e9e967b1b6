/** Summarizes a V8 .cpuprofile (node --cpu-prof): where the server's CPU time went, by function and by package. */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSection {
  /** The whole profile, or a phase of the bench (e.g. "fan-out, rooms of 10"). */
  name: string;
  seconds: number;
  /** Share of the section's wall time the process was busy (not idle). */
  busyShare: number;
  topFunctions: { frame: string; selfMs: number; selfShare: number }[];
  topPackages: { name: string; selfMs: number; selfShare: number }[];
  /** Inclusive time of frames that say what the server was doing (e.g. Prisma, socket.io). */
  inclusive: { name: string; ms: number; share: number }[];
}

export interface ProfileSummary {
  file: string;
  sections: ProfileSection[];
}

/** A bench phase in wall-clock milliseconds. */
export interface PhaseWindow {
  name: string;
  from: number;
  to: number;
}

/** Where a script lives, shortened: the package for node_modules, the file for our code, "node" for internals. */
function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node (internals)';
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return `app: ${url.slice(dist + 1).replace(/^file:\/\//, '')}`;
  return url.replace(/^file:\/\//, '');
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${packageOf(url, functionName)}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

const INCLUSIVE_GROUPS: { name: string; test: (n: ProfileNode) => boolean }[] = [
  {
    name: 'Prisma client + adapter (queries, incl. pg)',
    test: (n) => /@prisma|generated\/prisma/.test(n.callFrame.url),
  },
  { name: 'pg driver', test: (n) => /node_modules\/pg(-protocol|-pool)?\//.test(n.callFrame.url) },
  {
    name: 'PGlite (embedded database)',
    test: (n) => /@electric-sql\/pglite|pglite-prisma-adapter/.test(n.callFrame.url),
  },
  { name: 'class-validator / class-transformer', test: (n) => /class-(validator|transformer)/.test(n.callFrame.url) },
  { name: 'rxjs (Nest handler pipelines)', test: (n) => /node_modules\/rxjs\//.test(n.callFrame.url) },
  { name: '@nestjs (core/websockets)', test: (n) => /node_modules\/@nestjs\//.test(n.callFrame.url) },
  {
    name: 'socket.io + engine.io + ws',
    test: (n) =>
      /node_modules\/(socket\.io|engine\.io|ws|socket\.io-parser|socket\.io-adapter)\//.test(n.callFrame.url),
  },
  {
    name: 'redis client + adapter',
    test: (n) => /@redis|@socket\.io\/redis-adapter|node_modules\/redis\//.test(n.callFrame.url),
  },
  { name: 'jsonwebtoken / jws (JWT verify)', test: (n) => /jsonwebtoken|\/jws\/|\/jwa\//.test(n.callFrame.url) },
  { name: 'app code (dist/, dist-demo/)', test: (n) => /\/dist(-demo)?\//.test(n.callFrame.url) },
  { name: 'garbage collector', test: (n) => n.callFrame.functionName === '(garbage collector)' },
];

/**
 * Summarizes the whole profile and each phase. Phases are given in wall-clock time and placed on the profile's
 * clock from its end, which is when the process exited (`exitedAt`, wall clock): precise to some tens of ms.
 */
export function summarizeProfile(file: string, phases: PhaseWindow[] = [], exitedAt?: number): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Sample i happened at times[i] (µs, profile clock) and stands for deltas[i + 1] of CPU time.
  const times: number[] = [];
  let t = profile.startTime;
  for (const d of profile.timeDeltas) times.push((t += d));
  const section = (name: string, from: number, to: number): ProfileSection => {
    const self = new Map<number, number>();
    for (let i = 0; i < profile.samples.length; i++) {
      if (times[i] < from || times[i] > to) continue;
      const weight = profile.timeDeltas[i + 1] ?? 0;
      self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + weight);
    }
    return summarizeSamples(name, self, byId, parent, (to - from) / 1e6);
  };
  const sections = [section('whole run', profile.startTime, profile.endTime)];
  if (exitedAt !== undefined) {
    for (const p of phases) {
      const from = profile.endTime - (exitedAt - p.from) * 1000;
      const to = profile.endTime - (exitedAt - p.to) * 1000;
      if (to > profile.startTime && from < profile.endTime) sections.push(section(p.name, from, to));
    }
  }
  return { file, sections };
}

function summarizeSamples(
  name: string,
  self: Map<number, number>,
  byId: Map<number, ProfileNode>,
  parent: Map<number, number>,
  seconds: number,
  top = 12,
): ProfileSection {
  const total = [...self.values()].reduce((a, b) => a + b, 0) || 1;
  let idle = 0;
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const frame = frameName(node);
    functions.set(frame, (functions.get(frame) ?? 0) + us);
    const pkg = packageOf(node.callFrame.url, node.callFrame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    // Inclusive: the sample counts once for every group found on its stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      for (const g of INCLUSIVE_GROUPS) if (g.test(n)) seen.add(g.name);
    }
    for (const g of seen) inclusive.set(g, (inclusive.get(g) ?? 0) + us);
  }
  const busy = total - idle || 1;
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, us]) => ({ name: key, ms: us / 1000, share: us / busy }));
  return {
    name,
    seconds,
    busyShare: busy / total,
    topFunctions: rank(functions).map((f) => ({ frame: f.name, selfMs: f.ms, selfShare: f.share })),
    topPackages: rank(packages).map((p) => ({ name: p.name, selfMs: p.ms, selfShare: p.share })),
    inclusive: rank(inclusive),
  };
}

export function formatProfile(s: ProfileSummary, full = false): string {
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)}%`;
  const lines = [`CPU profile of the gateway: ${s.file}`];
  for (const [i, sec] of s.sections.entries()) {
    const n = full || i > 0 ? 8 : 12;
    lines.push(
      `  [${sec.name}] ${sec.seconds.toFixed(1)} s, busy ${pct(sec.busyShare).trim()} of one core; shares are of busy time`,
      '    top functions (self):',
      ...sec.topFunctions
        .slice(0, n)
        .map((f) => `      ${pct(f.selfShare)} ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.frame}`),
      '    by package (self):',
      ...sec.topPackages
        .slice(0, n)
        .map((p) => `      ${pct(p.selfShare)} ${p.selfMs.toFixed(0).padStart(7)} ms  ${p.name}`),
      '    inclusive (such a frame on the stack):',
      ...sec.inclusive.slice(0, n).map((g) => `      ${pct(g.share)} ${g.ms.toFixed(0).padStart(7)} ms  ${g.name}`),
    );
  }
  return lines.join('\n');
}
