import { Injectable, Logger } from '@nestjs/common';
import { ChatConfig } from '../config/chat-config';
import { PresenceService } from '../presence/presence.service';
import type { ChatNamespace, ChatSocket } from '../realtime/chat-socket';
import { terminate } from './backpressure.monitor';
import { ChatLifecycle } from './chat-lifecycle';

/** How long clients get to answer the close before their connections are cut. */
const CLOSE_GRACE_MS = 1000;

/** What we need of the `ws` WebSocket under an engine.io websocket transport (not in socket.io's public types). */
interface RawWebSocket {
  readyState: number;
  terminate(): void;
}
const WS_CLOSED = 3;

/**
 * Graceful shutdown (the host's `app.close()`, e.g. on SIGTERM with
 * `enableShutdownHooks`): refuse new connections and events, let the events
 * in flight finish and be acked, then close every transport (the clients
 * reconnect, to another node behind a load balancer) and take this node's
 * sockets out of presence.
 */
@Injectable()
export class ChatDrain {
  private readonly logger = new Logger('ChatDrain');

  constructor(
    private readonly lifecycle: ChatLifecycle,
    private readonly presence: PresenceService,
    private readonly config: ChatConfig,
  ) {}

  async drain(namespace: ChatNamespace | undefined): Promise<void> {
    if (!namespace) return;
    this.lifecycle.startDraining();
    await this.lifecycle.whenIdle(this.config.shutdownTimeoutMs / 2);
    // Taken before the close: a closed socket leaves the namespace at once, but its TCP connection stays until
    // the client completes the WebSocket close (ws waits 30 s for it), and the HTTP server's close waits with it.
    const connections = [...namespace.sockets.values()].flatMap(webSocketOf);
    for (const socket of namespace.sockets.values()) socket.conn.close();
    // A client that does not answer the close (not reading, or leaving its TCP side half-open) is cut after a short grace.
    const lingering = (): boolean =>
      namespace.sockets.size > 0 || connections.some((ws) => ws.readyState !== WS_CLOSED);
    for (let waited = 0; lingering() && waited < CLOSE_GRACE_MS; waited += 50) {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const socket of namespace.sockets.values()) terminate(socket);
    for (const ws of connections) if (ws.readyState !== WS_CLOSED) ws.terminate();
    await this.presence.leaveCluster().catch((error: unknown) => {
      this.logger.warn(`could not leave the presence cluster: ${(error as Error).message}`);
    });
  }
}

/** The WebSocket under a socket on the websocket transport; none for long-polling (plain HTTP requests). */
function webSocketOf(socket: ChatSocket): RawWebSocket[] {
  const transport = (socket.conn as unknown as { transport?: { name?: string; socket?: Partial<RawWebSocket> } })
    .transport;
  const ws = transport?.name === 'websocket' ? transport.socket : undefined;
  return typeof ws?.terminate === 'function' && typeof ws.readyState === 'number' ? [ws as RawWebSocket] : [];
}
