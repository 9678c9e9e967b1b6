import { connect, createServer, Server, Socket } from 'node:net';

/**
 * A loopback TCP load balancer in front of the gateway nodes: every new
 * connection goes to one of the live backends, chosen by the test's seeded
 * random. Clients know only its URL, so a client whose node went away
 * reconnects through it to whichever node is up, as behind a real load
 * balancer (WebSocket only: no stickiness needed). Backends come and go
 * with `add`/`remove`; connections already made stay with their node.
 */
export class ChaosBalancer {
  private readonly server: Server;
  private readonly backends = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  /** Connections routed per backend name, for the report. */
  readonly routed = new Map<string, number>();
  port = 0;

  constructor(private readonly random: () => number) {
    this.server = createServer((client) => this.route(client));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  /** A node at `url` (http://127.0.0.1:PORT) takes new connections under `name`. */
  add(name: string, url: string): void {
    this.backends.set(name, Number(new URL(url).port));
  }

  /** The node takes no new connections (those it has are its own to close). */
  remove(name: string): void {
    this.backends.delete(name);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private route(client: Socket): void {
    const names = [...this.backends.keys()];
    if (names.length === 0) {
      client.destroy();
      return;
    }
    const name = names[Math.floor(this.random() * names.length)];
    this.routed.set(name, (this.routed.get(name) ?? 0) + 1);
    const upstream = connect(this.backends.get(name)!, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}
