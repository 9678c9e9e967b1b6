import { Inject, Injectable, Logger } from '@nestjs/common';
import { RedisConnection } from '../cluster/redis-connection';
import { ChatConfig } from '../config/chat-config';
import { chatRoomIdOf, roomChannel, userChannel } from '../contract/chat.events';
import { PresenceService } from '../presence/presence.service';
import { socketCap } from '../rate-limit/socket-cap';
import type { ChatNamespace, ChatSocket } from '../realtime/chat-socket';
import { ChatEmitter } from '../realtime/chat.emitter';
import { ChatRoomsService } from '../rooms/chat-rooms.service';
import { BackpressureMonitor } from './backpressure.monitor';
import { ChatDrain } from './chat-drain';
import { ChatLifecycle } from './chat-lifecycle';
import { markChatNamespace } from './chat-io.adapter';
import { installWriteBatching } from './engine-hooks';
import { handshakeAuth } from './handshake';
import { HandshakingSockets } from './handshaking-sockets';
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
  private readonly handshaking = new HandshakingSockets();
  private resyncing: Promise<void> | undefined;
  private resyncAgain: Promise<void> | undefined;

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
    namespace.use(socketCap(this.config, this.redis));
    // Subscribe before `connection`, so no broadcast falls between connect and join.
    namespace.use((socket, next) => {
      this.subscribe(socket).then(
        () => next(),
        (error: unknown) => {
          this.handshaking.release(socket);
          this.logger.warn(`could not load rooms of ${socket.data.userId}: ${(error as Error).message}`);
          next(new Error('Service unavailable'));
        },
      );
    });
    this.emitter.bind(namespace);
    this.emitter.onMembershipChange((userIds, change) => {
      this.handshaking.change(userIds, change);
      if (this.redis.enabled) namespace.serverSideEmit('membershipChanged', userIds, change);
    });
    if (this.redis.enabled) {
      namespace.on('membershipChanged', (userIds, change) => this.handshaking.change(userIds, change));
    }
    this.sessions.attach(namespace);
    this.backpressure = new BackpressureMonitor(namespace, {
      maxBufferedBytes: this.config.limits.slowConsumerMaxBytes,
      maxQueuedPackets: 10_000,
      intervalMs: 500,
    });
    this.backpressure.start();
    if (this.redis.enabled) {
      // Room changes and revocations published while this process was cut off from Redis never
      // reached it, and those it published never reached the others: everyone catches up.
      this.redis.onReconnect(async () => {
        await this.redis.publisherReady();
        namespace.serverSideEmit('resync');
        await this.resync();
      });
      namespace.on('resync', () => {
        this.resync().catch((error: unknown) => this.logger.warn(`resync failed: ${(error as Error).message}`));
      });
    }
  }

  connected(socket: ChatSocket): void {
    // In the namespace now: the namespace's own joins, leaves and disconnects reach it.
    this.handshaking.release(socket);
    if (!this.sessions.admit(socket)) return;
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
    // Before reading its rooms: a membership change from now on is either in what it reads or reaches it.
    this.handshaking.register(socket);
    // The user channel first: a room created from now on reaches this socket through it.
    await socket.join(userChannel(socket.data.userId));
    const chatRoomIds = await this.rooms.roomIdsForUser(socket.data.userId);
    if (chatRoomIds.length > 0) await socket.join(chatRoomIds.map(roomChannel));
    await this.handshaking.subscribed(socket);
  }

  /**
   * Makes a connected socket's rooms the user's rooms as the database has
   * them now, after a Redis outage (the joins and leaves other processes
   * published meanwhile never arrived). Sound because the socket is in the
   * namespace while this runs: a change committed before the query is in its
   * answer, and the leave of a change committed after it reaches the socket.
   * Rooms joined here are checked once more after the join, for a removal
   * that fell between the two.
   */
  private async reconcile(socket: ChatSocket): Promise<void> {
    const userId = socket.data.userId;
    const joined = new Set([...socket.rooms].filter((room) => chatRoomIdOf(room) !== undefined));
    const current = new Set((await this.rooms.roomIdsForUser(userId)).map(roomChannel));
    for (const room of joined) if (!current.has(room)) await socket.leave(room);
    const missing = [...current].filter((room) => !joined.has(room));
    if (missing.length === 0) return;
    await socket.join(missing);
    const still = new Set((await this.rooms.roomIdsForUser(userId)).map(roomChannel));
    for (const room of missing) if (!still.has(room)) await socket.leave(room);
    // Rooms the user was given while this process could not hear it: the client is told as it would have been.
    const added = missing.filter((room) => still.has(room)).map((room) => chatRoomIdOf(room)!);
    if (added.length === 0) return;
    for (const view of await this.rooms.listForUser(userId, added)) socket.emit('chatRoomCreated', view);
  }

  /**
   * After a Redis outage anywhere: this process's sockets re-checked (rooms,
   * then sessions). When Redis itself restarts every process reconnects and
   * asks every other one: requests that arrive while a pass runs are served
   * by one more pass, not one each.
   */
  private resync(): Promise<void> {
    if (this.resyncing) {
      this.resyncAgain ??= this.resyncing.then(() => {
        this.resyncAgain = undefined;
        return this.resync();
      });
      return this.resyncAgain;
    }
    this.resyncing = (async () => {
      try {
        for (const socket of this.namespace?.sockets.values() ?? []) await this.reconcile(socket);
        await this.sessions.revalidateAll();
      } finally {
        this.resyncing = undefined;
      }
    })();
    return this.resyncing;
  }
}
