/**
 * `--heap-snapshot`: what the server's live heap holds per idle connection. The server runs with
 * --heapsnapshot-signal=SIGWINCH; a snapshot is taken before and after the connect storm (the engine collects
 * garbage first), and the growth of each kind of object is divided by the connections added.
 */
import { readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './generator';

export interface HeapClass {
  name: string;
  count: number;
  bytes: number;
}

export interface HeapDelta {
  connections: number;
  /** Growth of the live heap (shallow sizes of every object) per connection added. */
  bytesPerConnection: number;
  top: { name: string; countPerConnection: number; bytesPerConnection: number }[];
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Asks the process for a heap snapshot and waits (bounded) until the file is complete; returns its path. */
export async function takeHeapSnapshot(pid: number, dir: string, timeoutMs = 180_000): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGWINCH');
  const deadline = Date.now() + timeoutMs;
  let lastSize = -1;
  while (Date.now() < deadline) {
    await sleep(1000);
    const file = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!file) continue;
    const size = statSync(join(dir, file)).size;
    // V8 streams the snapshot out while the process is paused: a size that stopped changing means done.
    if (size > 0 && size === lastSize) return join(dir, file);
    lastSize = size;
  }
  throw new Error(`no heap snapshot from ${pid} within ${timeoutMs} ms`);
}

/** Live objects by kind: constructor name for objects, "closure <fn>" for functions, "(string)", "(array)"... */
export function heapClasses(file: string): Map<string, HeapClass> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  unlinkSync(file);
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const classes = new Map<string, HeapClass>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]];
    const name = snap.strings[snap.nodes[i + nameAt]];
    const key =
      type === 'object'
        ? name
        : type === 'closure'
          ? `closure ${name || '(anonymous)'}`
          : type === 'hidden' || type === 'object shape'
            ? `(${type}) ${name.split(' ')[0]}`
            : `(${type})`;
    const c = classes.get(key) ?? { name: key, count: 0, bytes: 0 };
    c.count++;
    c.bytes += snap.nodes[i + sizeAt];
    classes.set(key, c);
  }
  return classes;
}

export function diffHeaps(
  before: Map<string, HeapClass>,
  after: Map<string, HeapClass>,
  connections: number,
  top = 15,
): HeapDelta {
  const n = Math.max(1, connections);
  const deltas = [...after.values()].map((a) => {
    const b = before.get(a.name);
    return { name: a.name, count: a.count - (b?.count ?? 0), bytes: a.bytes - (b?.bytes ?? 0) };
  });
  const total = deltas.reduce((s, d) => s + d.bytes, 0);
  return {
    connections,
    bytesPerConnection: total / n,
    top: deltas
      .sort((x, y) => y.bytes - x.bytes)
      .slice(0, top)
      .map((d) => ({ name: d.name, countPerConnection: d.count / n, bytesPerConnection: d.bytes / n })),
  };
}

export function formatHeap(target: string, d: HeapDelta): string {
  return [
    `live heap growth, ${target}: ${(d.bytesPerConnection / 1024).toFixed(1)} KB per connection (${d.connections} connections added)`,
    ...d.top.map(
      (t) =>
        `  ${(t.bytesPerConnection / 1024).toFixed(2).padStart(7)} KB  ${t.countPerConnection.toFixed(1).padStart(6)} ×  ${t.name}`,
    ),
  ].join('\n');
}
