import { INestApplicationContext, Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { isObservable, lastValueFrom, Observable } from 'rxjs';
import type { Namespace, Server, ServerOptions, Socket } from 'socket.io';

const chatNamespaces = new WeakSet<Namespace>();

/** Called by ChatConnections: this namespace's sockets may use the lean dispatch below. */
export function markChatNamespace(namespace: Namespace): void {
  chatNamespaces.add(namespace);
}

/**
 * Optional, for hosts that care about memory per connection:
 * `app.useWebSocketAdapter(new ChatIoAdapter(app, serverOptions))`.
 *
 * Nest's IoAdapter builds an rxjs pipeline per handler per socket
 * (fromEvent → mergeMap → takeUntil): ~50 KB of live objects per idle chat
 * connection. For chat sockets this adapter routes every event through one
 * `onAny` listener to the same handlers (guards, pipes, interceptors and
 * filters included) and answers the ack with the result. Sockets of the
 * host's other namespaces keep Nest's own binding. `serverOptions` are
 * socket.io's (e.g. `maxHttpBufferSize`, `cors`), merged over the gateway's.
 */
export class ChatIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly serverOptions: Partial<ServerOptions> = {},
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    return super.createIOServer(port, { ...options, ...this.serverOptions } as ServerOptions);
  }

  override bindMessageHandlers(
    socket: Socket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    if (!chatNamespaces.has(socket.nsp)) return super.bindMessageHandlers(socket, handlers, transform);
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
