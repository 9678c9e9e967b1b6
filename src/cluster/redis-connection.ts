import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { RedisClientType } from 'redis';
import { OPTIONAL_PEERS, optionalRequire } from '../common/optional-require';
import { redactUrl } from '../common/redact-url';
import type { ChatConfig } from '../config/chat-config';

/** How long start-up waits for Redis before refusing to start. */
const CONNECT_TIMEOUT_MS = 5000;
/** How long closing waits for commands in flight before it drops the connection. */
const CLOSE_WAIT_MS = 2000;

/**
 * The chat's Redis connections in one process, when the `redis` option is set: a publisher
 * and a subscriber for the socket.io adapter, and a command client for
 * cluster state (presence, typing). All reconnect by themselves; listeners
 * registered with `onReconnect` run after each reconnection so the node can
 * re-register what Redis may have lost.
 */
export class RedisConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('ChatRedis');
  private readonly reconnectListeners: (() => Promise<void> | void)[] = [];
  /** This process in the cluster. */
  readonly nodeId = randomUUID();
  private lost = false;

  private constructor(
    readonly prefix: string,
    private readonly clients: { pub: RedisClientType; sub: RedisClientType; cmd: RedisClientType } | undefined,
  ) {}

  get enabled(): boolean {
    return this.clients !== undefined;
  }

  /** @internal */
  get pub(): RedisClientType {
    return this.required().pub;
  }
  /** @internal */
  get sub(): RedisClientType {
    return this.required().sub;
  }
  /** @internal */
  get cmd(): RedisClientType {
    return this.required().cmd;
  }

  key(...parts: string[]): string {
    // One hash tag: every key lands in the same slot, so multi-key scripts also work on Redis Cluster.
    return [`{${this.prefix}}`, ...parts].join(':');
  }

  onReconnect(listener: () => Promise<void> | void): void {
    this.reconnectListeners.push(listener);
  }

  /**
   * Resolves once the publisher is connected (at most `timeoutMs` later): the
   * three clients reconnect independently, and a publication on a publisher
   * that is not back yet is lost.
   */
  async publisherReady(timeoutMs = 10_000): Promise<void> {
    const pub = this.required().pub;
    for (const deadline = Date.now() + timeoutMs; !pub.isReady && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async isHealthy(): Promise<boolean> {
    if (!this.clients) return true;
    try {
      return (await this.withTimeout(this.clients.cmd.ping(), 1000)) === 'PONG';
    } catch {
      return false;
    }
  }

  /** Last to go: the chat's destroy hooks (presence, drain) still talk to Redis. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /**
   * Idempotent; waits for commands in flight (at most CLOSE_WAIT_MS), then
   * closes. A client that is not connected (Redis unreachable: it would
   * wait for it for ever) is dropped at once.
   */
  async close(): Promise<void> {
    if (!this.clients) return;
    await Promise.all(
      Object.values(this.clients).map(async (client) => {
        if (!client.isOpen) return;
        try {
          if (!client.isReady) throw new Error('not connected');
          await this.withTimeout(client.close(), CLOSE_WAIT_MS);
        } catch {
          try {
            client.destroy();
          } catch {
            // already gone
          }
        }
      }),
    );
  }

  static disabled(prefix: string): RedisConnection {
    return new RedisConnection(prefix, undefined);
  }

  /**
   * Connects all three clients or fails with a message naming the URL's host.
   * Given the host's client, the chat works on duplicates of it and leaves the original alone.
   */
  static async connect(config: ChatConfig): Promise<RedisConnection> {
    const options = config.redis;
    if (!options) return RedisConnection.disabled('chat');
    const where = options.url ? redactUrl(options.url) : 'the host’s Redis client';
    let make: (name: string, offlineQueue: boolean) => RedisClientType;
    if (options.url) {
      const { createClient } = optionalRequire<typeof import('redis')>(
        'redis',
        'The redis option',
        OPTIONAL_PEERS.redis,
      );
      make = (name, offlineQueue) =>
        createClient({
          url: options.url,
          name: `chat-${name}`,
          // Commands while Redis is away fail at once instead of piling up in memory.
          disableOfflineQueue: !offlineQueue,
          socket: {
            connectTimeout: CONNECT_TIMEOUT_MS,
            reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000),
          },
        });
    } else {
      const base = options.client as unknown as RedisClientType;
      make = () => base.duplicate();
    }
    const clients = { pub: make('pub', false), sub: make('sub', true), cmd: make('cmd', false) };
    const service = new RedisConnection(options.keyPrefix, clients);
    service.watch();
    try {
      await service.withTimeout(Promise.all(Object.values(clients).map((c) => c.connect())), CONNECT_TIMEOUT_MS);
    } catch (error) {
      await Promise.all(Object.values(clients).map((c) => Promise.resolve(c.destroy()).catch(() => undefined)));
      throw new Error(`Redis at ${where} is unreachable (${(error as Error).message}).`, { cause: error });
    }
    service.logger.log(`connected to ${where} as node ${service.nodeId}`);
    return service;
  }

  private watch(): void {
    const { cmd } = this.required();
    for (const [name, client] of Object.entries(this.required())) {
      // Without an error listener a lost connection would crash the process.
      client.on('error', (error: Error) => {
        if (!this.lost) this.logger.warn(`${name} connection error: ${error.message}`);
        if (name === 'cmd') this.lost = true;
      });
    }
    cmd.on('ready', () => {
      if (!this.lost) return;
      this.lost = false;
      this.logger.log('reconnected; re-registering this node');
      for (const listener of this.reconnectListeners) {
        Promise.resolve()
          .then(listener)
          .catch((error: unknown) => this.logger.warn(`after reconnect: ${(error as Error).message}`));
      }
    });
  }

  private required(): NonNullable<RedisConnection['clients']> {
    if (!this.clients) throw new Error('Redis is not configured (the redis option is unset)');
    return this.clients;
  }

  private withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}
