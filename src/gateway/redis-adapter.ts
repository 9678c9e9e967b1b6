import { Logger } from '@nestjs/common';
import type { Adapter } from 'socket.io-adapter';
import type { RedisConnection } from '../cluster/redis-connection';
import { OPTIONAL_PEERS, optionalRequire } from '../common/optional-require';
import type { ChatNamespace } from '../realtime/chat-socket';

type CreateAdapter = typeof import('@socket.io/redis-adapter').createAdapter;

/**
 * Puts the chat namespace (and only it: the host's other namespaces keep
 * their adapter) on `@socket.io/redis-adapter`, so its broadcasts, joins and
 * disconnects reach every node. Done before the first connection, so no
 * socket ever lived on the in-memory adapter.
 */
export function useRedisAdapter(namespace: ChatNamespace, redis: RedisConnection): void {
  const { createAdapter } = optionalRequire<{ createAdapter: CreateAdapter }>(
    '@socket.io/redis-adapter',
    'The redis option',
    OPTIONAL_PEERS.redis,
  );
  const previous = namespace.adapter;
  const adapter = createAdapter(safePublisher(redis), redis.sub, { key: `${redis.prefix}:socket.io` })(
    namespace,
  ) as Adapter;
  namespace.adapter = adapter;
  Promise.resolve(adapter.init()).catch((error: unknown) =>
    new Logger('ChatRedis').warn(`adapter init failed: ${(error as Error).message}`),
  );
  void Promise.resolve(previous.close()).catch(() => undefined);
}

/**
 * The adapter publishes without handling the promise: while Redis is away a
 * rejected publish would be an unhandled rejection. Failed publishes are
 * logged and dropped instead (local delivery goes on; clients catch up with
 * getMessages { afterSeq }).
 */
function safePublisher(redis: RedisConnection): unknown {
  const logger = new Logger('ChatRedis');
  let warned = 0;
  return new Proxy(redis.pub, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop !== 'publish' && prop !== 'sPublish')
        return typeof value === 'function' ? (value.bind(target) as unknown) : value;
      return (...args: unknown[]) =>
        (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).catch((error: unknown) => {
          if (Date.now() - warned > 5000) {
            warned = Date.now();
            logger.warn(`cross-node broadcast dropped: ${(error as Error).message}`);
          }
          return 0;
        });
    },
  });
}
