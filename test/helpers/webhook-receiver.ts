import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { TestApp } from './test-app';

/** One POST the receiver got, as it arrived (the raw body is kept for signature checks). */
export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The parsed body; undefined when it was not JSON. */
  body: WebhookBody | undefined;
  /** `x-chat-delivery-id`. */
  deliveryId: string;
  /** `x-chat-attempt`. */
  attempt: number;
  receivedAt: number;
  /** What the receiver answered; null while (or when) it did not answer. */
  status: number | null;
}

/** A webhook's JSON body, as the contract describes it. */
export interface WebhookBody {
  id: string;
  webhookId: string;
  type: string;
  chatRoomId: string;
  eventSeq: number;
  createdAt: string;
  data: Record<string, unknown> & { eventSeq: number };
}

type Answer = number | 'hang';

/**
 * A loopback HTTP endpoint for webhooks. It answers 200 unless told
 * otherwise: `failNext(n)` answers the next n requests with 500, `hangNext(n)`
 * never answers them, `failAll()` answers everything with 500. `stop()`
 * closes it (connections are then refused) and `start()` opens it again on
 * the same port, so the URL the app was configured with stays valid.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  port = 0;
  private server: Server | undefined;
  private scripted: Answer[] = [];
  private fallback: Answer = 200;
  private readonly hanging = new Set<ServerResponse>();
  private readonly waiters = new Waiters();

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** Listens on a free port the first time, on the same port afterwards. */
  async start(): Promise<this> {
    if (this.server) return this;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.answer(Buffer.concat(chunks).toString('utf8'), req.headers, res));
    });
    for (let attempt = 1; ; attempt += 1) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(this.port, '127.0.0.1', () => {
            server.off('error', reject);
            resolve();
          });
        });
        break;
      } catch (error) {
        // The old port may linger for a moment after stop().
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  /** Closes the port and drops every connection: the next attempts are refused. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.hanging.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  failNext(n: number, status = 500): void {
    this.scripted.push(...Array<Answer>(n).fill(status));
  }

  hangNext(n: number): void {
    this.scripted.push(...Array<Answer>(n).fill('hang'));
  }

  failAll(status = 500): void {
    this.fallback = status;
  }

  succeedAll(): void {
    this.fallback = 200;
    this.scripted = [];
  }

  /** The requests answered 2xx, one per delivery id (the first), in arrival order. */
  delivered(): ReceivedRequest[] {
    const seen = new Set<string>();
    return this.requests.filter((r) => {
      if (r.status === null || r.status < 200 || r.status > 299 || seen.has(r.deliveryId)) return false;
      seen.add(r.deliveryId);
      return true;
    });
  }

  /** Every request (failed attempts and duplicates included) for one delivery id. */
  attemptsOf(deliveryId: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.deliveryId === deliveryId);
  }

  /** Resolves once `condition` holds (checked on every request), or rejects after `timeoutMs`. */
  until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    return this.waiters.until(condition, `webhook receiver: ${what}`, timeoutMs);
  }

  private answer(rawBody: string, headers: IncomingHttpHeaders, res: ServerResponse): void {
    let body: WebhookBody | undefined;
    try {
      body = JSON.parse(rawBody) as WebhookBody;
    } catch {
      body = undefined;
    }
    const answer = this.scripted.shift() ?? this.fallback;
    const request: ReceivedRequest = {
      headers,
      rawBody,
      body,
      deliveryId: String(headers['x-chat-delivery-id']),
      attempt: Number(headers['x-chat-attempt']),
      receivedAt: Date.now(),
      status: answer === 'hang' ? null : answer,
    };
    this.requests.push(request);
    if (answer === 'hang') this.hanging.add(res);
    else res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer === 200 ? 'ok' : 'nope');
    this.waiters.changed();
  }
}

/** Polls `probe` until it returns a value `accept` likes; rejects with the last value after `timeoutMs`. */
export async function pollUntil<T>(
  probe: () => Promise<T> | T,
  accept: (value: T) => boolean,
  what: string,
  timeoutMs = 10_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** A row of the chat schema's "OutboxDelivery" table, as the tests read it. */
export interface OutboxRow {
  id: string;
  target: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
  deliveredAt: Date | null;
  chatRoomId: string;
  eventSeq: number;
  type: string;
}

/** The outbox rows of one target (`webhook:<id>`), optionally of some rooms only, by room and eventSeq. */
export async function outboxRows(t: TestApp, target: string, chatRoomIds?: string[]): Promise<OutboxRow[]> {
  const rows = await t.prisma.$queryRawUnsafe<OutboxRow[]>(
    `SELECT "id"::text AS "id", "target", "status", "attempts", "lastError", "deliveredAt",
            "chatRoomId"::text AS "chatRoomId", "eventSeq", "type"
       FROM ${t.prisma.database.table('OutboxDelivery')}
      WHERE "target" = $1
      ORDER BY "chatRoomId", "eventSeq"`,
    target,
  );
  return rows
    .map((r) => ({ ...r, attempts: Number(r.attempts), eventSeq: Number(r.eventSeq) }))
    .filter((r) => chatRoomIds === undefined || chatRoomIds.includes(r.chatRoomId));
}

/** `(chatRoomId, eventSeq, type)` as one sortable string, to compare sets of events. */
export const eventKey = (e: { chatRoomId: string; eventSeq: number; type: string }): string =>
  `${e.chatRoomId}#${String(e.eventSeq).padStart(6, '0')}#${e.type}`;

/** Promises that resolve once a condition holds, checked again whenever `changed()` is called. */
export class Waiters {
  private readonly checks = new Set<() => void>();

  changed(): void {
    for (const check of [...this.checks]) check();
  }

  until(condition: () => boolean, what: string, timeoutMs: number, detail: () => string = () => ''): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!condition()) return;
        this.checks.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.checks.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail()}`));
      }, timeoutMs);
      this.checks.add(check);
      check();
    });
  }
}
