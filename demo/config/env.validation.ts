import { plainToInstance, Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';

const DURATION = /^\d+(ms|s|m|h|d)?$/;
const RATE = /^\d+\/\d+(ms|s|m|h)$/;
const RATE_MESSAGE = 'must be <count>/<window>, e.g. 20/10s';

/**
 * Every environment variable the service reads, validated once at boot.
 * Empty strings count as unset, so `FOO=` in a .env file means "default".
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgresql:// URL' })
  DATABASE_URL?: string;

  /** Connections to PostgreSQL per process. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  DATABASE_POOL_SIZE = 10;

  @IsString()
  DATA_DIR = './data';

  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** Prefix of every Redis key and channel, so several deployments (or test runs) can share one Redis. */
  @Matches(/^[\w:.-]{1,64}$/, { message: 'must be 1-64 letters, digits, _ : . or -' })
  REDIS_PREFIX = 'chat';

  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(60_000)
  PRESENCE_HEARTBEAT_MS = 5000;

  @Type(() => Number)
  @IsInt()
  @Min(200)
  @Max(600_000)
  PRESENCE_TTL_MS = 15_000;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters (256 bits for HS256)' })
  JWT_SECRET?: string;

  @Matches(DURATION, { message: 'must be a duration such as 3600, 900s, 15m, 12h or 7d' })
  JWT_EXPIRES_IN = '1h';

  /** Clock-skew leeway on token expiry, in seconds: the same on HTTP, at the handshake and for open sockets. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(300)
  JWT_CLOCK_TOLERANCE = 30;

  /** Comma-separated origins allowed to open a socket or call the API from a browser; `*` allows any. */
  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  MAX_MESSAGE_LENGTH = 4000;

  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(100_000)
  MAX_ROOM_PARTICIPANTS = 1000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  MAX_ROOMS_PER_USER = 1000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  MAX_BLOCKED_USERS = 1000;

  /** Rate limits as "<count>/<window>", e.g. 20/10s. */
  @Matches(RATE, { message: RATE_MESSAGE })
  RATE_LIMIT_MESSAGES = '20/10s';

  @Matches(RATE, { message: RATE_MESSAGE })
  RATE_LIMIT_TYPING = '30/10s';

  @Matches(RATE, { message: RATE_MESSAGE })
  RATE_LIMIT_ROOMS = '10/60s';

  @Matches(RATE, { message: RATE_MESSAGE })
  RATE_LIMIT_JOINS = '60/60s';

  @Matches(RATE, { message: RATE_MESSAGE })
  RATE_LIMIT_SEARCH = '30/60s';

  /** Every event of one user, on all their sockets, whatever it is: a flood guard. */
  @Matches(RATE, { message: RATE_MESSAGE })
  RATE_LIMIT_SOCKET_EVENTS = '200/10s';

  /** The demo's own /auth routes: registrations and failed logins per client IP, failed logins per account. */
  @Matches(RATE, { message: RATE_MESSAGE })
  RATE_LIMIT_AUTH = '10/60s';

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(600_000)
  TYPING_TIMEOUT_MS = 5000;

  /** The room event log `sync` replays: kept this long, at most this many events per room, pruned this often. */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  EVENT_LOG_MAX_AGE_MS = 30 * 24 * 3_600_000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  EVENT_LOG_MAX_EVENTS_PER_ROOM = 10_000;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  EVENT_LOG_PRUNE_INTERVAL_MS = 600_000;

  /** One webhook: every room event (or those of WEBHOOK_EVENTS) POSTed here, signed with WEBHOOK_SECRET. */
  @IsOptional()
  @Matches(/^https?:\/\/.+/, { message: 'must be an http:// or https:// URL' })
  WEBHOOK_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  WEBHOOK_SECRET?: string;

  /** `*` or room event types separated by commas, e.g. newMessage,messageDeleted. */
  @Matches(/^(\*|[a-zA-Z]+(,[a-zA-Z]+)*)$/, { message: 'must be * or event types separated by commas' })
  WEBHOOK_EVENTS = '*';

  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  MAX_HTTP_BUFFER_SIZE = 64 * 1024;

  /** A socket with more than this many bytes waiting to be written (a client not reading) is disconnected. */
  @Type(() => Number)
  @IsInt()
  @Min(16 * 1024)
  @Max(1024 * 1024 * 1024)
  SLOW_CONSUMER_MAX_BYTES = 1024 * 1024;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(600_000)
  SHUTDOWN_TIMEOUT_MS = 10_000;

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toLowerCase() : value))
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

export function validateEnv(raw: Record<string, string | undefined>): EnvironmentVariables {
  const present = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const env = plainToInstance(EnvironmentVariables, present, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    throw new ConfigValidationError(
      errors.map((e) => {
        const shown = e.property.includes('SECRET') ? '(hidden)' : JSON.stringify(present[e.property]);
        return `${e.property} ${Object.values(e.constraints ?? {}).join(', ')} (got ${shown})`;
      }),
    );
  }
  return env;
}
