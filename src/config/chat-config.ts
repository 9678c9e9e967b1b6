import { ROOM_EVENT_TYPES, type RoomEventType } from '../contract/chat.events';
import type { OfflineNotifier } from '../notifications/offline-notifier';
import type {
  BeforeSendContext,
  BeforeSendMessage,
  BeforeSendVerdict,
  ChatDatabaseOptions,
  ChatLimits,
  ChatModuleOptions,
  ChatPrincipal,
  ChatRedisOptions,
  ChatWebhook,
  EventLogOptions,
  OutboxOptions,
  RateLimit,
  RateLimitKind,
} from './chat-options';

const DEFAULT_RATE_LIMITS: Record<RateLimitKind, string> = {
  messages: '20/10s',
  typing: '30/10s',
  rooms: '10/60s',
  joins: '60/60s',
  search: '30/60s',
  socketEvents: '200/10s',
};

const DEFAULT_EVENT_LOG: EventLogOptions = {
  maxAgeMs: 30 * 24 * 3_600_000,
  maxEventsPerRoom: 10_000,
  pruneIntervalMs: 10 * 60_000,
};

const DEFAULT_OUTBOX: OutboxOptions = {
  pollIntervalMs: 500,
  maxAttempts: 12,
  retryBaseMs: 1000,
  retryMaxMs: 3_600_000,
  leaseMs: 15_000,
};

/** A webhook with its defaults applied. */
export interface WebhookConfig {
  id: string;
  url: string;
  /** The room event types it wants. */
  events: ReadonlySet<RoomEventType>;
  secret: string;
  timeoutMs: number;
}

const DEFAULT_LIMITS: ChatLimits = {
  maxMessageLength: 4000,
  maxRoomParticipants: 1000,
  maxRoomsPerUser: 1000,
  maxBlockedUsers: 1000,
  slowConsumerMaxBytes: 1024 * 1024,
  maxSocketsPerUser: 20,
};

