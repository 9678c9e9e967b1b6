import { Inject, Injectable, Logger } from '@nestjs/common';
import { RedisConnection } from '../cluster/redis-connection';
import { ChatConfig } from '../config/chat-config';
import { chatRoomIdOf, roomChannel, userChannel } from '../contract/chat.events';
import { PresenceService } from '../presence/presence.service';
import type { ChatNamespace, ChatSocket } from '../realtime/chat-socket';
import { ChatEmitter } from '../realtime/chat.emitter';
import { ChatRoomsService } from '../rooms/chat-rooms.service';
import { BackpressureMonitor } from './backpressure.monitor';
import { ChatDrain } from './chat-drain';
import { ChatLifecycle } from './chat-lifecycle';
import { markChatNamespace } from './chat-io.adapter';
import { installWriteBatching } from './engine-hooks';
import { handshakeAuth } from './handshake';
import { useRedisAdapter } from './redis-adapter';
import { ChatSessionsService } from './session-policy';

/**
 * The life of a connection, so the gateway only handles events: the
 * namespace's middleware (drain refusal, handshake, room subscription before
 * `connection`), presence on connect and disconnect, resubscription after a
 * Redis outage, and the hand-off to session policy and drain.
 */
@Injectable()
export class ChatConnections {
  private readonly logger = new Logger('ChatConnections');
  private namespace: ChatNamespace | undefined;
  private backpressure: BackpressureMonitor | undefined;

  constructor(
    private readonly rooms: ChatRoomsService,
    private readonly presence: PresenceService,
    private readonly emitter: ChatEmitter,
    private readonly lifecycle: ChatLifecycle,
    private readonly sessions: ChatSessionsService,
    private readonly drainer: ChatDrain,
    @Inject(RedisConnection) private readonly redis: RedisConnection,
    private readonly config: ChatConfig,
  ) {}

  attach(namespace: ChatNamespace): void {
    this.namespace = namespace;
    if (this.redis.enabled) useRedisAdapter(namespace, this.redis);
    markChatNamespace(namespace);
    installWriteBatching(namespace.server);
    namespace.use((_socket, next) => (this.lifecycle.isDraining ? next(new Error('Server is shutting down')) : next()));
    namespace.use(handshakeAuth(this.config));
    // Subscribe before `connection`, so no broadcast falls between connect and join.
    namespace.use((socket, next) => {
      this.subscribe(socket).then(
        () => next(),
        (error: unknown) => {
          this.logger.warn(`could not load rooms of ${socket.data.userId}: ${(error as Error).message}`);
          next(new Error('Service unavailable'));
        },
      );
    });
    this.emitter.bind(namespace);
    this.sessions.attach(namespace);
    this.backpressure = new BackpressureMonitor(namespace, {
      maxBufferedBytes: this.config.limits.slowConsumerMaxBytes,
      maxQueuedPackets: 10_000,
      intervalMs: 500,
    });
    this.backpressure.start();
    // Joins, broadcasts and revocations made while Redis was away never reached this node.
    this.redis.onReconnect(async () => {
      await this.resubscribeAll();
      await this.sessions.revalidateAll();
    });
  }

  connected(socket: ChatSocket): void {
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

  /** Graceful shutdown: see ChatDrain. */
  async shutdown(): Promise<void> {
    this.backpressure?.stop();
    await this.drainer.drain(this.namespace);
  }

  private async subscribe(socket: ChatSocket): Promise<void> {
    // The user channel first: a room created from now on reaches this socket through it.
    await socket.join(userChannel(socket.data.userId));
    const chatRoomIds = await this.rooms.roomIdsForUser(socket.data.userId);
    if (chatRoomIds.length > 0) await socket.join(chatRoomIds.map(roomChannel));
  }

  private async resubscribeAll(): Promise<void> {
    for (const socket of this.namespace?.sockets.values() ?? []) {
      const ids = new Set((await this.rooms.roomIdsForUser(socket.data.userId)).map(roomChannel));
      for (const room of socket.rooms) if (chatRoomIdOf(room) !== undefined && !ids.has(room)) await socket.leave(room);
      await socket.join([...ids]);
    }
  }
}
