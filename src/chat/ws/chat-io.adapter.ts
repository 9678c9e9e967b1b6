import { INestApplicationContext } from '@nestjs/common';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { isObservable, lastValueFrom, Observable } from 'rxjs';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { IncomingMessage } from 'node:http';
import type { Server, ServerOptions, Socket } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { RedisService } from '../../redis/redis.service';
import { installWebSocketBatching } from './websocket-batching';

/**
 * The socket.io server for the chat gateway, configured from AppConfig
 * rather than decorator constants: browser origins checked on every transport
 * (CORS headers alone do not stop a websocket upgrade), the message size cap,
 * and (with REDIS_URL) the Redis adapter.
 */
export class ChatIoAdapter extends IoAdapter {
  private readonly config: AppConfig;
  private readonly redis: RedisService;

  constructor(app: INestApplicationContext) {
    super(app);
    installWebSocketBatching();
    this.config = app.get(AppConfig);
    this.redis = app.get(RedisService);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const allowed = this.config.corsOrigins;
    const server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: this.config.maxHttpBufferSize,
      cors: { origin: allowed === '*' ? true : allowed, credentials: false },
      allowRequest: (req, callback) => callback(null, isOriginAllowed(req, allowed)),
    } as ServerOptions);
    if (this.redis.enabled)
      server.adapter(
        createAdapter(safePublisher(this.redis), this.redis.sub, { key: `${this.redis.prefix}:socket.io` }),
      );
    return server;
  }

  /**
   * Nest's IoAdapter builds an rxjs pipeline per handler per socket
   * (fromEvent → mergeMap → takeUntil): ~50 KB of live objects per idle
   * connection with this gateway's handlers. One `onAny` listener per socket
   * routes events to the same handlers (guards, pipes, interceptors and
   * filters included) and answers the ack with the result.
   */
  override bindMessageHandlers(
    socket: Socket,
    handlers: MessageMappingProperties[],
    _transform: (data: unknown) => Observable<unknown>,
  ): void {
    socket.onAny((event: string, ...args: unknown[]) => {
      const handler = handlers.find((h) => h.message === event);
      if (!handler) return;
      // As rxjs' fromEvent would hand it over: one argument as is, several as an array.
      const payload = args.length === 1 ? args[0] : args;
      const { data, ack } = this.mapPayload(payload) as { data: unknown; ack?: (response: unknown) => void };
      void this.dispatch(socket, handler.callback, data, ack, handler.isAckHandledManually === true);
    });
  }

  private async dispatch(
    socket: Socket,
    callback: MessageMappingProperties['callback'],
    data: unknown,
    ack: ((response: unknown) => void) | undefined,
    ackHandledManually: boolean,
  ): Promise<void> {
    try {
      let response: unknown = await (callback as (data: unknown, ack: unknown) => unknown)(data, ack);
      if (isObservable(response)) response = await lastValueFrom(response, { defaultValue: undefined });
      if (response === undefined || response === null) return;
      const reply = response as { event?: unknown; data?: unknown };
      if (typeof reply.event === 'string') socket.emit(reply.event, reply.data);
      else if (!ackHandledManually && typeof ack === 'function') ack(response);
    } catch (error) {
      // Filters have already answered the client; this is a bug in a filter, not in the request.
      new Logger('ChatIoAdapter').error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
  }
}

/**
 * A browser handshake is allowed from the server's own origin and from
 * CORS_ORIGINS. Requests without an Origin header (Node clients, curl, mobile
 * apps) carry no ambient credentials here (the token is explicit), so they pass.
 */
export function isOriginAllowed(req: IncomingMessage, allowed: '*' | string[]): boolean {
  const origin = req.headers.origin;
  if (!origin || allowed === '*') return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * The adapter publishes without handling the promise: while Redis is away a
 * rejected publish would be an unhandled rejection. Failed publishes are
 * logged and dropped instead (local delivery goes on; clients catch up with
 * getMessages { afterSeq }).
 */
function safePublisher(redis: RedisService): unknown {
  const logger = new Logger('RedisAdapter');
  let warned = 0;
  return new Proxy(redis.pub, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop !== 'publish' && prop !== 'sPublish')
        return typeof value === 'function' ? (value.bind(target) as unknown) : value;
      return (...args: unknown[]) =>
        (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).catch((error: unknown) => {
          if (Date.now() - warned > 5000) {
            warned = Date.now();
            logger.warn(`cross-node broadcast dropped: ${(error as Error).message}`);
          }
          return 0;
        });
    },
  });
}
