import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { sessionEnded } from '../auth/principal';
import { RedisConnection } from '../cluster/redis-connection';
import { ChatConfig } from '../config/chat-config';
import { userChannel } from '../contract/chat.events';
import { PrismaService } from '../persistence/prisma.service';
import type { ChatNamespace, ChatSocket } from '../realtime/chat-socket';

/**
 * How long this process remembers a revocation for the handshakes that were
 * in flight when it arrived. socket.io closes a connection that has not
 * finished its handshake within `connectTimeout` (45 s by default), so no
 * handshake outlives this.
 */
const IN_FLIGHT_WINDOW_MS = 120_000;

/**
 * When a process catches up after a Redis outage it compares each socket's
 * authentication time (its own clock) with a revocation's (the revoking
 * process's clock). Sockets authenticated up to this long after the
 * revocation are ended too: a legitimate new session merely reconnects,
 * while clocks that disagree by less than this never let a revoked one stay.
 */
const CLOCK_SKEW_MS = 5000;

/** Revocations read per query when catching up. */
const CATCH_UP_CHUNK = 5000;

/**
 * How long sessions last on the socket: expiry (the one rule in
 * `sessionEnded`, swept once a second for all sockets), `disconnectUser` for
 * the host's own logout-all, and the catch-up after a Redis outage (the
 * revocations kept in the database, then the host's `isSessionValid`).
 */
@Injectable()
export class ChatSessionsService implements OnModuleDestroy {
  private readonly logger = new Logger('ChatSessions');
  private namespace: ChatNamespace | undefined;
  private sweep: NodeJS.Timeout | undefined;
  /** userId → when this process learned that the user's sessions were revoked (its own clock). */
  private readonly revokedAt = new Map<string, number>();

  constructor(
    private readonly config: ChatConfig,
    private readonly prisma: PrismaService,
    @Inject(RedisConnection) private readonly redis: RedisConnection,
  ) {}

  /** Called by the gateway once the namespace exists. */
  attach(namespace: ChatNamespace): void {
    this.namespace = namespace;
    // One sweep for all sockets rather than a timer each: ended sessions are cut within a second.
    this.sweep = setInterval(() => this.disconnectExpired(), 1000);
    this.sweep.unref();
    if (this.redis.enabled) namespace.on('sessionsRevoked', (userId) => this.revokeHere(userId, 'Logged out'));
  }

  /**
   * Ends every socket of the user, on every node, including sockets still in
   * their handshake: each gets `exception { code: 'UNAUTHORIZED', message:
   * reason }` and is disconnected. For the host's logout-all, ban or account
   * deletion; revoke the user's tokens first so the client cannot simply
   * reconnect. Resolves once the revocation is stored: a process that Redis
   * could not reach meanwhile reads it when it catches up. Rejects when it
   * could not be stored (the sockets reachable now are ended all the same).
   */
  async disconnectUser(userId: string, reason = 'Logged out'): Promise<void> {
    const now = new Date();
    const stored = this.prisma.userState
      .upsert({
        where: { userId },
        create: { userId, sessionsRevokedAt: now },
        update: { sessionsRevokedAt: now },
      })
      .then(() => undefined);
    this.revokeHere(userId, reason);
    // Other processes: through the Redis adapter (a lost publication is caught up by `resync`).
    if (this.redis.enabled) this.namespace?.serverSideEmit('sessionsRevoked', userId);
    await stored;
  }

  /**
   * At `connection`, before anything else: false (and the socket is ended)
   * when a revocation of the user reached this process after the socket's
   * authentication began, which `disconnectUser` could not reach because the
   * socket was not yet in the namespace.
   */
  admit(socket: ChatSocket): boolean {
    const revoked = this.revokedAt.get(socket.data.userId);
    if (revoked === undefined || revoked < socket.data.authenticatedAt) return true;
    end(socket, 'Logged out');
    return false;
  }

  /**
   * After this process may have missed revocations (Redis was away): ends
   * every socket whose user was revoked after it authenticated (from the
   * database), then asks the host's `isSessionValid` about the others.
   */
  async revalidateAll(): Promise<void> {
    const sockets = [...(this.namespace?.sockets.values() ?? [])];
    const userIds = [...new Set(sockets.map((s) => s.data.userId))];
    const revoked = new Map<string, number>();
    for (let i = 0; i < userIds.length; i += CATCH_UP_CHUNK) {
      const rows = await this.prisma.userState.findMany({
        where: { userId: { in: userIds.slice(i, i + CATCH_UP_CHUNK) }, sessionsRevokedAt: { not: null } },
        select: { userId: true, sessionsRevokedAt: true },
      });
      for (const row of rows) revoked.set(row.userId, row.sessionsRevokedAt!.getTime());
    }
    for (const socket of sockets) {
      const at = revoked.get(socket.data.userId);
      if (at !== undefined && socket.data.authenticatedAt <= at + CLOCK_SKEW_MS) {
        end(socket, 'Session revoked');
        continue;
      }
      let valid: boolean;
      try {
        valid = await this.config.isSessionValid(socket.data.principal);
      } catch (error) {
        this.logger.warn(`isSessionValid failed for ${socket.data.userId}: ${(error as Error).message}`);
        continue;
      }
      if (!valid) end(socket, 'Session revoked');
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.sweep);
  }

  /** This process's part of a revocation: its sockets now, and its handshakes in flight at `connection`. */
  private revokeHere(userId: string, reason: string): void {
    const now = Date.now();
    for (const [id, at] of this.revokedAt) if (now - at > IN_FLIGHT_WINDOW_MS) this.revokedAt.delete(id);
    this.revokedAt.set(userId, now);
    if (!this.namespace) return;
    const sockets = this.namespace.local.in(userChannel(userId));
    sockets.emit('exception', { code: 'UNAUTHORIZED', message: reason });
    sockets.disconnectSockets(true);
  }

  /** Sockets whose session ended are told and disconnected; the client reconnects with a fresh token. */
  private disconnectExpired(): void {
    const now = Date.now();
    for (const socket of this.namespace?.sockets.values() ?? []) {
      if (sessionEnded(socket.data.principal, now)) end(socket, 'Token expired');
    }
  }
}

function end(socket: ChatSocket, reason: string): void {
  socket.emit('exception', { code: 'UNAUTHORIZED', message: reason });
  socket.disconnect(true);
}
