/**
 * A load-generator worker thread: holds a share of the bench's socket.io clients, opens them (connect storm),
 * sends at an offered rate into their rooms (fan-out steps) and records, at every receiving socket, the
 * send→receive latency stamped into each message's content by its sender.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { io, type Socket } from 'socket.io-client';
import { Histogram } from './histogram';
import {
  wallNow,
  type ClientSpec,
  type ConnectResult,
  type Reply,
  type Request,
  type StepSent,
  type StepStats,
  type WorkerInit,
} from './protocol';

interface Client {
  spec: ClientSpec;
  socket?: Socket;
  connected: boolean;
  /** True while we close it on purpose: its disconnect is not counted as a failure. */
  closing: boolean;
}

/** A step's counters while it runs: StepStats with a live histogram (sent back sparse). */
type Counters = Omit<StepStats, 'disconnects' | 'histogram' | 'latencyMax'> & { histogram: Histogram };

interface Ack {
  ok: boolean;
  error?: { code?: string };
}

const init = workerData as WorkerInit;
const clients: Client[] = init.clients.map((spec) => ({ spec, connected: false, closing: false }));
const steps = new Map<number, Counters>();
let disconnects = 0;

function counters(stepId: number): Counters {
  let c = steps.get(stepId);
  if (!c) {
    c = {
      sent: 0,
      acked: 0,
      ackErrors: 0,
      ackTimeouts: 0,
      errorCodes: {},
      received: 0,
      strays: 0,
      lastReceivedAt: 0,
      histogram: new Histogram(),
    };
    steps.set(stepId, c);
    // Keep the last few steps only: late deliveries of older ones are simply not counted.
    for (const id of steps.keys()) if (id < stepId - 4) steps.delete(id);
  }
  return c;
}

function onMessage(client: Client, m: { chatRoomId?: string; content?: string }): void {
  const now = wallNow();
  const content = typeof m.content === 'string' ? m.content : '';
  const a = content.indexOf('|');
  const b = content.indexOf('|', a + 1);
  if (a <= 0 || b <= a) return;
  const stepId = Number(content.slice(0, a));
  const sentAt = Number(content.slice(a + 1, b));
  if (!Number.isFinite(stepId) || !Number.isFinite(sentAt)) return;
  const c = counters(stepId);
  if (m.chatRoomId !== client.spec.room10 && m.chatRoomId !== client.spec.room100) {
    c.strays++;
    return;
  }
  c.received++;
  c.lastReceivedAt = now;
  c.histogram.record(now - sentAt);
}

function inRange(client: Client, range?: [number, number]): boolean {
  return !range || (client.spec.user >= range[0] && client.spec.user < range[1]);
}

function connectAll(concurrency: number, range?: [number, number]): Promise<ConnectResult> {
  const todo = clients.filter((c) => !c.connected && inRange(c, range));
  const latency = new Histogram();
  const result: ConnectResult = {
    attempted: todo.length,
    connected: 0,
    failed: 0,
    startedAt: wallNow(),
    finishedAt: wallNow(),
    errors: {},
    latency: [],
    latencyMax: 0,
  };
  if (todo.length === 0) return Promise.resolve(result);
  return new Promise((resolve) => {
    let next = 0;
    let settled = 0;
    const launch = (): void => {
      if (next >= todo.length) return;
      const client = todo[next++];
      const t0 = wallNow();
      client.closing = false;
      const socket = io(`${client.spec.url}/chat`, {
        transports: ['websocket'],
        auth: client.spec.auth,
        reconnection: false,
        forceNew: true,
        timeout: init.connectTimeoutMs,
      });
      client.socket = socket;
      let done = false;
      const finish = (error?: Error): void => {
        if (done) return;
        done = true;
        settled++;
        result.finishedAt = wallNow();
        if (error) {
          result.failed++;
          const key = error.message || 'error';
          result.errors[key] = (result.errors[key] ?? 0) + 1;
          socket.close();
        } else {
          result.connected++;
          client.connected = true;
          latency.record(result.finishedAt - t0);
        }
        if (settled === todo.length) {
          result.latency = latency.toSparse();
          result.latencyMax = latency.max;
          resolve(result);
        } else {
          launch();
        }
      };
      socket.once('connect', () => finish());
      socket.once('connect_error', (error: Error) => finish(error));
      socket.on('newMessage', (m: { chatRoomId?: string; content?: string }) => onMessage(client, m));
      socket.on('disconnect', () => {
        if (client.connected && !client.closing) disconnects++;
        client.connected = false;
      });
    };
    for (let i = 0; i < Math.min(concurrency, todo.length); i++) launch();
  });
}

