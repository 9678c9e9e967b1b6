/** Command-line options of `npm run bench`, their defaults and the --quick preset. */

export type Scenario = 'idle' | 'fanout' | 'cluster' | 'search';
export const SCENARIOS: readonly Scenario[] = ['idle', 'fanout', 'cluster', 'search'];
export type Target = 'ours' | 'baseline';

export interface Options {
  quick: boolean;
  connections: number;
  fanoutClients: number;
  workers: number;
  connectConcurrency: number;
  connectTimeoutMs: number;
  ackTimeoutMs: number;
  settleMs: number;
  stepSeconds: number;
  graceMs: number;
  rates10: number[];
  rates100: number[];
  retries: number;
  refine: number;
  /** A step whose p99 latency exceeds this is falling behind (a backlog builds up), even if all arrives in time. */
  maxP99Ms: number;
  messageSize: number;
  scenarios: Scenario[];
  targets: Target[];
  clusterNodes: number;
  profile: boolean;
  heapSnapshot: boolean;
  failOnMiss: boolean;
  out?: string;
  /** The latency target is checked at this rate into rooms of 10. */
  latencyRate: number;
  /** Messages stored for the search scenario. */
  searchMessages: number;
  /** Queries in each of its passes (the room-scoped pass sends half as many). */
  searchQueries: number;
  /** Queries in flight in its concurrent pass. */
  searchConcurrency: number;
}

const FULL: Options = {
  quick: false,
  connections: 10_000,
  fanoutClients: 1000,
  workers: 2,
  connectConcurrency: 200,
  connectTimeoutMs: 20_000,
  ackTimeoutMs: 10_000,
  settleMs: 5000,
  stepSeconds: 4,
  graceMs: 1500,
  rates10: [250, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000, 6000, 8000],
  rates100: [25, 50, 100, 150, 200, 250, 300, 400, 500, 600, 800, 1000],
  retries: 1,
  refine: 2,
  maxP99Ms: 250,
  messageSize: 100,
  scenarios: [...SCENARIOS],
  targets: ['ours', 'baseline'],
  clusterNodes: 2,
  profile: false,
  heapSnapshot: false,
  failOnMiss: false,
  latencyRate: 1000,
  searchMessages: 1_000_000,
  searchQueries: 400,
  searchConcurrency: 4,
};

const QUICK: Partial<Options> = {
  quick: true,
  connections: 100,
  fanoutClients: 100,
  settleMs: 300,
  stepSeconds: 1,
  graceMs: 1000,
  rates10: [50, 200],
  rates100: [10],
  retries: 0,
  refine: 0,
  searchMessages: 20_000,
  searchQueries: 40,
};

export const HELP = `Usage: npm run bench -- [options]     (or: node bench/run.mjs [options]; needs \`npm run build\` first)

Starts the demo host with the gateway (dist-demo/main.js) and the bare socket.io baseline (bench/baseline-server.mjs) as separate processes,
drives them with socket.io-client worker threads, prints a table and writes bench/results/<date>.json.
Uses PostgreSQL when DATABASE_URL is set (a fresh bench_<random> database, dropped at the end), else the embedded
database in a temporary DATA_DIR. The cluster scenario needs DATABASE_URL and REDIS_URL.

  --quick                   small sizes and short steps (CI smoke run, well under a minute)
  --connections N           idle/storm connections, one user each (default ${FULL.connections}; quick ${QUICK.connections})
  --fanout-clients N        users taking part in fan-out, a multiple of 100 (default ${FULL.fanoutClients}; quick ${QUICK.fanoutClients})
  --rates10 a,b,...         offered messages/s into rooms of 10, stepped up in order (default ${FULL.rates10.join(',')})
  --rates100 a,b,...        the same for rooms of 100 (default ${FULL.rates100.join(',')})
  --step-seconds S          duration of each step (default ${FULL.stepSeconds}; quick ${QUICK.stepSeconds})
  --grace-ms MS             how long after a step's last send every delivery must have arrived (default ${FULL.graceMs})
  --max-p99-ms MS          a step whose p99 latency is above this is falling behind: it fails (default ${FULL.maxP99Ms})
  --retries N               repeat a failing step N times before it counts as failed (default ${FULL.retries}; quick 0)
  --refine N                bisection steps between the last passing and the first failing rate (default ${FULL.refine}; quick 0)
  --latency-rate R          rate (rooms of 10) at which the p99 latency target is checked, added to --rates10
                            (default ${FULL.latencyRate}; not added in --quick)
  --message-size N          characters of message content (default ${FULL.messageSize})
  --workers N               load-generator worker threads (default ${FULL.workers})
  --connect-concurrency N   connection attempts in flight during the storm (default ${FULL.connectConcurrency})
  --settle-ms MS            wait after the storm before reading the idle memory (default ${FULL.settleMs})
  --scenarios a,b           idle (idle memory + connect storm), fanout, cluster, search (default all);
                            \`--scenarios search\` runs the search step alone (the gateway only, no baseline)
  --targets a,b             ours, baseline (default both; search runs on ours)
  --search-messages N       messages stored for the search step, seeded with SQL (default ${FULL.searchMessages}; quick ${QUICK.searchMessages})
  --search-queries N        one-word queries per search pass (default ${FULL.searchQueries}; quick ${QUICK.searchQueries})
  --search-concurrency N    queries in flight in the concurrent search pass (default ${FULL.searchConcurrency})
  --cluster-nodes N         processes in the cluster scenario (default ${FULL.clusterNodes})
  --profile                 run the gateway with --cpu-prof; the profile is saved next to the results and summarized
  --heap-snapshot           heap snapshots of each server before and after the storm: live heap per connection by
                            kind of object (diagnosis; the snapshots' garbage collections disturb the RSS figures)
  --fail-on-miss            exit 1 when a target is missed (default: exit 0 whatever the numbers)
  --out FILE                results file (default bench/results/<date>.json)
  --help`;

