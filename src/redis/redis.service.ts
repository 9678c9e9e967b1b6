import { Logger } from '@nestjs/common';
import { redactUrl } from '../common/redact-url';
import { randomUUID } from 'node:crypto';
import { createClient, RedisClientType } from 'redis';
import type { AppConfig } from '../config/app-config';

/** How long start-up waits for Redis before refusing to start. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * The Redis connections of one process, when REDIS_URL is set: a publisher
 * and a subscriber for the socket.io adapter, and a command client for
 * cluster state (presence, typing). All reconnect by themselves; listeners
 * registered with `onReconnect` run after each reconnection so the node can
 * re-register what Redis may have lost.
 */
export class RedisService {
  private readonly logger = new Logger('Redis');
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

  get pub(): RedisClientType {
    return this.required().pub;
  }
  get sub(): RedisClientType {
    return this.required().sub;
  }
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

  async isHealthy(): Promise<boolean> {
    if (!this.clients) return true;
    try {
      return (await this.withTimeout(this.clients.cmd.ping(), 1000)) === 'PONG';
    } catch {
      return false;
    }
  }

  /** Idempotent; waits for commands in flight, then closes. */
  async close(): Promise<void> {
    if (!this.clients) return;
    await Promise.all(
      Object.values(this.clients).map(async (client) => {
        if (!client.isOpen) return;
        try {
          await client.close();
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

  static disabled(prefix: string): RedisService {
    return new RedisService(prefix, undefined);
  }

  /** Connects all three clients or fails with a message naming the URL's host. */
  static async connect(config: AppConfig): Promise<RedisService> {
    if (!config.redisUrl) return RedisService.disabled(config.redisPrefix);
    const make = (name: string, offlineQueue: boolean): RedisClientType =>
      createClient({
        url: config.redisUrl,
        name: `chat-${name}`,
        // Commands while Redis is away fail at once instead of piling up in memory.
        disableOfflineQueue: !offlineQueue,
        socket: {
          connectTimeout: CONNECT_TIMEOUT_MS,
          reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000),
        },
      });
    const clients = { pub: make('pub', false), sub: make('sub', true), cmd: make('cmd', false) };
    const service = new RedisService(config.redisPrefix, clients);
    service.watch();
    try {
      await service.withTimeout(Promise.all(Object.values(clients).map((c) => c.connect())), CONNECT_TIMEOUT_MS);
    } catch (error) {
      await Promise.all(Object.values(clients).map((c) => Promise.resolve(c.destroy()).catch(() => undefined)));
      throw new Error(
        `Redis at ${redactUrl(config.redisUrl)} is unreachable (${(error as Error).message}). ` +
          'Start Redis or unset REDIS_URL to run a single node without it.',
        { cause: error },
      );
    }
    service.logger.log(`connected to ${redactUrl(config.redisUrl)} as node ${service.nodeId}`);
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

  private required(): NonNullable<RedisService['clients']> {
    if (!this.clients) throw new Error('Redis is not configured (REDIS_URL is unset)');
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
