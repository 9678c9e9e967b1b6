import type { ChatModuleOptions, ChatPrincipal, ChatWebhook } from 'nest-chat-gateway';
import type { TokenService } from '../auth/token.service';
import type { AppConfig } from '../config/app-config';
import type { DemoDatabase } from '../database/demo-database';
import type { UsersService } from '../users/users.service';

/**
 * How the demo host plugs its own pieces into the chat: its JWTs decide who
 * calls (with the same leeway and revocation as its HTTP routes), its users
 * table is the directory, its database is shared, and its environment
 * variables become options.
 */
export function demoChatOptions(
  config: AppConfig,
  database: DemoDatabase,
  users: UsersService,
  tokens: TokenService,
): ChatModuleOptions {
  return {
    async authenticate({ token }) {
      const claims = token ? tokens.verify(token) : undefined;
      if (!claims || typeof claims.exp !== 'number') return null;
      // A logout-all bumps the version: older tokens stop working everywhere.
      if ((await users.tokenVersion(claims.sub)) !== (claims.ver ?? 0)) return null;
      return {
        userId: claims.sub,
        // The same clock-skew leeway the JWT check allowed at the handshake (JWT_CLOCK_TOLERANCE).
        expiresAt: new Date((claims.exp + config.jwtClockToleranceSeconds) * 1000),
        claims: { ver: claims.ver ?? 0 },
      };
    },
    async isSessionValid(principal: ChatPrincipal) {
      return (await users.tokenVersion(principal.userId)) === principal.claims?.ver;
    },
    users: { findByIds: (ids) => users.findByIds(ids) },
    database: database.chatDatabase,
    redis: config.redisUrl ? { url: config.redisUrl, keyPrefix: config.redisPrefix } : undefined,
    allowedOrigins: config.corsOrigins,
    limits: {
      maxMessageLength: config.maxMessageLength,
      maxRoomParticipants: config.maxRoomParticipants,
      maxRoomsPerUser: config.maxRoomsPerUser,
      maxBlockedUsers: config.maxBlockedUsers,
      slowConsumerMaxBytes: config.slowConsumerMaxBytes,
    },
    rateLimits: config.rateLimits,
    typing: { timeoutMs: config.typingTimeoutMs },
    eventLog: config.eventLog,
    // Event names are checked by the chat at start-up (ChatOptionsError names a wrong one).
    webhooks: config.webhook ? [config.webhook as ChatWebhook] : undefined,
    presence: { heartbeatMs: config.presenceHeartbeatMs, ttlMs: config.presenceTtlMs },
    shutdownTimeoutMs: config.shutdownTimeoutMs,
  };
}
