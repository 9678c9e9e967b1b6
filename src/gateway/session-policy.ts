import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { sessionEnded } from '../auth/principal';
import { ChatConfig } from '../config/chat-config';
import { userChannel } from '../contract/chat.events';
import type { ChatNamespace } from '../realtime/chat-socket';

/**
 * How long sessions last on the socket: expiry (the one rule in
 * `sessionEnded`, swept once a second for all sockets), the host's
 * `isSessionValid` when this node may have missed a revocation, and
 * `disconnectUser` for the host's own logout-all.
 */
@Injectable()
export class ChatSessionsService implements OnModuleDestroy {
  private readonly logger = new Logger('ChatSessions');
  private namespace: ChatNamespace | undefined;
  private sweep: NodeJS.Timeout | undefined;

  constructor(private readonly config: ChatConfig) {}

  /** Called by the gateway once the namespace exists. */
  attach(namespace: ChatNamespace): void {
    this.namespace = namespace;
    // One sweep for all sockets rather than a timer each: ended sessions are cut within a second.
    this.sweep = setInterval(() => this.disconnectExpired(), 1000);
    this.sweep.unref();
  }

  /**
   * Ends every socket of the user, on every node (through Redis when
   * configured): each gets `exception { code: 'UNAUTHORIZED', message: reason }`
   * and is disconnected. For the host's logout-all, ban or account deletion;
   * revoke the user's tokens first so the client cannot simply reconnect.
   */
  disconnectUser(userId: string, reason = 'Logged out'): void {
    if (!this.namespace) return;
    this.namespace.to(userChannel(userId)).emit('exception', { code: 'UNAUTHORIZED', message: reason });
    this.namespace.in(userChannel(userId)).disconnectSockets(true);
  }

  /** Asks the host's `isSessionValid` about every socket of this node; disconnects those it refuses. */
  async revalidateAll(): Promise<void> {
    for (const socket of this.namespace?.sockets.values() ?? []) {
      let valid: boolean;
      try {
        valid = await this.config.isSessionValid(socket.data.principal);
      } catch (error) {
        this.logger.warn(`isSessionValid failed for ${socket.data.userId}: ${(error as Error).message}`);
        continue;
      }
      if (!valid) {
        socket.emit('exception', { code: 'UNAUTHORIZED', message: 'Session revoked' });
        socket.disconnect(true);
      }
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.sweep);
  }

  /** Sockets whose session ended are told and disconnected; the client reconnects with a fresh token. */
  private disconnectExpired(): void {
    const now = Date.now();
    for (const socket of this.namespace?.sockets.values() ?? []) {
      if (!sessionEnded(socket.data.principal, now)) continue;
      socket.emit('exception', { code: 'UNAUTHORIZED', message: 'Token expired' });
      socket.disconnect(true);
    }
  }
}