function disconnect(range: [number, number]): number {
  let closed = 0;
  for (const client of clients) {
    if (!client.socket || !inRange(client, range)) continue;
    client.closing = true;
    client.socket.close();
    client.connected = false;
    closed++;
  }
  return closed;
}

function shuffled<T>(items: T[], seed: number): T[] {
  const out = items.slice();
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1664525 + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function runStep(req: Extract<Request, { type: 'step' }>): Promise<StepSent> {
  const c = counters(req.stepId);
  const senders = shuffled(
    clients.filter((cl) => cl.connected && inRange(cl, req.senders)),
    req.stepId * 31 + init.workerId,
  );
  const startedAt = wallNow();
  if (senders.length === 0 || req.rate <= 0) {
    return Promise.resolve({ sent: 0, behind: 0, startedAt, endedAt: startedAt });
  }
  // At most 50 ms worth of messages at once: a generator that stalled longer skips them (counted as "behind").
  const burst = Math.max(1, Math.ceil(req.rate * 0.05));
  const pad = 'x'.repeat(Math.max(0, req.messageSize));
  let scheduled = 0;
  let behind = 0;
  let cursor = 0;
  let seq = 0;
  const send = (client: Client): void => {
    const head = `${req.stepId}|${wallNow().toFixed(3)}|`;
    const payload = {
      chatRoomId: req.roomSize === 10 ? client.spec.room10 : client.spec.room100,
      content: head + pad.slice(0, Math.max(1, req.messageSize - head.length)),
      clientMessageId: `b${req.stepId}.${init.workerId}.${seq++}`,
    };
    c.sent++;
    client.socket!.timeout(init.ackTimeoutMs).emit('sendMessage', payload, (err: Error | null, ack?: Ack) => {
      if (err) c.ackTimeouts++;
      else if (ack && ack.ok) c.acked++;
      else {
        c.ackErrors++;
        const code = ack?.error?.code ?? 'malformed ack';
        c.errorCodes[code] = (c.errorCodes[code] ?? 0) + 1;
      }
    });
  };
  return new Promise((resolve) => {
    const tick = (): void => {
      const now = wallNow();
      const elapsed = Math.min(now - startedAt, req.durationMs);
      const due = Math.floor((req.rate * elapsed) / 1000) - scheduled;
      const n = Math.min(due, burst);
      if (due > 0) {
        scheduled += due;
        behind += due - n;
      }
      for (let i = 0; i < n; i++) {
        let client = senders[cursor++ % senders.length];
        for (let tries = 0; !client.connected && tries < senders.length; tries++) {
          client = senders[cursor++ % senders.length];
        }
        if (!client.connected) {
          behind++;
          continue;
        }
        send(client);
      }
      if (elapsed >= req.durationMs) {
        resolve({ sent: scheduled - behind, behind, startedAt, endedAt: wallNow() });
      } else {
        setTimeout(tick, 5);
      }
    };
    tick();
  });
}

function stats(stepId: number, withHistogram: boolean): StepStats {
  const c = counters(stepId);
  return {
    sent: c.sent,
    acked: c.acked,
    ackErrors: c.ackErrors,
    ackTimeouts: c.ackTimeouts,
    errorCodes: c.errorCodes,
    received: c.received,
    strays: c.strays,
    lastReceivedAt: c.lastReceivedAt,
    disconnects,
    ...(withHistogram && { histogram: c.histogram.toSparse(), latencyMax: c.histogram.max }),
  };
}

async function handle(req: Request): Promise<Reply> {
  switch (req.type) {
    case 'connect':
      return { type: 'connect', result: await connectAll(req.concurrency, req.users) };
    case 'disconnect':
      return { type: 'disconnect', closed: disconnect(req.users) };
    case 'step':
      return { type: 'step', result: await runStep(req) };
    case 'stats':
      return { type: 'stats', result: stats(req.stepId, req.histogram) };
    case 'close':
      disconnect([0, Number.MAX_SAFE_INTEGER]);
      return { type: 'close' };
  }
}

parentPort!.on('message', (msg: { id: number; req: Request }) => {
  handle(msg.req).then(
    (reply) => parentPort!.postMessage({ id: msg.id, reply }),
    (error: unknown) =>
      parentPort!.postMessage({ id: msg.id, reply: { type: 'error', message: (error as Error).message } }),
  );
});
