import { Injectable, Logger } from '@nestjs/common';
import { ChatConfig } from '../config/chat-config';
import { PresenceService } from '../presence/presence.service';
import type { ChatNamespace } from '../realtime/chat-socket';
import { terminate } from './backpressure.monitor';
import { ChatLifecycle } from './chat-lifecycle';

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
    for (const socket of namespace.sockets.values()) socket.conn.close();
    // A client that does not answer the close (not reading) is cut after a short grace.
    for (let waited = 0; namespace.sockets.size > 0 && waited < 1000; waited += 50) {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const socket of namespace.sockets.values()) terminate(socket);
    await this.presence.leaveCluster().catch((error: unknown) => {
      this.logger.warn(`could not leave the presence cluster: ${(error as Error).message}`);
    });
  }
}
