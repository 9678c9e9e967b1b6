import { Injectable, Logger } from '@nestjs/common';
import { SessionRevocations } from '../../auth/session-revocations';
import { TokenService } from '../../auth/token.service';
import { AppConfig } from '../../config/app-config';
import { RedisService } from '../../redis/redis.service';
import { UsersService } from '../../users/users.service';
import { ChatLifecycle } from '../chat-lifecycle';
import { ChatEmitter, ChatNamespace } from '../chat.emitter';
import { chatRoomIdOf, roomChannel, userChannel } from '../chat.events';
import { PresenceService } from '../presence/presence.service';
import { ChatRoomsService } from '../rooms/chat-rooms.service';
import { BackpressureMonitor, terminate } from './backpressure.monitor';
import type { ChatSocket } from './chat-socket';
import { handshakeAuth, UNAUTHORIZED } from './handshake-auth.middleware';

/**
 * The life of a connection, from handshake to shutdown, so the gateway only
 * handles events: authentication and room subscription before `connection`,
 * token expiry, presence, slow consumers, logout-all, resubscription after a
 * Redis outage, and the graceful drain.
 */
@Injectable()
export class ChatConnections {
  private readonly logger = new Logger('ChatConnections');
  private expirySweep: NodeJS.Timeout | undefined;
  private namespace: ChatNamespace | undefined;
  private backpressure: BackpressureMonitor | undefined;

  constructor(
    private readonly tokens: TokenService,
    private readonly users: UsersService,
    private readonly rooms: ChatRoomsService,
    private readonly presence: PresenceService,
    private readonly emitter: ChatEmitter,
    private readonly lifecycle: ChatLifecycle,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    private readonly sessions: SessionRevocations,
  ) {}

  attach(namespace: ChatNamespace): void {
    this.namespace = namespace;
    namespace.use((_socket, next) => (this.lifecycle.isDraining ? next(new Error('Server is shutting down')) : next()));
    namespace.use(handshakeAuth(this.tokens));
    // Subscribe before `connection`, so no broadcast falls between connect and join.
    namespace.use((socket, next) => {
      this.subscribe(socket).then(
        (ok) => next(ok ? undefined : new Error(UNAUTHORIZED)),
        (error: unknown) => {
          this.logger.warn(`could not load rooms of ${socket.data.userId}: ${(error as Error).message}`);
          next(new Error('Service unavailable'));
        },
      );
    });
    this.emitter.bind(namespace);
    this.backpressure = new BackpressureMonitor(namespace, {
      maxBufferedBytes: this.config.slowConsumerMaxBytes,
      maxQueuedPackets: 10_000,
      intervalMs: 500,
    });
    this.backpressure.start();
    // One sweep for all sockets rather than a timer each: expired tokens are cut within a second.
    this.expirySweep = setInterval(() => this.disconnectExpired(), 1000);
    this.expirySweep.unref();
    // Joins and broadcasts made while Redis was away never reached this node: resubscribe from the database.
    this.redis.onReconnect(() => this.resubscribeAll());
    this.sessions.onRevoked((userId) => this.endSessions(userId));
  }

  connected(socket: ChatSocket): void {
    // socket.io keeps the handshake's HTTP request for the socket's life; the handshake copy is all we use (~4 KB saved).
    (socket.conn as { request?: unknown }).request = undefined;
    const chatRoomIds = [...socket.rooms].map(chatRoomIdOf).filter((id): id is string => id !== undefined);
    this.presence.socketConnected(socket.data.userId, socket.id, chatRoomIds).catch((error: unknown) => {
      this.logger.warn(`presence update failed for ${socket.data.userId}: ${(error as Error).message}`);
    });
  }

  disconnected(socket: ChatSocket): void {
    // While draining, presence is settled for all sockets at once (leaveCluster).
    if (!socket.data.userId || this.lifecycle.isDraining) return;
    this.presence.socketDisconnected(socket.data.userId, socket.id).catch((error: unknown) => {
      this.logger.warn(`presence update failed for ${socket.data.userId}: ${(error as Error).message}`);
    });
  }

  /**
   * Graceful shutdown (SIGTERM): refuse new connections and events, let the
   * events in flight finish and be acked, then close every transport (the
   * clients reconnect, to another node behind a load balancer) and take this
   * node's sockets out of presence.
   */
  async shutdown(): Promise<void> {
    const namespace = this.namespace;
    if (!namespace) return;
    this.backpressure?.stop();
    clearInterval(this.expirySweep);
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

  /** Sockets whose token expired are told and disconnected; the client reconnects with a fresh token. */
  private disconnectExpired(): void {
    const now = Date.now();
    for (const socket of this.namespace?.sockets.values() ?? []) {
      if (socket.data.tokenExp * 1000 > now) continue;
      socket.emit('exception', { code: 'UNAUTHORIZED', message: 'Token expired' });
      socket.disconnect(true);
    }
  }

  /** False when the token was revoked (logout-all) or its user no longer exists. */
  private async subscribe(socket: ChatSocket): Promise<boolean> {
    // The user channel first: a room created from now on reaches this socket through it.
    await socket.join(userChannel(socket.data.userId));
    const session = await this.users.sessionOf(socket.data.userId);
    if (!session || session.tokenVersion !== socket.data.tokenVersion) {
      await socket.leave(userChannel(socket.data.userId));
      return false;
    }
    if (session.chatRoomIds.length > 0) await socket.join(session.chatRoomIds.map(roomChannel));
    return true;
  }

  private async resubscribeAll(): Promise<void> {
    for (const socket of this.namespace?.sockets.values() ?? []) {
      const ids = new Set((await this.rooms.roomIdsForUser(socket.data.userId)).map(roomChannel));
      for (const room of socket.rooms) if (chatRoomIdOf(room) !== undefined && !ids.has(room)) await socket.leave(room);
      await socket.join([...ids]);
    }
  }

  /** After a logout-all: tell every socket of the user, on every node, then disconnect them (no auto-reconnect). */
  private endSessions(userId: string): void {
    if (!this.namespace) return;
    this.namespace.to(userChannel(userId)).emit('exception', { code: 'UNAUTHORIZED', message: 'Logged out' });
    this.namespace.in(userChannel(userId)).disconnectSockets(true);
  }
}
