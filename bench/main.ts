/**
 * `npm run bench`: the gateway against a bare socket.io baseline on the same machine. See the "Benchmark" section of README.md.
 * Loaded by bench/run.mjs once compiled to dist-bench/.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import {
  baseEnv,
  clearRedisPrefix,
  makePopulation,
  openSql,
  prepareDatabase,
  redisVersion,
  signToken,
  type BenchDatabase,
  type Population,
} from './database';
import { LoadGenerator, sleep } from './generator';
import { diffHeaps, formatHeap, heapClasses, takeHeapSnapshot, type HeapClass } from './heap';
import { HELP, parseOptions, type Options, type Target } from './options';
import { formatProfile, summarizeProfile, type PhaseWindow, type ProfileSummary } from './profile';
import {
  assertAlive,
  cleanupAll,
  cpuSeconds,
  freePort,
  killAllNow,
  onCleanup,
  openFileLimit,
  rssBytes,
  startProcess,
  stopProcess,
  waitHealthy,
  waitQuiet,
  type ServerProcess,
} from './processes';
import type { ClientSpec } from './protocol';
import {
  formatSteps,
  formatSummary,
  markdownSummary,
  summarize,
  type LadderResult,
  type StepResult,
  type TargetResult,
} from './report';
import { measureSearch, seedSearchCorpus } from './search';
import { formatSearch, type SearchResult } from './search-report';

const ROOT = resolve(__dirname, '..');
const t0 = Date.now();
const log = (line: string): void => {
  process.stdout.write(`[bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);
};

interface Context {
  options: Options;
  population: Population;
  db?: BenchDatabase;
  jwtSecret: string;
  tokens: string[];
  runDir: string;
  resultsDir: string;
  stamp: string;
  redisUrl?: string;
  redisPrefix: string;
  stepId: number;
  notes: string[];
  profiles: ProfileSummary[];
  search?: SearchResult;
}

async function main(argv: string[]): Promise<number> {
  let options: Options | 'help';
  try {
    options = parseOptions(argv);
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (!existsSync(join(ROOT, 'dist-demo/main.js')) || !existsSync(join(ROOT, 'dist-demo/migrate.js'))) {
    process.stderr.write('bench: dist-demo/main.js is missing: run `npm run build` first\n');
    return 2;
  }
  const notes: string[] = [];
  const note = (line: string) => {
    notes.push(line);
    log(`NOTE: ${line}`);
  };

  // Open files: the generator (this process) and each server hold one descriptor per connection.
  const limit = openFileLimit();
  const headroom = 256;
  if (options.connections + headroom > limit || options.fanoutClients + headroom > limit) {
    const max = Math.max(100, Math.floor((limit - headroom) / 100) * 100);
    note(
      `ulimit -n is ${limit}: too low for ${Math.max(options.connections, options.fanoutClients)} connections; ` +
        `reduced to ${max} (raise it with \`ulimit -n 65536\` for the full size)`,
    );
    options.connections = Math.min(options.connections, max);
    options.fanoutClients = Math.min(options.fanoutClients, max);
  }
  if (options.scenarios.includes('fanout') && !options.quick && !options.rates10.includes(options.latencyRate)) {
    options.rates10 = [...options.rates10, options.latencyRate].sort((a, b) => a - b);
  }

  const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\..*/, 'Z');
  const resultsDir = join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const runDir = mkdtempSync(join(tmpdir(), 'chat-bench-'));
  let keepRunDir = false;
  onCleanup('remove the temporary run directory', async () => {
    if (keepRunDir) log(`server logs kept in ${runDir}`);
    else rmSync(runDir, { recursive: true, force: true });
  });

  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping every process and cleaning up`);
    void cleanupAll(log).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', killAllNow);

  const connectionScenarios = options.scenarios.some((s) => s !== 'search');
  const ctx: Context = {
    options,
    population: makePopulation(connectionScenarios ? Math.max(options.connections, options.fanoutClients) : 0),
    jwtSecret: randomBytes(32).toString('base64url'),
    tokens: [],
    runDir,
    resultsDir,
    stamp,
    redisUrl: process.env.REDIS_URL,
    redisPrefix: `bench-${randomBytes(4).toString('hex')}`,
    stepId: 0,
    notes,
    profiles: [],
  };

  let exitCode = 0;
  try {
    log(
      `options: ${options.quick ? 'quick, ' : ''}${options.connections} connections, ${options.fanoutClients} fan-out ` +
        `clients, ${options.workers} generator workers, steps of ${options.stepSeconds} s, scenarios ${options.scenarios.join(',')}` +
        (options.scenarios.includes('search') ? `, search over ${options.searchMessages} messages` : ''),
    );
    if (options.targets.includes('ours')) {
      ctx.db = await prepareDatabase(ctx.population, ROOT, runDir, log);
      ctx.tokens = ctx.population.users.map((u) => signToken(u, ctx.jwtSecret, 4 * 3600));
    }
    const single: Partial<Record<Target, TargetResult>> = {};
    if (options.scenarios.includes('idle') || options.scenarios.includes('fanout')) {
      for (const target of order(options.targets)) single[target] = await runTarget(ctx, target, 1);
    }
    let cluster: Partial<Record<Target, TargetResult>> | undefined;
    let clusterSkipped: string | undefined;
    if (options.scenarios.includes('cluster')) {
      if (!process.env.DATABASE_URL || !ctx.redisUrl) {
        clusterSkipped = 'needs DATABASE_URL (the embedded database is single-process) and REDIS_URL';
        note(`cluster scenario skipped: ${clusterSkipped}`);
      } else {
        onCleanup('delete the Redis keys of this run', async () => {
          const n = await clearRedisPrefix(ctx.redisUrl!, ctx.redisPrefix);
          log(`deleted ${n} Redis keys under ${ctx.redisPrefix}:`);
        });
        cluster = {};
        for (const target of order(options.targets)) {
          cluster[target] = await runTarget(ctx, target, options.clusterNodes);
        }
      }
    }

    let searchSkipped: string | undefined;
    if (options.scenarios.includes('search')) {
      if (options.targets.includes('ours')) ctx.search = await runSearch(ctx);
      else note((searchSkipped = 'search scenario skipped: it runs on the gateway (--targets ours)'));
    }

    const summary = summarize(single, cluster, options.latencyRate, options.rates10.includes(options.latencyRate));
    const misses = summary.filter((r) => r.result === 'MISS');
    const environment = {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      database: ctx.db?.label ?? '(none: baseline only)',
      redis: ctx.redisUrl ? `Redis ${await redisVersion(ctx.redisUrl).catch(() => '?')}` : '(none)',
      openFileLimit: limit,
    };
    const out = options.out ? resolve(options.out) : join(resultsDir, `${stamp}.json`);
    const results = {
      version: 1,
      date: new Date().toISOString(),
      quick: options.quick,
      options,
      environment,
      single,
      cluster: cluster ?? { skipped: clusterSkipped ?? 'not requested' },
      search: ctx.search ?? { skipped: searchSkipped ?? 'not requested' },
      summary,
      markdown: markdownSummary(summary),
      profiles: ctx.profiles,
      notes,
    };
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);

    const print = (s: string) => process.stdout.write(`${s}\n`);
    print('');
    print(
      `==== chat gateway benchmark, ${results.date}${options.quick ? ' (--quick: small sizes, numbers indicative only)' : ''}`,
    );
    print(`database: ${environment.database}; Redis: ${environment.redis} (cluster scenario only)`);
    print(`machine: ${environment.cpus} × ${environment.cpuModel ?? '?'}, Node ${environment.node}`);
    for (const [scope, results] of [
      ['single process', single],
      [`cluster ×${options.clusterNodes}`, cluster ?? {}],
    ] as const) {
      for (const [target, r] of Object.entries(results)) {
        if (!r) continue;
        for (const l of [r.fanout10, r.fanout100]) {
          if (l) print(`\n${formatSteps(`fan-out steps, ${target}, ${scope}, rooms of ${l.roomSize}:`, l.steps)}`);
        }
      }
    }
    for (const [target, r] of Object.entries(single)) if (r?.heap) print(`\n${formatHeap(target, r.heap)}`);
    for (const p of ctx.profiles) print(`\n${formatProfile(p)}`);
    if (ctx.search) print(`\n${formatSearch(ctx.search)}`);
    print('');
    if (summary.length > 0) print(formatSummary(summary));
    print('');
    for (const n of notes) print(`note: ${n}`);
    print(`results: ${relative(process.cwd(), out) || out}`);
    if (misses.length > 0) {
      print(
        `${misses.length} target(s) missed${options.failOnMiss ? '' : ' (reported only; --fail-on-miss makes it an error)'}`,
      );
      if (options.failOnMiss) exitCode = 1;
    }
  } catch (error) {
    keepRunDir = true;
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    exitCode = 1;
  } finally {
    await cleanupAll(log);
  }
  return exitCode;
}

/** The baseline first: the gateway leaves work behind in the database (checkpoints, vacuum) that would slow it. */
function order(targets: Target[]): Target[] {
  return (['baseline', 'ours'] as const).filter((t) => targets.includes(t));
}

function serverEnv(ctx: Context, target: Target, port: number, nodes: number): NodeJS.ProcessEnv {
  const redis = nodes > 1 && ctx.redisUrl ? { REDIS_URL: ctx.redisUrl, REDIS_PREFIX: ctx.redisPrefix } : {};
  if (target === 'baseline') return { ...baseEnv(), PORT: String(port), ...redis };
  const unlimited = '1000000/1s';
  return {
    ...baseEnv(),
    ...ctx.db!.serverEnv,
    ...redis,
    PORT: String(port),
    NODE_ENV: 'production',
    JWT_SECRET: ctx.jwtSecret,
    LOG_LEVEL: 'warn',
    NO_COLOR: '1',
    SHUTDOWN_TIMEOUT_MS: '5000',
    // The bench measures capacity, not the abuse limits: the limiters still run, with allowances never reached.
    RATE_LIMIT_MESSAGES: unlimited,
    RATE_LIMIT_TYPING: unlimited,
    RATE_LIMIT_ROOMS: unlimited,
    RATE_LIMIT_JOINS: unlimited,
    RATE_LIMIT_SEARCH: unlimited,
    RATE_LIMIT_SOCKET_EVENTS: unlimited,
  };
}

/** `single`: the name of a single process, in logs and in its CPU profile's file name (default: the target). */
async function startServers(ctx: Context, target: Target, nodes: number, single?: string): Promise<ServerProcess[]> {
  const servers: ServerProcess[] = [];
  for (let i = 0; i < nodes; i++) {
    const port = await freePort();
    const name = nodes > 1 ? `${target}-node${i + 1}` : (single ?? target);
    const profile = ctx.options.profile && target === 'ours' && nodes === 1;
    const script = target === 'ours' ? join(ROOT, 'dist-demo/main.js') : join(ROOT, 'bench/baseline-server.mjs');
    const args = [
      ...(profile
        ? ['--cpu-prof', `--cpu-prof-dir=${ctx.resultsDir}`, `--cpu-prof-name=${ctx.stamp}-${name}.cpuprofile`]
        : []),
      ...(ctx.options.heapSnapshot && nodes === 1
        ? ['--heapsnapshot-signal=SIGWINCH', `--diagnostic-dir=${ctx.runDir}`]
        : []),
      script,
    ];
    servers.push(startProcess(name, args, serverEnv(ctx, target, port, nodes), port, ctx.runDir, ROOT));
  }
  await Promise.all(servers.map((s) => waitHealthy(s, 60_000)));
  for (const s of servers) log(`${s.name} listening on :${s.port} (pid ${s.pid})`);
  await quiet(
    ctx,
    servers.map((s) => s.pid),
  );
  return servers;
}

/** Waits (bounded) until the servers are nearly idle, so one phase's leftovers do not count in the next. */
function quiet(ctx: Context, pids: number[], maxShare = 0.1, timeoutMs = 15_000): Promise<boolean> {
  return waitQuiet(pids, maxShare, ctx.options.quick ? 250 : 500, timeoutMs);
}

function clientSpecs(ctx: Context, target: Target, servers: ServerProcess[], count: number): ClientSpec[] {
  const { users, rooms10, rooms100 } = ctx.population;
  const workers = ctx.options.workers;
  return users.slice(0, count).map((u, i) => {
    const room10 = rooms10[Math.floor(i / 10)];
    const room100 = rooms100[Math.floor(i / 100)];
    // Users alternate between worker threads, and within a worker between nodes: every room spans every node.
    const node = servers[Math.floor(i / workers) % servers.length];
    return {
      user: i,
      url: node.url,
      auth: target === 'ours' ? { token: ctx.tokens[i] } : { userId: u.id, rooms: [room10, room100] },
      room10,
      room100,
    };
  });
}

async function runTarget(ctx: Context, target: Target, nodes: number): Promise<TargetResult> {
  const o = ctx.options;
  const label = nodes > 1 ? `${target} ×${nodes}` : target;
  const loadBefore = loadavg()[0];
  log(`---- ${label}${nodes > 1 ? ' (cluster, Redis adapter)' : ''}; machine load average ${loadBefore.toFixed(2)}`);
  const servers = await startServers(ctx, target, nodes);
  const pids = servers.map((s) => s.pid);
  const idleScenario = nodes === 1 && o.scenarios.includes('idle');
  const fanoutScenario = nodes > 1 || o.scenarios.includes('fanout');
  const population = idleScenario ? Math.max(o.connections, o.fanoutClients) : o.fanoutClients;
  const generator = new LoadGenerator(clientSpecs(ctx, target, servers, population), o.workers, {
    connectTimeoutMs: o.connectTimeoutMs,
    ackTimeoutMs: o.ackTimeoutMs,
  });
  const result: TargetResult = { target, nodes, serverWarnings: 0, loadAverage: { before: loadBefore, after: 0 } };
  const phases: PhaseWindow[] = [];
  let exitedAt: number | undefined;
  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const from = Date.now();
    try {
      return await fn();
    } finally {
      phases.push({ name, from, to: Date.now() });
    }
  };
  try {
    if (idleScenario) {
      // A few connections first, so one-time costs (JIT, lazy initialisation, pools) are not counted per connection;
      // the storm and the idle memory are measured on the rest.
      const warm = Math.min(100, Math.max(10, Math.floor(o.connections / 20)));
      await generator.connect(Math.min(20, o.connectConcurrency), [0, warm]);
      await sleep(Math.min(1000, o.settleMs));
      await quiet(ctx, pids, 0.05, 10_000);
      const rssBefore = rssBytes(pids[0]);
      let heapBefore: Map<string, HeapClass> | undefined;
      if (o.heapSnapshot) {
        heapBefore = heapClasses(await takeHeapSnapshot(pids[0], ctx.runDir));
        await quiet(ctx, pids, 0.05, 10_000);
      }
      const cpuBefore = cpuSeconds(pids[0]);
      log(`${label}: connect storm, ${o.connections - warm} connections, ${o.connectConcurrency} in flight`);
      const storm = await phase('connect storm', () => generator.connect(o.connectConcurrency, [warm, o.connections]));
      assertAlive(servers);
      const serverCpuSeconds = cpuSeconds(pids[0]) - cpuBefore;
      log(
        `${label}: ${storm.connected}/${storm.attempted} connected in ${storm.seconds.toFixed(2)} s ` +
          `= ${Math.round(storm.perSecond)}/s (connect p50 ${storm.latencyP50?.toFixed(1) ?? '—'} ms, p99 ` +
          `${storm.latencyP99?.toFixed(1) ?? '—'} ms, server CPU ${serverCpuSeconds.toFixed(1)} s)` +
          `${storm.failed ? `; failures: ${JSON.stringify(storm.errors)}` : ''}`,
      );
      let retried = 0;
      if (storm.failed > 0) {
        const again = await generator.connect(Math.min(50, o.connectConcurrency), [0, o.connections]);
        retried = again.connected;
        if (again.failed > 0) ctx.notes.push(`${label}: ${again.failed} connections failed twice`);
      }
      result.storm = { ...storm, retried, serverCpuSeconds };
      await sleep(o.settleMs);
      await quiet(ctx, pids, 0.05);
      assertAlive(servers);
      const rssAfter = rssBytes(pids[0]);
      const measured = storm.connected + retried;
      if (heapBefore) {
        result.heap = diffHeaps(heapBefore, heapClasses(await takeHeapSnapshot(pids[0], ctx.runDir)), measured);
        log(formatHeap(label, result.heap));
      }
      result.idle = {
        connections: warm + measured,
        warmupConnections: warm,
        rssBeforeBytes: rssBefore,
        rssAfterBytes: rssAfter,
        perConnectionBytes: measured > 0 ? (rssAfter - rssBefore) / measured : 0,
      };
      log(
        `${label}: idle RSS ${(rssBefore / 2 ** 20).toFixed(1)} MiB with ${warm} connections → ` +
          `${(rssAfter / 2 ** 20).toFixed(1)} MiB with ${warm + measured} ` +
          `= ${(result.idle.perConnectionBytes / 1024).toFixed(1)} KB per connection`,
      );
    }
    if (fanoutScenario) {
      if (idleScenario && o.connections > o.fanoutClients) {
        await generator.disconnect([o.fanoutClients, o.connections]);
        await sleep(500);
        await quiet(ctx, pids, 0.1, 20_000);
      }
      const c = await generator.connect(o.connectConcurrency, [0, o.fanoutClients]);
      if (c.failed > 0) {
        const again = await generator.connect(50, [0, o.fanoutClients]);
        if (again.failed > 0) {
          throw new Error(
            `${label}: ${again.failed} fan-out clients could not connect: ${JSON.stringify(again.errors)}`,
          );
        }
      }
      await quiet(ctx, pids, 0.1, 10_000);
      result.fanout10 = await phase('fan-out, rooms of 10', () =>
        ladder(ctx, generator, 10, o.rates10, servers, label),
      );
      result.fanout100 = await phase('fan-out, rooms of 100', () =>
        ladder(ctx, generator, 100, o.rates100, servers, label),
      );
    }
  } finally {
    await generator.close();
    // Let the servers finish handling the disconnects before they are asked to stop.
    await quiet(ctx, pids, 0.05);
    for (const s of servers) {
      await stopProcess(s, 12_000);
      exitedAt = Date.now();
      result.serverWarnings += s.tail.filter((l) => /WARN|ERROR/.test(l)).length;
    }
  }
  for (const s of servers) {
    const warnings = s.tail.filter((l) => /WARN|ERROR/.test(l));
    if (warnings.length > 0) {
      ctx.notes.push(`${s.name} logged warnings/errors (last: ${warnings[warnings.length - 1].slice(0, 200)})`);
    }
  }
  result.loadAverage.after = loadavg()[0];
  if (ctx.options.profile && target === 'ours' && nodes === 1) {
    const file = join(ctx.resultsDir, `${ctx.stamp}-${target}.cpuprofile`);
    if (existsSync(file)) ctx.profiles.push(summarizeProfile(file, phases, exitedAt));
    else ctx.notes.push(`no CPU profile was written (${file})`);
  }
  return result;
}

/**
 * The search scenario, after the others (its million messages must not weigh on their figures): the corpus is
 * seeded while no server has the database open, then one gateway serves the measured user's queries.
 */
async function runSearch(ctx: Context): Promise<SearchResult> {
  const o = ctx.options;
  log(`---- search: seeding ${o.searchMessages.toLocaleString('en-US')} messages with SQL`);
  const sql = await openSql(ctx.db!);
  const corpus = await seedSearchCorpus(sql, o.searchMessages, log).finally(() => sql.close());
  const loadBefore = loadavg()[0];
  log(`search: gateway starting; machine load average ${loadBefore.toFixed(2)}`);
  const [server] = await startServers(ctx, 'ours', 1, 'ours-search');
  const from = Date.now();
  try {
    const passes = await measureSearch(
      server.url,
      server.pid,
      signToken(corpus.user, ctx.jwtSecret, 4 * 3600),
      corpus,
      {
        queries: o.searchQueries,
        concurrency: o.searchConcurrency,
        ackTimeoutMs: o.ackTimeoutMs,
        connectTimeoutMs: o.connectTimeoutMs,
      },
      log,
    );
    assertAlive([server]);
    return { corpus, passes, loadAverage: { before: loadBefore, after: loadavg()[0] } };
  } finally {
    // Let the gateway finish handling the disconnect before it is asked to stop.
    await quiet(ctx, [server.pid], 0.05);
    const to = Date.now();
    await stopProcess(server, 12_000);
    const exitedAt = Date.now();
    const errors = server.tail.filter((l) => /ERROR/.test(l));
    const warnings = server.tail.filter((l) => /WARN|ERROR/.test(l));
    const shown = errors[0] ?? warnings[warnings.length - 1];
    if (shown) {
      const which = errors[0] ? 'first error' : 'last';
      ctx.notes.push(`search: the gateway logged warnings/errors (${which}: ${shown.slice(0, 200)})`);
    }
    const profile = join(ctx.resultsDir, `${ctx.stamp}-ours-search.cpuprofile`);
    if (o.profile && existsSync(profile)) {
      ctx.profiles.push(summarizeProfile(profile, [{ name: 'search', from, to }], exitedAt));
    }
  }
}

async function ladder(
  ctx: Context,
  generator: LoadGenerator,
  roomSize: 10 | 100,
  rates: number[],
  servers: ServerProcess[],
  label: string,
): Promise<LadderResult> {
  const o = ctx.options;
  const steps: StepResult[] = [];
  log(
    `${label}: fan-out into rooms of ${roomSize}, ${o.fanoutClients / roomSize} rooms, rates ${rates.join(', ')} msg/s`,
  );
  // Warm-up (JIT, pools, buffers): half a step at the lowest rate, not recorded.
  await runStep(ctx, generator, roomSize, rates[0], servers, o.quick ? 0.3 : Math.max(0.5, o.stepSeconds / 2), 0);
  const at = async (rate: number): Promise<StepResult> => {
    let r: StepResult | undefined;
    for (let attempt = 0; attempt <= o.retries; attempt++) {
      r = await runStep(ctx, generator, roomSize, rate, servers, o.stepSeconds, attempt);
      steps.push(r);
      log(
        `${label} rooms of ${roomSize} @ ${rate} msg/s: sent ${Math.round(r.sentPerSec)}/s, delivered ` +
          `${(r.deliveredShare * 100).toFixed(2)}% (${Math.round(r.deliveredPerSec)}/s), p50/p99 ` +
          `${r.p50?.toFixed(1)}/${r.p99?.toFixed(1)} ms, server CPU ${(r.serverCpu * 100).toFixed(0)}% ` +
          `${r.pass ? 'ok' : `FAIL (${r.reason})`}`,
      );
      if (r.pass) break;
    }
    return r!;
  };
  let lo: StepResult | undefined;
  let hiRate: number | undefined;
  for (const rate of rates) {
    const r = await at(rate);
    if (r.pass) lo = r;
    else {
      hiRate = rate;
      break;
    }
  }
  for (let k = 0; k < o.refine && lo && hiRate !== undefined; k++) {
    const mid = Math.round((lo.rate + hiRate) / 2);
    if (mid <= lo.rate || mid >= hiRate || hiRate / lo.rate < 1.06) break;
    const r = await at(mid);
    if (r.pass) lo = r;
    else hiRate = mid;
  }
  return { roomSize, highest: lo?.rate ?? null, saturated: hiRate !== undefined, atHighest: lo, steps };
}

async function runStep(
  ctx: Context,
  generator: LoadGenerator,
  roomSize: 10 | 100,
  rate: number,
  servers: ServerProcess[],
  seconds: number,
  attempt: number,
): Promise<StepResult> {
  const o = ctx.options;
  const pids = servers.map((s) => s.pid);
  const stepId = ++ctx.stepId;
  // Each worker offers its share of the rate, in proportion to the senders it holds.
  const perWorker = Array.from({ length: generator.size }, () => 0);
  for (let u = 0; u < o.fanoutClients; u++) perWorker[u % generator.size]++;
  const rates = perWorker.map((n) => (rate * n) / o.fanoutClients);
  const cpu0 = pids.map(cpuSeconds);
  const gen0 = process.cpuUsage();
  const wall0 = Date.now();
  const sent = await generator.step(stepId, roomSize, rates, seconds * 1000, [0, o.fanoutClients], o.messageSize);
  assertAlive(servers);
  const deadline = Date.now() + o.graceMs;
  for (;;) {
    const s = await generator.stats(stepId, false);
    const settled = s.acked + s.ackErrors + s.ackTimeouts >= s.sent;
    if ((settled && s.received >= s.acked * roomSize) || Date.now() >= deadline) break;
    await sleep(25);
  }
  const s = await generator.stats(stepId, true);
  const wall = (Date.now() - wall0) / 1000;
  const drainStart = Date.now();
  const serverCpu = pids.reduce((n, pid, i) => n + cpuSeconds(pid) - cpu0[i], 0) / wall;
  const genUsage = process.cpuUsage(gen0);
  const generatorCpu = (genUsage.user + genUsage.system) / 1e6 / wall;
  const duration = (sent.endedAt - sent.startedAt) / 1000;
  // A message is broadcast unless it was refused; one whose ack is late may still have been broadcast.
  const expected = (s.sent - s.ackErrors) * roomSize;
  const span = (Math.max(s.lastReceivedAt, sent.endedAt) - sent.startedAt) / 1000;
  const reasons: string[] = [];
  const offered = rate * seconds;
  if (sent.sent < 0.95 * offered) reasons.push(`generator sent only ${((sent.sent / offered) * 100).toFixed(0)}%`);
  if (s.ackErrors > 0) reasons.push(`${s.ackErrors} error acks ${JSON.stringify(s.errorCodes)}`);
  if (s.ackTimeouts > 0 || s.acked + s.ackErrors < s.sent) {
    reasons.push(`${s.sent - s.acked - s.ackErrors} acks missing`);
  }
  if (s.received < Math.max(expected, s.acked * roomSize)) {
    reasons.push(`${(100 * (s.received / Math.max(1, expected))).toFixed(2)}% delivered in time`);
  }
  if (s.strays > 0) reasons.push(`${s.strays} messages reached sockets outside the room`);
  const p99 = s.latency.percentile(0.99);
  if (p99 !== null && p99 > o.maxP99Ms) reasons.push(`p99 ${p99.toFixed(0)} ms > ${o.maxP99Ms} ms: falling behind`);
  // Before the next step: let a backlog drain (every ack back or timed out) and the server calm down.
  if (s.acked + s.ackErrors + s.ackTimeouts < s.sent) {
    const until = drainStart + o.ackTimeoutMs + 2000;
    while (Date.now() < until) {
      const d = await generator.stats(stepId, false);
      if (d.acked + d.ackErrors + d.ackTimeouts >= d.sent) break;
      await sleep(100);
    }
  }
  if (reasons.length > 0) await quiet(ctx, pids, 0.2, 20_000);
  return {
    stepId,
    roomSize,
    rate,
    attempt,
    seconds: duration,
    sent: s.sent,
    behind: sent.behind,
    sentPerSec: s.sent / Math.max(0.001, duration),
    acked: s.acked,
    ackErrors: s.ackErrors,
    ackTimeouts: s.ackTimeouts,
    errorCodes: s.errorCodes,
    expected,
    received: s.received,
    strays: s.strays,
    deliveredShare: expected > 0 ? s.received / expected : 0,
    deliveredPerSec: s.received / Math.max(0.001, span),
    p50: s.latency.percentile(0.5),
    p95: s.latency.percentile(0.95),
    p99,
    max: s.latency.total > 0 ? s.latency.max : null,
    serverCpu,
    generatorCpu,
    pass: reasons.length === 0 && expected > 0,
    reason: reasons.length > 0 ? reasons.join('; ') : expected > 0 ? undefined : 'nothing acked',
  };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    killAllNow();
    process.exit(1);
  },
);
