import type { Pool } from 'pg';
import { ChatConfig, ChatOptionsError, parseRate } from './chat-config';
import type { ChatModuleOptions, ChatWebhook, EmbeddedPostgres, RedisClientLike } from './chat-options';

/** The three required options, valid; each test changes what it is about. */
function options(overrides: Partial<ChatModuleOptions> = {}): ChatModuleOptions {
  return {
    authenticate: () => null,
    users: { findByIds: async () => [] },
    database: { dataDir: '/tmp/chat-config-spec' },
    ...overrides,
  };
}

/** The problems a ChatOptionsError lists, one per line. */
function problemsOf(build: () => unknown): string[] {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(ChatOptionsError);
    return (error as Error).message.split('\n').slice(1);
  }
  throw new Error('expected a ChatOptionsError');
}

const redisClient: RedisClientLike = {
  duplicate: () => redisClient,
  connect: async () => undefined,
  isOpen: false,
};

describe(ChatConfig.name, () => {
  it('should apply every default when only the required options are given', () => {
    const config = new ChatConfig(options());
    expect(config).toMatchObject({
      schema: 'chat',
      migrations: 'auto',
      redis: undefined,
      allowedOrigins: [],
      limits: {
        maxMessageLength: 4000,
        maxRoomParticipants: 1000,
        maxRoomsPerUser: 1000,
        slowConsumerMaxBytes: 1024 * 1024,
      },
      rateLimits: {
        messages: { count: 20, windowMs: 10_000 },
        typing: { count: 30, windowMs: 10_000 },
        rooms: { count: 10, windowMs: 60_000 },
        joins: { count: 60, windowMs: 60_000 },
        socketEvents: { count: 200, windowMs: 10_000 },
      },
      typingTimeoutMs: 5000,
      presenceHeartbeatMs: 5000,
      presenceTtlMs: 15_000,
      usersCacheTtlMs: 30_000,
      shutdownTimeoutMs: 10_000,
      offlineNotifier: undefined,
    });
    expect(config.isSessionValid({ userId: 'u' })).toBe(true);
  });

  it('should keep the limits it is not given at their defaults', () => {
    const config = new ChatConfig(options({ limits: { maxMessageLength: 10 } }));
    expect(config.limits).toEqual({
      maxMessageLength: 10,
      maxRoomParticipants: 1000,
      maxRoomsPerUser: 1000,
      maxBlockedUsers: 1000,
      slowConsumerMaxBytes: 1024 * 1024,
      maxSocketsPerUser: 20,
    });
  });

  it('should default the redis keyPrefix to chat and keep the url', () => {
    const config = new ChatConfig(options({ redis: { url: 'redis://cache:6379' } }));
    expect(config.redis).toEqual({ url: 'redis://cache:6379', keyPrefix: 'chat' });
  });

  it('should take rate limits as strings or as objects, per kind', () => {
    const config = new ChatConfig(
      options({
        rateLimits: {
          messages: '5/500ms',
          typing: '3/2m',
          rooms: '1/1h',
          joins: { count: 7, windowMs: 1234 },
          search: '2/5s',
        },
      }),
    );
    expect(config.rateLimits).toEqual({
      messages: { count: 5, windowMs: 500 },
      typing: { count: 3, windowMs: 120_000 },
      rooms: { count: 1, windowMs: 3_600_000 },
      joins: { count: 7, windowMs: 1234 },
      search: { count: 2, windowMs: 5000 },
      socketEvents: { count: 200, windowMs: 10_000 },
    });
  });

  describe('parseRate', () => {
    it('should read <count>/<window><unit>', () => {
      expect(parseRate('20/10s')).toEqual({ count: 20, windowMs: 10_000 });
      expect(parseRate('100/250ms')).toEqual({ count: 100, windowMs: 250 });
    });

    it.each(['20', '20/10', '20 / 10s', '20/10d', 'x/10s', '-1/10s', '20/1.5s', ''])(
      'should not read %j as a rate',
      (value) => {
        expect(parseRate(value)).toBeUndefined();
      },
    );
  });

  describe('validation', () => {
    it('should name every invalid option in one ChatOptionsError', () => {
      const problems = problemsOf(
        () =>
          new ChatConfig({
            users: {},
            database: {},
            schema: 'Chat-Schema',
            redis: { url: 'redis://cache', client: redisClient, keyPrefix: 'has space' },
            limits: { maxMessageLength: 0, maxRoomParticipants: -1 },
          } as unknown as ChatModuleOptions),
      );
      expect(problems).toEqual([
        expect.stringContaining('authenticate'),
        expect.stringContaining('users.findByIds'),
        expect.stringContaining('database'),
        expect.stringContaining('schema'),
        expect.stringContaining('exactly one of url and client'),
        expect.stringContaining('redis.keyPrefix'),
        expect.stringContaining('limits.maxMessageLength'),
        expect.stringContaining('limits.maxRoomParticipants'),
      ]);
    });

    it('should call the error ChatOptionsError and say the options are the ChatModule’s', () => {
      const error = (() => {
        try {
          return new ChatConfig(options({ schema: 'BAD' }));
        } catch (e) {
          return e as Error;
        }
      })();
      expect(error).toBeInstanceOf(ChatOptionsError);
      expect(error).toMatchObject({
        name: 'ChatOptionsError',
        message: expect.stringMatching(/^Invalid ChatModule options/),
      });
    });

    it.each<[string, Partial<ChatModuleOptions> | Record<string, unknown>, string]>([
      ['a missing authenticate', { authenticate: undefined }, 'authenticate'],
      ['an authenticate that is not a function', { authenticate: 'yes' }, 'authenticate'],
      ['a missing users.findByIds', { users: {} }, 'users.findByIds'],
      ['no users at all', { users: undefined }, 'users.findByIds'],
      ['no database', { database: undefined }, 'database'],
      ['a database of no known kind', { database: { host: 'db' } }, 'database'],
      ['a database url that is not PostgreSQL', { database: { url: 'mysql://db/chat' } }, 'database'],
      ['an empty dataDir', { database: { dataDir: '' } }, 'database'],
      ['a null pool', { database: { pool: null } }, 'database'],
      ['an upper-case schema', { schema: 'Chat' }, 'schema'],
      ['a schema with a dash', { schema: 'chat-x' }, 'schema'],
      ['a schema starting with a digit', { schema: '1chat' }, 'schema'],
      ['a schema of 64 characters', { schema: 'c'.repeat(64) }, 'schema'],
      ['an unknown migrations mode', { migrations: 'sometimes' }, 'migrations'],
      ['redis with both url and client', { redis: { url: 'redis://cache', client: redisClient } }, 'redis needs'],
      ['redis with neither url nor client', { redis: {} }, 'redis needs'],
      ['a redis url of another scheme', { redis: { url: 'http://cache' } }, 'redis.url'],
      ['an empty redis keyPrefix', { redis: { url: 'redis://cache', keyPrefix: '' } }, 'redis.keyPrefix'],
      ['a redis keyPrefix with a space', { redis: { url: 'redis://cache', keyPrefix: 'a b' } }, 'redis.keyPrefix'],
      ['a redis keyPrefix of 65 characters', { redis: { url: 'redis://c', keyPrefix: 'k'.repeat(65) } }, 'keyPrefix'],
      ['a zero maxMessageLength', { limits: { maxMessageLength: 0 } }, 'limits.maxMessageLength'],
      ['a negative maxRoomParticipants', { limits: { maxRoomParticipants: -1 } }, 'limits.maxRoomParticipants'],
      ['a fractional maxRoomsPerUser', { limits: { maxRoomsPerUser: 1.5 } }, 'limits.maxRoomsPerUser'],
      ['a zero slowConsumerMaxBytes', { limits: { slowConsumerMaxBytes: 0 } }, 'limits.slowConsumerMaxBytes'],
      ['a malformed rate', { rateLimits: { messages: '20 per 10s' } }, 'rateLimits.messages'],
      ['a rate of zero messages', { rateLimits: { typing: '0/10s' } }, 'rateLimits.typing'],
      ['a rate object with no window', { rateLimits: { rooms: { count: 5, windowMs: 0 } } }, 'rateLimits.rooms'],
      ['a zero typing timeout', { typing: { timeoutMs: 0 } }, 'typing.timeoutMs'],
      ['a negative presence heartbeat', { presence: { heartbeatMs: -5 } }, 'presence.heartbeatMs'],
      ['a negative shutdown timeout', { shutdownTimeoutMs: -1 }, 'shutdownTimeoutMs'],
      ['a negative users cache ttl', { usersCacheTtlMs: -1 }, 'usersCacheTtlMs'],
      ['an offlineNotifier without notify', { offlineNotifier: {} }, 'offlineNotifier'],
    ])('should refuse %s, naming it', (_, overrides, named) => {
      const problems = problemsOf(() => new ChatConfig({ ...options(), ...overrides }));
      expect(problems).toEqual([expect.stringContaining(named)]);
    });

    it.each<[string, ChatModuleOptions['database']]>([
      ['a postgres:// url', { url: 'postgres://u:p@db:5432/app' }],
      ['a postgresql:// url', { url: 'postgresql://db/app' }],
      ['a pg.Pool', { pool: {} as Pool }],
      ['a dataDir', { dataDir: './data' }],
      ['a PGlite instance', { pglite: {} as EmbeddedPostgres }],
    ])('should accept %s as the database', (_, database) => {
      expect(new ChatConfig(options({ database })).database).toBe(database);
    });

    it('should accept a redis client, a schema of 63 characters and a usersCacheTtlMs of 0', () => {
      const config = new ChatConfig(
        options({
          redis: { client: redisClient, keyPrefix: 'app:chat.v1-x' },
          schema: `c${'_'.repeat(62)}`,
          usersCacheTtlMs: 0,
        }),
      );
      expect(config.redis).toEqual({ client: redisClient, keyPrefix: 'app:chat.v1-x' });
      expect(config.usersCacheTtlMs).toBe(0);
    });
  });

  describe('presence', () => {
    it.each([
      [{ heartbeatMs: 10_000 }, 20_000],
      [{ heartbeatMs: 10_000, ttlMs: 15_000 }, 20_000],
      [{ heartbeatMs: 10_000, ttlMs: 20_000 }, 20_000],
      [{ heartbeatMs: 1000, ttlMs: 60_000 }, 60_000],
      [{ ttlMs: 5000 }, 10_000],
    ])('should keep the ttl of %j at least twice the heartbeat (%d)', (presence, ttlMs) => {
      expect(new ChatConfig(options({ presence })).presenceTtlMs).toBe(ttlMs);
    });
  });

  describe('allowedOrigins', () => {
    it('should drop trailing slashes and surrounding spaces, and empty entries', () => {
      const config = new ChatConfig(
        options({ allowedOrigins: ['https://app.example.test/', ' https://admin.example.test//', ' '] }),
      );
      expect(config.allowedOrigins).toEqual(['https://app.example.test', 'https://admin.example.test']);
    });

    it('should compare origins in lower case, as browsers send them', () => {
      expect(new ChatConfig(options({ allowedOrigins: ['https://App.Example.test'] })).allowedOrigins).toEqual([
        'https://app.example.test',
      ]);
    });

    it('should refuse a single origin given as a string, naming the option', () => {
      const bad = { allowedOrigins: 'https://app.example.test' } as unknown as Partial<ChatModuleOptions>;
      expect(problemsOf(() => new ChatConfig(options(bad)))).toEqual([expect.stringContaining('allowedOrigins')]);
    });

    it.each<[ChatModuleOptions['allowedOrigins']]>([['*'], [['https://app.example.test', '*']], [[' * ']]])(
      'should read %j as any origin',
      (allowedOrigins) => {
        expect(new ChatConfig(options({ allowedOrigins })).allowedOrigins).toBe('*');
      },
    );
  });

  describe('defaults for undefined', () => {
    it('should read an undefined limit as its default, like every other option', () => {
      const config = new ChatConfig(options({ limits: { maxMessageLength: undefined, maxRoomsPerUser: 5 } }));
      expect(config.limits).toMatchObject({ maxMessageLength: 4000, maxRoomsPerUser: 5 });
    });

    it('should refuse a rate with a zero window and a NaN presence ttl, naming them', () => {
      const problems = problemsOf(
        () => new ChatConfig(options({ rateLimits: { messages: '20/0s' }, presence: { ttlMs: Number.NaN } })),
      );
      expect(problems).toEqual([
        expect.stringContaining('rateLimits.messages'),
        expect.stringContaining('presence.ttlMs'),
      ]);
    });

    it('should name the required options when none are given at all', () => {
      const problems = problemsOf(() => new ChatConfig(undefined as unknown as ChatModuleOptions));
      expect(problems).toEqual([
        expect.stringContaining('authenticate'),
        expect.stringContaining('users.findByIds'),
        expect.stringContaining('database'),
      ]);
    });
  });
  describe('webhooks, outbox and beforeSend', () => {
    const hook = { url: 'https://hooks.example.com/chat', events: '*' as const, secret: 'a-secret-of-16-chars' };

    it('should default to no webhook, the documented outbox and an allowing beforeSend fallback', () => {
      const config = new ChatConfig(options());
      expect(config.webhooks).toEqual([]);
      expect(config.outbox).toEqual({
        pollIntervalMs: 500,
        maxAttempts: 12,
        retryBaseMs: 1000,
        retryMaxMs: 3_600_000,
        leaseMs: 15_000,
      });
      expect(config.beforeSend).toBeUndefined();
      expect(config).toMatchObject({ beforeSendTimeoutMs: 2000, beforeSendOnTimeout: 'allow' });
    });

    it("should read '*' as every room event type and the url as the default id", () => {
      const [webhook] = new ChatConfig(options({ webhooks: [hook] })).webhooks;
      expect(webhook).toMatchObject({ id: hook.url, timeoutMs: 5000 });
      expect([...webhook.events]).toEqual(expect.arrayContaining(['newMessage', 'participantRemoved']));
      expect(webhook.events.size).toBe(11);
    });

    it('should refuse an unknown event type, a short secret, a bad url and two webhooks with one id', () => {
      const problems = problemsOf(
        () =>
          new ChatConfig(
            options({
              webhooks: [
                { ...hook, events: ['newMessage', 'typing'] as ChatWebhook['events'] },
                { ...hook, url: 'ftp://x', secret: 'short', id: 'b' },
                { ...hook, id: 'b' },
              ],
            }),
          ),
      );
      expect(problems).toEqual([
        expect.stringContaining('webhooks[0].events'),
        expect.stringContaining('webhooks[1].url'),
        expect.stringContaining('webhooks[1].secret'),
        expect.stringContaining('distinct ids'),
      ]);
    });

    it('should refuse a zero outbox interval and an unknown beforeSend fallback', () => {
      const problems = problemsOf(
        () =>
          new ChatConfig(
            options({ outbox: { retryBaseMs: 0 }, beforeSendOnTimeout: 'maybe' as 'allow', beforeSendTimeoutMs: -1 }),
          ),
      );
      expect(problems).toEqual([
        expect.stringContaining('outbox.retryBaseMs'),
        expect.stringContaining('beforeSendOnTimeout'),
        expect.stringContaining('beforeSendTimeoutMs'),
      ]);
    });
  });
});
