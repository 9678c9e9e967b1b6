/** The orchestrator's side of the load generator: a pool of worker threads (load-worker.ts) and their clients. */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Histogram } from './histogram';
import type { ClientSpec, ConnectResult, Reply, Request, StepSent, StepStats, WorkerInit } from './protocol';

export interface ConnectSummary {
  attempted: number;
  connected: number;
  failed: number;
  seconds: number;
  perSecond: number;
  errors: Record<string, number>;
  latencyP50: number | null;
  latencyP99: number | null;
}

/** The workers' StepStats added up, their latency histograms merged. */
export type StepTotals = Omit<StepStats, 'histogram' | 'latencyMax'> & { latency: Histogram };

export class LoadGenerator {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;

  constructor(clients: ClientSpec[], workerCount: number, options: { connectTimeoutMs: number; ackTimeoutMs: number }) {
    const shares: ClientSpec[][] = Array.from({ length: workerCount }, () => []);
    for (const client of clients) shares[client.user % workerCount].push(client);
    for (let w = 0; w < workerCount; w++) {
      const init: WorkerInit = { workerId: w, clients: shares[w], ...options };
      const worker = new Worker(join(__dirname, 'load-worker.js'), { workerData: init });
      worker.on('message', (msg: { id: number; reply: Reply }) => {
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.reply.type === 'error') p.reject(new Error(`load worker ${w}: ${msg.reply.message}`));
        else p.resolve(msg.reply);
      });
      worker.on('error', (error) => this.failAll(new Error(`load worker ${w} crashed: ${error.message}`)));
      worker.on('exit', (code) => {
        if (!this.closed) this.failAll(new Error(`load worker ${w} exited (${code})`));
      });
      this.workers.push(worker);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Opens every client not yet connected (optionally only users in [from, to)), `concurrency` at a time in all. */
  async connect(concurrency: number, users?: [number, number]): Promise<ConnectSummary> {
    const per = Math.max(1, Math.ceil(concurrency / this.workers.length));
    const results = (await this.all({ type: 'connect', concurrency: per, users })).map(
      (r) => (r as Extract<Reply, { type: 'connect' }>).result,
    );
    return summarizeConnect(results);
  }

  async disconnect(users: [number, number]): Promise<number> {
    const replies = await this.all({ type: 'disconnect', users });
    return replies.reduce((n, r) => n + (r as Extract<Reply, { type: 'disconnect' }>).closed, 0);
  }

  /** Runs one step: each worker sends `rates[w]` messages/s for `durationMs`. Resolves when the sending ends. */
  async step(
    stepId: number,
    roomSize: 10 | 100,
    rates: number[],
    durationMs: number,
    senders: [number, number],
    messageSize: number,
  ): Promise<StepSent> {
    const replies = await Promise.all(
      this.workers.map((w, i) =>
        this.call(w, { type: 'step', stepId, roomSize, rate: rates[i], durationMs, senders, messageSize }),
      ),
    );
    const results = replies.map((r) => (r as Extract<Reply, { type: 'step' }>).result);
    return {
      sent: results.reduce((n, r) => n + r.sent, 0),
      behind: results.reduce((n, r) => n + r.behind, 0),
      startedAt: Math.min(...results.map((r) => r.startedAt)),
      endedAt: Math.max(...results.map((r) => r.endedAt)),
    };
  }

  async stats(stepId: number, withHistogram: boolean): Promise<StepTotals> {
    const replies = await this.all({ type: 'stats', stepId, histogram: withHistogram });
    const results = replies.map((r) => (r as Extract<Reply, { type: 'stats' }>).result);
    const latency = new Histogram();
    const errorCodes: Record<string, number> = {};
    for (const r of results) {
      if (r.histogram) latency.addSparse(r.histogram, r.latencyMax ?? 0);
      for (const [k, v] of Object.entries(r.errorCodes)) errorCodes[k] = (errorCodes[k] ?? 0) + v;
    }
    const sum = (f: (r: StepStats) => number): number => results.reduce((n, r) => n + f(r), 0);
    return {
      sent: sum((r) => r.sent),
      acked: sum((r) => r.acked),
      ackErrors: sum((r) => r.ackErrors),
      ackTimeouts: sum((r) => r.ackTimeouts),
      errorCodes,
      received: sum((r) => r.received),
      strays: sum((r) => r.strays),
      lastReceivedAt: Math.max(...results.map((r) => r.lastReceivedAt)),
      disconnects: sum((r) => r.disconnects),
      latency,
    };
  }

  /** Closes every client, then the worker threads; bounded. */
  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.race([this.all({ type: 'close' }).catch(() => undefined), sleep(5000)]);
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate().catch(() => 0)));
    this.failAll(new Error('load generator closed'));
  }

  private all(req: Request): Promise<Reply[]> {
    return Promise.all(this.workers.map((w) => this.call(w, req)));
  }

  private call(worker: Worker, req: Request): Promise<Reply> {
    if (this.closed) return Promise.reject(new Error('load generator closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, req });
    });
  }

  private failAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}

function summarizeConnect(results: ConnectResult[]): ConnectSummary {
  const attempted = results.reduce((n, r) => n + r.attempted, 0);
  const connected = results.reduce((n, r) => n + r.connected, 0);
  const active = results.filter((r) => r.attempted > 0);
  const seconds =
    active.length > 0
      ? (Math.max(...active.map((r) => r.finishedAt)) - Math.min(...active.map((r) => r.startedAt))) / 1000
      : 0;
  const errors: Record<string, number> = {};
  const latency = new Histogram();
  for (const r of results) {
    latency.addSparse(r.latency, r.latencyMax);
    for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  }
  return {
    attempted,
    connected,
    failed: attempted - connected,
    seconds,
    perSecond: seconds > 0 ? connected / seconds : 0,
    errors,
    latencyP50: latency.percentile(0.5),
    latencyP99: latency.percentile(0.99),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
