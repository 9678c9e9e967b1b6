import { Logger } from '@nestjs/common';
import { createAdapter } from '@socket.io/redis-adapter';
import type { RedisConnection } from '../cluster/redis-connection';
import type { ChatNamespace } from '../realtime/chat-socket';
import { useRedisAdapter } from './redis-adapter';

jest.mock('@socket.io/redis-adapter', () => ({ createAdapter: jest.fn() }));

type Publish = (...args: unknown[]) => Promise<unknown>;

describe(useRedisAdapter.name, () => {
  let pub: { publish: jest.Mock; sPublish: jest.Mock; duplicate: jest.Mock; isOpen: boolean };
  let sub: object;
  let adapter: { init: jest.Mock };
  let previous: { close: jest.Mock };
  let namespace: { adapter: unknown };
  let warn: jest.SpyInstance;
  /** The publisher the chat handed to `createAdapter`. */
  let publisher: { publish: Publish; sPublish: Publish; duplicate: () => unknown; isOpen: boolean };

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    pub = {
      publish: jest.fn().mockResolvedValue(2),
      sPublish: jest.fn().mockResolvedValue(2),
      duplicate: jest.fn(function (this: unknown) {
        return this;
      }),
      isOpen: true,
    };
    sub = {};
    adapter = { init: jest.fn() };
    previous = { close: jest.fn() };
    namespace = { adapter: previous };
    jest.mocked(createAdapter).mockImplementation(((p: typeof publisher) => {
      publisher = p;
      return () => adapter;
    }) as unknown as typeof createAdapter);
    const redis = { pub, sub, prefix: 'acme' } as unknown as RedisConnection;
    useRedisAdapter(namespace as unknown as ChatNamespace, redis);
  });

  afterEach(() => {
    warn.mockRestore();
    jest.useRealTimers();
  });

  it('should put the chat namespace on the Redis adapter, under the key prefix, and close the previous one', () => {
    expect(createAdapter).toHaveBeenCalledWith(expect.anything(), sub, { key: 'acme:socket.io' });
    expect(namespace.adapter).toBe(adapter);
    expect(adapter.init).toHaveBeenCalled();
    expect(previous.close).toHaveBeenCalled();
  });

  it.each(['publish', 'sPublish'] as const)(
    'should resolve a failed %s to 0 and log it, instead of rejecting (Redis away)',
    async (method) => {
      pub[method].mockRejectedValue(new Error('The client is closed'));

      await expect(publisher[method]('acme:socket.io#/chat#', 'packet')).resolves.toBe(0);
      expect(pub[method]).toHaveBeenCalledWith('acme:socket.io#/chat#', 'packet');
      expect(warn).toHaveBeenCalledWith('cross-node broadcast dropped: The client is closed');
    },
  );

  it('should pass a successful publish through, called on the client itself', async () => {
    await expect(publisher.publish('channel', 'packet')).resolves.toBe(2);
    expect(pub.publish.mock.contexts[0]).toBe(pub);
    expect(warn).not.toHaveBeenCalled();
  });

  it('should log failed publishes at most once per 5 s', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    pub.publish.mockRejectedValue(new Error('down'));

    for (let i = 0; i < 5; i++) await publisher.publish('channel', 'packet');
    expect(warn).toHaveBeenCalledTimes(1);

    jest.advanceTimersByTime(5000);
    await publisher.publish('channel', 'packet');
    expect(warn).toHaveBeenCalledTimes(1);

    jest.advanceTimersByTime(1);
    await publisher.publish('channel', 'packet');
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('should leave the client’s other members as they are, methods bound to the client', () => {
    expect(publisher.isOpen).toBe(true);
    const { duplicate } = publisher;
    expect(duplicate()).toBe(pub);
  });

  it('should log, not throw, when the adapter fails to start, and ignore a failing close of the previous one', async () => {
    adapter.init.mockRejectedValue(new Error('no subscriber'));
    previous.close.mockRejectedValue(new Error('already closed'));
    namespace.adapter = previous;

    expect(() =>
      useRedisAdapter(
        namespace as unknown as ChatNamespace,
        { pub, sub, prefix: 'acme' } as unknown as RedisConnection,
      ),
    ).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(warn).toHaveBeenCalledWith('adapter init failed: no subscriber');
    expect(namespace.adapter).toBe(adapter);
  });
});
