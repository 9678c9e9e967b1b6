/** Child processes of the bench (servers, helpers), their resources, and the clean-up that must always run. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { sleep } from './generator';

export interface ServerProcess {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  pid: number;
  logPath: string;
  /** The last lines the process printed, for error messages. */
  tail: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();
/** Terminal colour codes (ESC [ ... m), removed from the lines kept for messages. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const cleanups: { name: string; fn: () => Promise<void> }[] = [];

/** Registers an asynchronous clean-up (drop a database, delete files); they run in reverse order. */
export function onCleanup(name: string, fn: () => Promise<void>): void {
  cleanups.push({ name, fn });
}

/** Stops every child still running (SIGTERM, then SIGKILL) and runs the clean-ups, each bounded in time. */
export async function cleanupAll(log: (line: string) => void): Promise<void> {
  const running = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of running) c.kill('SIGTERM');
  const deadline = Date.now() + 8000;
  while (running.some((c) => c.exitCode === null && c.signalCode === null) && Date.now() < deadline) await sleep(100);
  killAllNow();
  while (cleanups.length > 0) {
    const { name, fn } = cleanups.pop()!;
    try {
      await Promise.race([fn(), sleep(15_000).then(() => Promise.reject(new Error('timed out')))]);
    } catch (error) {
      log(`clean-up "${name}" failed: ${(error as Error).message}`);
    }
  }
}

/** Last resort, synchronous (process 'exit'): SIGKILL whatever child is left. */
export function killAllNow(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

export function startProcess(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  logDir: string,
  cwd: string,
): ServerProcess {
  const logPath = join(logDir, `${name}.log`);
  const log = createWriteStream(logPath);
  const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const tail: string[] = [];
  const collect = (chunk: Buffer): void => {
    log.write(chunk);
    for (const line of chunk.toString('utf8').replace(ANSI, '').split('\n')) {
      if (!line.trim()) continue;
      tail.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
      if (tail.length > 40) tail.shift();
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      log.end();
      resolve({ code, signal });
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  return { name, port, url: `http://127.0.0.1:${port}`, child, pid: child.pid, logPath, tail, exited };
}

/** Throws, with the process's last lines, when a server exited while it should be serving. */
export function assertAlive(servers: ServerProcess[]): void {
  for (const s of servers) {
    if (s.child.exitCode !== null || s.child.signalCode !== null) {
      throw new Error(
        `${s.name} (pid ${s.pid}) exited unexpectedly (${s.child.signalCode ?? `code ${s.child.exitCode}`}); ` +
          `its last lines:\n  ${s.tail.join('\n  ')}`,
      );
    }
  }
}

/** Polls GET /health until it answers 200; fails early if the process exits. */
export async function waitHealthy(proc: ServerProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`${proc.name} exited during start-up; its last lines:\n  ${proc.tail.join('\n  ')}`);
    }
    try {
      const res = await fetch(`${proc.url}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      lastError = `HTTP ${res.status}`;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`${proc.name} not healthy after ${timeoutMs} ms (${lastError}); log: ${proc.logPath}`);
}

/** SIGTERM (a graceful shutdown, which also writes a --cpu-prof profile), then SIGKILL after `timeoutMs`. */
export async function stopProcess(proc: ServerProcess, timeoutMs = 10_000): Promise<void> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
  const result = await Promise.race([proc.exited, sleep(timeoutMs).then(() => null)]);
  if (!result) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
  children.delete(proc.child);
}

/** Runs `node args` to completion (bounded), throwing with its output when it fails. */
export function runNode(args: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number): string {
  const r = spawnSync(process.execPath, args, { env, cwd, encoding: 'utf8', timeout: timeoutMs });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.error || r.status !== 0) {
    throw new Error(`node ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${out}`);
  }
  return out;
}

/** Resident set size of a process, in bytes (from /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** CPU time (user + system) a process has used so far, in seconds (from /proc). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Waits until the process uses less than `maxShare` of a core over `windowMs` (bounded by `timeoutMs`). */
export async function waitQuiet(pids: number[], maxShare = 0.1, windowMs = 500, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const before = pids.map(cpuSeconds);
    await sleep(windowMs);
    const after = pids.map(cpuSeconds);
    if (after.every((a, i) => (a - before[i]) / (windowMs / 1000) < maxShare)) return true;
  }
  return false;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The soft limit on open files of this process (children inherit it). */
export function openFileLimit(): number {
  const r = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  const text = (r.stdout ?? '').trim();
  return text === 'unlimited' ? Number.POSITIVE_INFINITY : Number(text) || 1024;
}