export function parseOptions(argv: string[]): Options | 'help' {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) flags.set(arg.slice(2), argv[++i]);
    else flags.set(arg.slice(2), true);
  }
  if (flags.has('help') || flags.has('h')) return 'help';
  const o: Options = { ...FULL, ...(flags.has('quick') ? QUICK : {}) };
  const take = (name: string): string | undefined => {
    const v = flags.get(name);
    flags.delete(name);
    if (v === true) throw new Error(`--${name} needs a value`);
    return v;
  };
  const int = (name: string, min: number, max: number): number | undefined => {
    const v = take(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}..${max}`);
    return n;
  };
  const list = <T extends string>(name: string, allowed: readonly T[]): T[] | undefined => {
    const v = take(name);
    if (v === undefined) return undefined;
    const items = v.split(',').map((s) => s.trim()) as T[];
    for (const item of items) if (!allowed.includes(item)) throw new Error(`--${name}: unknown "${item}"`);
    return items;
  };
  const rates = (name: string): number[] | undefined => {
    const v = take(name);
    if (v === undefined) return undefined;
    const items = v.split(',').map(Number);
    if (items.some((n) => !(n > 0 && n <= 1_000_000))) throw new Error(`--${name} must be positive numbers`);
    return items.sort((a, b) => a - b);
  };
  flags.delete('quick');
  o.connections = int('connections', 10, 1_000_000) ?? o.connections;
  o.fanoutClients = int('fanout-clients', 100, 1_000_000) ?? o.fanoutClients;
  o.workers = int('workers', 1, 64) ?? o.workers;
  o.connectConcurrency = int('connect-concurrency', 1, 100_000) ?? o.connectConcurrency;
  o.settleMs = int('settle-ms', 0, 600_000) ?? o.settleMs;
  o.stepSeconds = Number(take('step-seconds') ?? o.stepSeconds);
  if (!(o.stepSeconds >= 0.2 && o.stepSeconds <= 600)) throw new Error('--step-seconds must be in 0.2..600');
  o.graceMs = int('grace-ms', 0, 600_000) ?? o.graceMs;
  o.rates10 = rates('rates10') ?? o.rates10;
  o.rates100 = rates('rates100') ?? o.rates100;
  o.retries = int('retries', 0, 10) ?? o.retries;
  o.maxP99Ms = int('max-p99-ms', 1, 600_000) ?? o.maxP99Ms;
  o.refine = int('refine', 0, 10) ?? o.refine;
  o.latencyRate = int('latency-rate', 1, 1_000_000) ?? o.latencyRate;
  o.messageSize = int('message-size', 40, 100_000) ?? o.messageSize;
  o.scenarios = list('scenarios', SCENARIOS) ?? o.scenarios;
  o.searchMessages = int('search-messages', 1000, 100_000_000) ?? o.searchMessages;
  o.searchQueries = int('search-queries', 4, 1_000_000) ?? o.searchQueries;
  o.searchConcurrency = int('search-concurrency', 1, 1000) ?? o.searchConcurrency;
  o.targets = list('targets', ['ours', 'baseline'] as const) ?? o.targets;
  o.clusterNodes = int('cluster-nodes', 2, 16) ?? o.clusterNodes;
  o.out = take('out');
  for (const name of ['profile', 'heap-snapshot', 'fail-on-miss']) {
    if (flags.get(name) !== undefined && flags.get(name) !== true) throw new Error(`--${name} takes no value`);
  }
  o.profile = flags.delete('profile') || o.profile;
  o.heapSnapshot = flags.delete('heap-snapshot') || o.heapSnapshot;
  o.failOnMiss = flags.delete('fail-on-miss') || o.failOnMiss;
  if (flags.size > 0) throw new Error(`unknown option --${[...flags.keys()][0]} (see --help)`);
  o.fanoutClients -= o.fanoutClients % 100;
  if (o.fanoutClients < 100) throw new Error('--fanout-clients must be at least 100');
  return o;
}
