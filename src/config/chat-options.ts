import type { Pool } from 'pg';
import type { Attachment, MessageType, RoomEventType } from '../contract/chat.events';
import type { OfflineNotifier } from '../notifications/offline-notifier';

/** What `authenticate` is given: the credentials of one socket handshake or one REST request. */
export interface ChatAuthContext {
  /**
   * The bearer token: the handshake's `auth.token` (a leading "Bearer " is
   * dropped) or the `Authorization: Bearer …` header. Undefined when absent.
   */
  token: string | undefined;
  /** The handshake's or the request's HTTP headers (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  transport: 'websocket' | 'http';
}

/** Who is calling, as the host's `authenticate` says. */
export interface ChatPrincipal {
  /** The host's user id, any string of 1 to 255 characters ("42", a cuid, a UUID…). */
  userId: string;
  /** When the session ends: the user's sockets are disconnected then (they reconnect with a fresh token). */
  expiresAt?: Date;
  /** Anything the host wants to see again in `isSessionValid` (e.g. a token version). */
  claims?: Record<string, unknown>;
}

export interface ChatUserProfile {
  id: string;
  name: string;
  avatarUrl?: string | null;
}

/** The host's users, as the chat sees them. */
export interface ChatUserDirectory {
  /**
   * The users among `ids` that exist (unknown ids are simply left out).
   * Decides whether a user can be added to a room and how participants are
   * named in room views. Called with up to a few hundred ids at once;
   * results are cached for `usersCacheTtlMs`.
   */
  findByIds(ids: string[]): Promise<ChatUserProfile[]>;
}

/** A PGlite instance (only what the chat uses of it). */
export interface EmbeddedPostgres {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(sql: string): Promise<unknown>;
  close(): Promise<void>;
  readonly closed: boolean;
}

/**
 * Where the chat's tables live. PostgreSQL by URL or through the host's own
 * `pg.Pool` (the chat then never ends it), or the embedded PostgreSQL
 * (PGlite, for development and tests: install `@electric-sql/pglite` and
 * `pglite-prisma-adapter`) by directory or as the host's own instance.
 */
export type ChatDatabaseOptions =
  | { url: string; poolSize?: number; connectTimeoutMs?: number; queryTimeoutMs?: number }
  | { pool: Pool }
  | { dataDir: string }
  | { pglite: EmbeddedPostgres };

/** A node-redis v4/v5 client (only what the chat uses of it). */
export interface RedisClientLike {
  duplicate(): RedisClientLike;
  connect(): Promise<unknown>;
  readonly isOpen: boolean;
}

/**
 * Redis, for a chat served by several processes: broadcasts reach every
 * node (`@socket.io/redis-adapter`), presence and typing are cluster-wide.
 * Install `redis` and `@socket.io/redis-adapter` to use it.
 */
export interface ChatRedisOptions {
  /** `redis://…` or `rediss://…`; the chat opens and closes its own connections. */
  url?: string;
  /** Or the host's own client: the chat duplicates it for its connections and never closes it. */
  client?: RedisClientLike;
  /** Every key and channel of the chat starts with it. Default `chat`. */
  keyPrefix?: string;
}

export type RateLimitKind = 'messages' | 'typing' | 'rooms' | 'joins' | 'search' | 'socketEvents';

export interface RateLimit {
  count: number;
  windowMs: number;
}

export interface ChatLimits {
  /** Characters of a message's content (after trimming). Default 4000. */
  maxMessageLength: number;
  /** Participants of a group room. Default 1000. */
  maxRoomParticipants: number;
  /** GROUP rooms one user can be in, created or added to (DIRECT rooms are not counted). Default 1000. */
  maxRoomsPerUser: number;
  /** Users one user can block. Default 1000. */
  maxBlockedUsers: number;
  /** Bytes queued for one socket before it is cut as a slow consumer. Default 1 MiB. */
  slowConsumerMaxBytes: number;
  /**
   * Sockets one user can have open at once (on every node, with Redis); one
   * more is refused at the handshake with 'Too many connections'. Default 20.
   */
  maxSocketsPerUser: number;
}

/**
 * Everything `ChatModule.forRoot(options)` or the `useFactory` of
 * `forRootAsync` gives. Only `authenticate`, `users` and `database` are required.
 */
export interface ChatModuleOptions {
  /**
   * Decides who calls: at every socket handshake and for every REST request.
   * Return null (or throw, e.g. from `jwt.verify`) to refuse with
   * UNAUTHORIZED. A throw that means an outage (database or network
   * unreachable) answers UNAVAILABLE instead.
   */
  authenticate(context: ChatAuthContext): Promise<ChatPrincipal | null> | ChatPrincipal | null;
  users: ChatUserDirectory;
  database: ChatDatabaseOptions;
  /** The PostgreSQL schema of every chat table. Default `chat`. */
  schema?: string;
  /**
   * `auto` (default): pending chat migrations are applied at start-up, under
   * an advisory lock. `manual`: the host applies them in its pipeline
   * (`npx nest-chat-gateway migrate`, or `migrateChatSchema()`); start-up
   * then fails if any is missing.
   */
  migrations?: 'auto' | 'manual';
  redis?: ChatRedisOptions;
  /**
   * Browser origins allowed to open a socket (`'*'`: any). Default: none but
   * the server's own; clients that send no Origin (mobile, server) always pass.
   */
  allowedOrigins?: '*' | string[];
  limits?: Partial<ChatLimits>;
  /**
   * Per user, e.g. `{ messages: '20/10s' }`; `socketEvents` counts every event
   * of all the user's sockets. Shared by every node with Redis.
   */
  rateLimits?: Partial<Record<RateLimitKind, RateLimit | string>>;
  typing?: {
    /** An indicator not renewed for this long ends by itself. Default 5000. */
    timeoutMs?: number;
  };
  presence?: {
    /** How often a node renews its liveness in Redis. Default 5000. */
    heartbeatMs?: number;
    /** A node silent for this long is dead and its users offline. Default 15000 (at least twice the heartbeat). */
    ttlMs?: number;
    /**
     * How long presence changes are collected before `userStatus` goes out,
     * so a burst of connections costs each room-mate a few writes, not one
     * per user. Only the latest status of a user in a batch is sent. Default 200.
     */
    announceMs?: number;
  };
  /** How long user lookups (`users.findByIds`) are reused. Default 30000; 0 disables the cache. */
  usersCacheTtlMs?: number;
  /**
   * The room event log `sync` replays. Kept per room for at most `maxAgeMs`
   * (default 30 days) and the newest `maxEventsPerRoom` events (default
   * 10000); pruned every `pruneIntervalMs` (default 10 minutes). A client whose
   * cursor is older is told to reload the room (`resync`).
   */
  eventLog?: Partial<EventLogOptions>;
  /**
   * Told about messages for participants with no connected socket. Default:
   * a log line. Run from the outbox after the commit: at least once, retried
   * with `outbox`'s backoff when it throws, and by another process (or this
   * one restarted) when this one stops before it was told.
   */
  offlineNotifier?: OfflineNotifier;
  /**
   * HTTP endpoints told about room events (signed, retried until they answer
   * 2xx, at least once; see README > Webhooks). Delivered from the room event
   * log by whichever process holds the outbox's turn.
   */
  webhooks?: ChatWebhook[];
  /** How the outbox (webhooks, the offline notifier) reads the log and retries. */
  outbox?: Partial<OutboxOptions>;
  /**
   * Consulted before every message a user sends (socket, REST or host code;
   * not SYSTEM messages) is stored: return nothing or true to let it through,
   * false or `{ reject: reason }` to refuse it (MESSAGE_REJECTED), or
   * `{ content }` to store other content. A repeated clientMessageId answers
   * the stored message without asking again.
   */
  beforeSend?(message: BeforeSendMessage, context: BeforeSendContext): BeforeSendVerdict | Promise<BeforeSendVerdict>;
  /** How long `beforeSend` may take. Default 2000. */
  beforeSendTimeoutMs?: number;
  /**
   * When `beforeSend` throws or takes too long: `allow` (default) stores the
   * message as sent, `reject` refuses it with UNAVAILABLE (the client may retry).
   */
  beforeSendOnTimeout?: 'allow' | 'reject';
  /**
   * Consulted for each connected socket when this node may have missed a
   * revocation (after Redis comes back). False disconnects the socket.
   */
  isSessionValid?(principal: ChatPrincipal): boolean | Promise<boolean>;
  /** How long a graceful shutdown waits for events in flight. Default 10000 (0: do not wait). */
  shutdownTimeoutMs?: number;
}

/**
 * What shapes the module itself and so must be known when it is imported,
 * also with `forRootAsync` (where it sits beside `useFactory`).
 */
export interface ChatModuleExtras {
  /** Register the chat's services for every module of the app. Default true. */
  isGlobal?: boolean;
  /** The socket.io namespace. Default `/chat`. */
  namespace?: string;
  /** The REST controllers: on by default, under `prefix` (default: none, so `/chat-rooms`). */
  http?: { enabled?: boolean; prefix?: string };
}

export interface EventLogOptions {
  maxAgeMs: number;
  maxEventsPerRoom: number;
  pruneIntervalMs: number;
}

export interface OutboxOptions {
  /** How often the log is read when this process logged nothing (its own writes wake it at once). Default 500. */
  pollIntervalMs: number;
  /** Attempts per delivery; then it is marked failed and logged. Default 12. */
  maxAttempts: number;
  /** The first retry comes after this, each next one after twice as long (±20%). Default 1000. */
  retryBaseMs: number;
  /** The longest wait between attempts. Default 3600000 (an hour). */
  retryMaxMs: number;
  /** A process that stops without handing back its turn holds it this long. Default 15000. */
  leaseMs: number;
}

/** One HTTP endpoint told about room events. */
export interface ChatWebhook {
  /** Its stable name: deliveries are kept under it. Default: the url. */
  id?: string;
  /** POSTed to, one event per request. */
  url: string;
  /** The room event types it wants (`newMessage`, `messageUpdated`…), or `'*'` for all. */
  events: RoomEventType[] | '*';
  /** The HMAC-SHA256 key of `x-chat-signature` (see `verifyWebhookSignature`). */
  secret: string;
  /** One attempt's time limit. Default 5000. */
  timeoutMs?: number;
}

/** What `beforeSend` is shown: the message about to be stored. */
export interface BeforeSendMessage {
  chatRoomId: string;
  senderId: string;
  /** Trimmed and checked. */
  content: string;
  type: MessageType;
  attachments: Attachment[];
  replyToId: string | null;
  threadId: string | null;
  mentions: string[];
  clientMessageId: string | null;
}

export interface BeforeSendContext {
  /** Aborted when `beforeSendTimeoutMs` has passed (the answer no longer counts). */
  signal: AbortSignal;
}

/** Nothing or true: store it. False or `{ reject }`: refuse it. `{ content }`: store this content instead. */
export type BeforeSendVerdict = void | boolean | { reject: string } | { content: string };