/** A PostgreSQL identifier we create and quote ourselves: letters, digits and underscores. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Options that cannot work, named, at start-up rather than on the first request. */
export class ChatOptionsError extends Error {
  constructor(problems: string[]) {
    super(`Invalid ChatModule options:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ChatOptionsError';
  }
}

/**
 * The module's options with every default applied and every value checked:
 * what the library's services inject. Built once from ChatModuleOptions.
 */
export class ChatConfig {
  readonly authenticate: ChatModuleOptions['authenticate'];
  readonly users: ChatModuleOptions['users'];
  readonly database: ChatDatabaseOptions;
  readonly schema: string;
  readonly migrations: 'auto' | 'manual';
  readonly redis: (ChatRedisOptions & { keyPrefix: string }) | undefined;
  readonly allowedOrigins: '*' | string[];
  readonly limits: ChatLimits;
  readonly rateLimits: Record<RateLimitKind, RateLimit>;
  readonly typingTimeoutMs: number;
  readonly presenceHeartbeatMs: number;
  readonly presenceTtlMs: number;
  readonly presenceAnnounceMs: number;
  readonly usersCacheTtlMs: number;
  readonly offlineNotifier: OfflineNotifier | undefined;
  readonly isSessionValid: (principal: ChatPrincipal) => boolean | Promise<boolean>;
  readonly shutdownTimeoutMs: number;
  readonly eventLog: EventLogOptions;
  readonly webhooks: WebhookConfig[];
  readonly outbox: OutboxOptions;
  readonly beforeSend:
    | ((message: BeforeSendMessage, context: BeforeSendContext) => BeforeSendVerdict | Promise<BeforeSendVerdict>)
    | undefined;
  readonly beforeSendTimeoutMs: number;
  readonly beforeSendOnTimeout: 'allow' | 'reject';

  constructor(given: ChatModuleOptions) {
    const options = given ?? ({} as ChatModuleOptions);
    const problems: string[] = [];
    const check = (ok: boolean, problem: string): void => void (ok || problems.push(problem));
    check(typeof options?.authenticate === 'function', 'authenticate must be a function (context) => principal | null');
    check(typeof options?.users?.findByIds === 'function', 'users.findByIds must be a function (ids) => users');
    check(isDatabase(options?.database), 'database must be { url }, { pool }, { dataDir } or { pglite }');
    // Called on the host's object, so methods of an options class keep their `this`.
    this.authenticate = (context) => options.authenticate(context);
    this.users = options.users;
    this.database = options.database;
    this.schema = options.schema ?? 'chat';
    check(SCHEMA_NAME.test(this.schema), `schema must be a lower-case identifier (got ${JSON.stringify(this.schema)})`);
    this.migrations = options.migrations ?? 'auto';
    check(this.migrations === 'auto' || this.migrations === 'manual', "migrations must be 'auto' or 'manual'");
    if (options.redis) {
      const { url, client } = options.redis;
      check((url === undefined) !== (client === undefined), 'redis needs exactly one of url and client');
      check(url === undefined || /^rediss?:\/\/.+/.test(url), 'redis.url must be a redis:// or rediss:// URL');
      const keyPrefix = options.redis.keyPrefix ?? 'chat';
      check(/^[\w:.-]{1,64}$/.test(keyPrefix), 'redis.keyPrefix must be 1-64 letters, digits, _ : . or -');
      this.redis = { ...options.redis, keyPrefix };
    }
    const origins = options.allowedOrigins ?? [];
    check(
      origins === '*' || (Array.isArray(origins) && origins.every((o) => typeof o === 'string')),
      "allowedOrigins must be '*' or an array of origins",
    );
    this.allowedOrigins = normalizeOrigins(origins === '*' || Array.isArray(origins) ? origins : []);
    this.limits = { ...DEFAULT_LIMITS, ...definedOnly(options.limits) };
    for (const [name, value] of Object.entries(this.limits)) {
      check(Number.isInteger(value) && value > 0, `limits.${name} must be a positive integer`);
    }
    this.rateLimits = {} as Record<RateLimitKind, RateLimit>;
    for (const kind of Object.keys(DEFAULT_RATE_LIMITS) as RateLimitKind[]) {
      const given = options.rateLimits?.[kind] ?? DEFAULT_RATE_LIMITS[kind];
      const rate = typeof given === 'string' ? parseRate(given) : given;
      check(
        rate !== undefined && Number.isInteger(rate.count) && rate.count > 0 && rate.windowMs > 0,
        `rateLimits.${kind} must be '<count>/<window>' (e.g. '20/10s') or { count, windowMs }`,
      );
      this.rateLimits[kind] = rate ?? { count: 1, windowMs: 1 };
    }
    this.typingTimeoutMs = options.typing?.timeoutMs ?? 5000;
    this.presenceHeartbeatMs = options.presence?.heartbeatMs ?? 5000;
    const ttlMs = options.presence?.ttlMs ?? 15_000;
    check(Number.isInteger(ttlMs) && ttlMs > 0, 'presence.ttlMs must be a positive integer');
    this.presenceTtlMs = Math.max(ttlMs, this.presenceHeartbeatMs * 2);
    this.presenceAnnounceMs = options.presence?.announceMs ?? 200;
    this.usersCacheTtlMs = options.usersCacheTtlMs ?? 30_000;
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
    this.eventLog = { ...DEFAULT_EVENT_LOG, ...options.eventLog };
    for (const [name, value] of Object.entries(this.eventLog)) {
      check(Number.isInteger(value) && value > 0, `eventLog.${name} must be a positive integer`);
    }
    this.outbox = { ...DEFAULT_OUTBOX, ...definedOnly(options.outbox) };
    for (const [name, value] of Object.entries(this.outbox)) {
      check(Number.isInteger(value) && value > 0, `outbox.${name} must be a positive integer`);
    }
    this.webhooks = webhooksOf(options.webhooks, check);
    this.beforeSend = options.beforeSend ? (message, context) => options.beforeSend!(message, context) : undefined;
    this.beforeSendTimeoutMs = options.beforeSendTimeoutMs ?? 2000;
    this.beforeSendOnTimeout = options.beforeSendOnTimeout ?? 'allow';
    check(
      this.beforeSendOnTimeout === 'allow' || this.beforeSendOnTimeout === 'reject',
      "beforeSendOnTimeout must be 'allow' or 'reject'",
    );
    for (const [name, value] of [
      ['beforeSendTimeoutMs', this.beforeSendTimeoutMs],
      ['typing.timeoutMs', this.typingTimeoutMs],
      ['presence.heartbeatMs', this.presenceHeartbeatMs],
      ['presence.announceMs', this.presenceAnnounceMs],
    ] as const) {
      check(Number.isInteger(value) && value > 0, `${name} must be a positive integer`);
    }
    check(Number.isInteger(this.shutdownTimeoutMs) && this.shutdownTimeoutMs >= 0, 'shutdownTimeoutMs must be >= 0');
    check(Number.isInteger(this.usersCacheTtlMs) && this.usersCacheTtlMs >= 0, 'usersCacheTtlMs must be >= 0');
    this.offlineNotifier = options.offlineNotifier;
    check(
      this.offlineNotifier === undefined || typeof this.offlineNotifier.notify === 'function',
      'offlineNotifier must have a notify(recipientIds, message, context) method',
    );
    this.isSessionValid = options.isSessionValid ? (principal) => options.isSessionValid!(principal) : () => true;
    if (problems.length > 0) throw new ChatOptionsError(problems);
  }
}

function webhooksOf(given: ChatWebhook[] | undefined, check: (ok: boolean, problem: string) => void): WebhookConfig[] {
  if (given === undefined) return [];
  if (!Array.isArray(given)) {
    check(false, 'webhooks must be an array of { url, events, secret }');
    return [];
  }
  const known = new Set<string>(ROOM_EVENT_TYPES);
  const webhooks = given.map((hook, i): WebhookConfig => {
    const at = `webhooks[${i}]`;
    check(typeof hook?.url === 'string' && /^https?:\/\/.+/.test(hook.url), `${at}.url must be an http(s) URL`);
    check(typeof hook?.secret === 'string' && hook.secret.length >= 16, `${at}.secret must be at least 16 characters`);
    const events = hook?.events === '*' ? [...ROOM_EVENT_TYPES] : hook?.events;
    check(
      Array.isArray(events) && events.length > 0 && events.every((e) => known.has(e)),
      `${at}.events must be '*' or a non-empty array of room event types (${ROOM_EVENT_TYPES.join(', ')})`,
    );
    const timeoutMs = hook?.timeoutMs ?? 5000;
    check(Number.isInteger(timeoutMs) && timeoutMs > 0, `${at}.timeoutMs must be a positive integer`);
    const id = hook?.id ?? hook?.url;
    check(typeof id === 'string' && id.length > 0 && id.length <= 200, `${at}.id must be 1-200 characters`);
    return {
      id,
      url: hook?.url,
      events: new Set(Array.isArray(events) ? events : []),
      secret: hook?.secret,
      timeoutMs,
    };
  });
  const ids = webhooks.map((w) => w.id);
  check(new Set(ids).size === ids.length, 'webhooks must have distinct ids (the url by default)');
  return webhooks;
}

function isDatabase(db: unknown): db is ChatDatabaseOptions {
  if (!db || typeof db !== 'object') return false;
  const d = db as Record<string, unknown>;
  return (
    (typeof d.url === 'string' && /^postgres(ql)?:\/\/.+/.test(d.url)) ||
    (typeof d.pool === 'object' && d.pool !== null) ||
    (typeof d.dataDir === 'string' && d.dataDir.length > 0) ||
    (typeof d.pglite === 'object' && d.pglite !== null)
  );
}

/** `'20/10s'` → `{ count: 20, windowMs: 10000 }`; undefined when it is not a rate. */
export function parseRate(value: string): RateLimit | undefined {
  const match = /^(\d+)\/(\d+)(ms|s|m|h)$/.exec(value);
  if (!match) return undefined;
  const windowMs = Number(match[2]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[3] as 'ms' | 's' | 'm' | 'h'];
  return windowMs > 0 ? { count: Number(match[1]), windowMs } : undefined;
}

/** `{ a: undefined }` means "the default", as everywhere else in the options. */
function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function normalizeOrigins(value: '*' | string[]): '*' | string[] {
  if (value === '*') return '*';
  // Browsers send origins in lower case (scheme and host).
  const origins = value.map((o) => o.trim().replace(/\/+$/, '').toLowerCase()).filter(Boolean);
  return origins.includes('*') ? '*' : origins;
}
