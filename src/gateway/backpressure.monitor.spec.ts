import { Logger } from '@nestjs/common';
import type { ChatNamespace } from '../realtime/chat.emitter';
import { BackpressureMonitor, terminate } from './backpressure.monitor';

const LIMITS = { maxBufferedBytes: 1000, maxQueuedPackets: 10, intervalMs: 500 };

/** A socket as the monitor sees it: engine.io's write buffer, and the websocket's bytes not yet taken by the kernel. */
function fakeSocket(id: string, queue: { packets?: string[]; bufferedAmount?: number } = {}) {
  const ws = { bufferedAmount: queue.bufferedAmount ?? 0, terminate: jest.fn() };
  const conn = {
    writeBuffer: (queue.packets ?? []).map((data) => ({ type: 'message', data })),
    transport: { name: 'websocket', socket: ws },
    close: jest.fn(),
  };
  return { id, data: { userId: `user-of-${id}` }, conn, ws, disconnect: jest.fn() };
}
type FakeSocket = ReturnType<typeof fakeSocket>;

const wasCut = (socket: FakeSocket): boolean => socket.disconnect.mock.calls.length > 0;

describe(BackpressureMonitor.name, () => {
  let sockets: Map<string, FakeSocket>;
  let monitor: BackpressureMonitor;
  let warn: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    sockets = new Map();
    monitor = new BackpressureMonitor({ sockets } as unknown as ChatNamespace, LIMITS);
  });

  afterEach(() => {
    warn.mockRestore();
  });

  function add(socket: FakeSocket): FakeSocket {
    sockets.set(socket.id, socket);
    return socket;
  }

  it('should cut a websocket whose unsent bytes exceed maxBufferedBytes, and leave a fast one alone', () => {
    const slow = add(fakeSocket('slow', { bufferedAmount: 1001 }));
    const fast = add(fakeSocket('fast', { bufferedAmount: 1000 }));

    expect(monitor.sweep()).toBe(1);
    expect(wasCut(slow)).toBe(true);
    expect(wasCut(fast)).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('cutting slow consumer slow (user user-of-slow)'));
  });

  it('should count the bytes engine.io still holds back with those of the websocket', () => {
    const slow = add(fakeSocket('slow', { bufferedAmount: 600, packets: ['x'.repeat(401)] }));
    const fast = add(fakeSocket('fast', { bufferedAmount: 599, packets: ['x'.repeat(401)] }));

    expect(monitor.sweep()).toBe(1);
    expect(wasCut(slow)).toBe(true);
    expect(wasCut(fast)).toBe(false);
  });

  it('should count binary packets by their length', () => {
    const slow = add(fakeSocket('slow'));
    slow.conn.writeBuffer.push({ type: 'message', data: Buffer.alloc(1001) as unknown as string });

    expect(monitor.sweep()).toBe(1);
    expect(wasCut(slow)).toBe(true);
  });

  it('should cut a client with more than maxQueuedPackets queued (a poller that stopped polling), whatever their size', () => {
    const slow = add(fakeSocket('slow', { packets: Array.from({ length: 11 }, () => 'x') }));
    const fast = add(fakeSocket('fast', { packets: Array.from({ length: 10 }, () => 'x') }));
    slow.conn.transport = { name: 'polling', socket: undefined as unknown as FakeSocket['ws'] };

    expect(monitor.sweep()).toBe(1);
    expect(wasCut(slow)).toBe(true);
    expect(wasCut(fast)).toBe(false);
  });

  it('should cut at once: drop the queue, terminate the websocket, close without waiting to flush', () => {
    const slow = add(fakeSocket('slow', { bufferedAmount: 5000, packets: ['a', 'b'] }));

    monitor.sweep();

    expect(slow.conn.writeBuffer).toEqual([]);
    expect(slow.ws.terminate).toHaveBeenCalled();
    expect(slow.conn.close).toHaveBeenCalledWith(true);
    expect(slow.disconnect).toHaveBeenCalledWith(true);
  });

  it('should sweep every intervalMs once started, and stop when stopped', () => {
    jest.useFakeTimers();
    try {
      monitor.start();
      const slow = add(fakeSocket('slow'));
      jest.advanceTimersByTime(LIMITS.intervalMs);
      expect(wasCut(slow)).toBe(false);

      slow.ws.bufferedAmount = 2000;
      jest.advanceTimersByTime(LIMITS.intervalMs - 1);
      expect(wasCut(slow)).toBe(false);
      jest.advanceTimersByTime(1);
      expect(wasCut(slow)).toBe(true);

      monitor.stop();
      const later = add(fakeSocket('later', { bufferedAmount: 2000 }));
      jest.advanceTimersByTime(LIMITS.intervalMs * 4);
      expect(wasCut(later)).toBe(false);
    } finally {
      jest.useRealTimers();
    }
  });

  it('should terminate a socket without a transport without throwing', () => {
    const socket = fakeSocket('bare');
    (socket.conn as { transport?: unknown }).transport = undefined;
    expect(() => terminate(socket as never)).not.toThrow();
    expect(socket.disconnect).toHaveBeenCalledWith(true);
  });
});
