import { Logger } from '@nestjs/common';
import { createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { ConfigValidationError, EnvironmentVariables, validateEnv } from './env.validation';

/**
 * The validated, typed configuration. Injected by class; nothing else in the
 * app reads `process.env`.
 */
export class AppConfig {
  readonly nodeEnv: EnvironmentVariables['NODE_ENV'];
  readonly port: number;
  readonly databaseUrl: string | undefined;
  readonly databasePoolSize: number;
  readonly dataDir: string;
  readonly redisUrl: string | undefined;
  readonly redisPrefix: string;
  /** How often a node renews its liveness in Redis. */
  readonly presenceHeartbeatMs: number;
  /** A node silent for this long is dead: its sockets are removed and its users may go offline. */
  readonly presenceTtlMs: number;
  readonly jwtSecret: string;
  readonly jwtSecretGenerated: boolean;
  /**
   * The secret as a KeyObject, made once: given a string, jsonwebtoken first
   * tries to parse it as a PEM public key (and fails) on every verification.
   */
  readonly jwtKey: KeyObject;
  readonly jwtExpiresInSeconds: number;
  readonly jwtClockToleranceSeconds: number;
  /** `'*'` or explicit origins; an empty list means same-origin browsers and non-browser clients only. */
  readonly corsOrigins: '*' | string[];
  readonly maxMessageLength: number;
  readonly maxRoomParticipants: number;
  readonly maxRoomsPerUser: number;
  readonly maxBlockedUsers: number;
  readonly rateLimits: Record<RateLimitKind, RateLimit>;
  /** Registrations and failed logins per client IP, and failed logins per account (each counted apart). */
  readonly authRateLimit: RateLimit;
  readonly typingTimeoutMs: number;
  readonly eventLog: { maxAgeMs: number; maxEventsPerRoom: number; pruneIntervalMs: number };
  /** The one webhook the demo can be given (WEBHOOK_URL, WEBHOOK_SECRET, WEBHOOK_EVENTS). */
  readonly webhook: { url: string; secret: string; events: '*' | string[] } | undefined;
  readonly maxHttpBufferSize: number;
  readonly shutdownTimeoutMs: number;
  readonly slowConsumerMaxBytes: number;
  readonly logLevel: EnvironmentVariables['LOG_LEVEL'];

  constructor(env: EnvironmentVariables) {
    this.nodeEnv = env.NODE_ENV;
    this.port = env.PORT;
    this.databaseUrl = env.DATABASE_URL;
    this.databasePoolSize = env.DATABASE_POOL_SIZE;
    this.dataDir = resolve(env.DATA_DIR);
    this.redisUrl = env.REDIS_URL;
    this.redisPrefix = env.REDIS_PREFIX;
    this.presenceHeartbeatMs = env.PRESENCE_HEARTBEAT_MS;
    this.presenceTtlMs = Math.max(env.PRESENCE_TTL_MS, env.PRESENCE_HEARTBEAT_MS * 2);
    if (!env.JWT_SECRET && env.NODE_ENV === 'production') {
      throw new ConfigValidationError(['JWT_SECRET is required when NODE_ENV=production']);
    }
    this.jwtSecretGenerated = !env.JWT_SECRET;
    this.jwtSecret = env.JWT_SECRET ?? randomBytes(32).toString('base64url');
    this.jwtKey = createSecretKey(Buffer.from(this.jwtSecret, 'utf8'));
    this.jwtExpiresInSeconds = parseDurationSeconds(env.JWT_EXPIRES_IN);
    this.jwtClockToleranceSeconds = env.JWT_CLOCK_TOLERANCE;
    this.corsOrigins = parseOrigins(env.CORS_ORIGINS);
    this.maxMessageLength = env.MAX_MESSAGE_LENGTH;
    this.maxRoomParticipants = env.MAX_ROOM_PARTICIPANTS;
    this.maxRoomsPerUser = env.MAX_ROOMS_PER_USER;
    this.maxBlockedUsers = env.MAX_BLOCKED_USERS;
    this.rateLimits = {
      messages: parseRate(env.RATE_LIMIT_MESSAGES),
      typing: parseRate(env.RATE_LIMIT_TYPING),
      rooms: parseRate(env.RATE_LIMIT_ROOMS),
      joins: parseRate(env.RATE_LIMIT_JOINS),
      search: parseRate(env.RATE_LIMIT_SEARCH),
      socketEvents: parseRate(env.RATE_LIMIT_SOCKET_EVENTS),
    };
    this.authRateLimit = parseRate(env.RATE_LIMIT_AUTH);
    this.typingTimeoutMs = env.TYPING_TIMEOUT_MS;
    this.eventLog = {
      maxAgeMs: env.EVENT_LOG_MAX_AGE_MS,
      maxEventsPerRoom: env.EVENT_LOG_MAX_EVENTS_PER_ROOM,
      pruneIntervalMs: env.EVENT_LOG_PRUNE_INTERVAL_MS,
    };
    if (env.WEBHOOK_URL && !env.WEBHOOK_SECRET) {
      throw new ConfigValidationError(['WEBHOOK_SECRET is required with WEBHOOK_URL']);
    }
    this.webhook = env.WEBHOOK_URL
      ? {
          url: env.WEBHOOK_URL,
          secret: env.WEBHOOK_SECRET!,
          events: env.WEBHOOK_EVENTS === '*' ? '*' : env.WEBHOOK_EVENTS.split(','),
        }
      : undefined;
    this.maxHttpBufferSize = env.MAX_HTTP_BUFFER_SIZE;
    this.shutdownTimeoutMs = env.SHUTDOWN_TIMEOUT_MS;
    this.slowConsumerMaxBytes = env.SLOW_CONSUMER_MAX_BYTES;
    this.logLevel = env.LOG_LEVEL;
  }

  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }

  /** Builds the config from `process.env` plus explicit overrides (tests, embedding hosts). */
  static load(overrides: Record<string, string | undefined> = {}): AppConfig {
    const config = new AppConfig(validateEnv({ ...process.env, ...overrides }));
    if (config.jwtSecretGenerated) {
      new Logger('Config').warn(
        'JWT_SECRET is not set: using a random secret for this process. Tokens stop working on restart ' +
          'and are not shared between processes. Set JWT_SECRET (32+ characters) to keep them.',
      );
    }
    return config;
  }
}

export type RateLimitKind = 'messages' | 'typing' | 'rooms' | 'joins' | 'search' | 'socketEvents';

export interface RateLimit {
  count: number;
  windowMs: number;
}

export function parseRate(value: string): RateLimit {
  const match = /^(\d+)\/(\d+)(ms|s|m|h)$/.exec(value);
  if (!match) throw new ConfigValidationError([`not a rate: ${value}`]);
  const windowMs = Number(match[2]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[3] as 'ms' | 's' | 'm' | 'h'];
  return { count: Number(match[1]), windowMs: Math.max(1, windowMs) };
}

export function parseDurationSeconds(value: string): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value);
  if (!match) throw new ConfigValidationError([`not a duration: ${value}`]);
  const n = Number(match[1]);
  const factor = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[match[2] ?? 's'] ?? 1;
  return Math.max(1, Math.round(n * factor));
}

function parseOrigins(value: string | undefined): '*' | string[] {
  if (!value) return [];
  const origins = value
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  return origins.includes('*') ? '*' : origins;
}
