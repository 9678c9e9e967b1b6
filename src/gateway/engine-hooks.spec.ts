import { EventEmitter } from 'node:events';
import type { Server } from 'socket.io';
import { installWriteBatching } from './engine-hooks';

/** An engine.io socket as the hooks see it: its transport and, under it, the TCP socket. */
function engineSocket(transport: 'websocket' | 'polling') {
  const raw = { cork: jest.fn(), uncork: jest.fn() };
  return { raw, socket: { transport: { name: transport, socket: { _socket: raw } } } };
}

describe(installWriteBatching.name, () => {
  let engine: EventEmitter;
  let server: Server;

  beforeEach(() => {
    engine = new EventEmitter();
    server = { engine } as unknown as Server;
    installWriteBatching(server);
  });

  it('should cork a websocket for a flush of several packets and uncork it once at the drain', () => {
    const { raw, socket } = engineSocket('websocket');
    engine.emit('flush', socket, [{ type: 'message' }, { type: 'message' }]);
    expect(raw.cork).toHaveBeenCalledTimes(1);
    expect(raw.uncork).not.toHaveBeenCalled();
    engine.emit('drain', socket);
    expect(raw.uncork).toHaveBeenCalledTimes(1);
    engine.emit('drain', socket);
    expect(raw.uncork).toHaveBeenCalledTimes(1);
  });

  it('should uncork only the socket that was corked', () => {
    const a = engineSocket('websocket');
    const b = engineSocket('websocket');
    engine.emit('flush', a.socket, [{}, {}]);
    engine.emit('drain', b.socket);
    expect(a.raw.uncork).not.toHaveBeenCalled();
    expect(b.raw.uncork).not.toHaveBeenCalled();
    engine.emit('drain', a.socket);
    expect(a.raw.uncork).toHaveBeenCalledTimes(1);
  });

  it('should not cork a websocket for a single packet', () => {
    const { raw, socket } = engineSocket('websocket');
    engine.emit('flush', socket, [{ type: 'message' }]);
    engine.emit('drain', socket);
    expect(raw.cork).not.toHaveBeenCalled();
    expect(raw.uncork).not.toHaveBeenCalled();
  });

  it('should not cork a polling transport', () => {
    const { raw, socket } = engineSocket('polling');
    engine.emit('flush', socket, [{}, {}, {}]);
    engine.emit('drain', socket);
    expect(raw.cork).not.toHaveBeenCalled();
    expect(raw.uncork).not.toHaveBeenCalled();
  });

  it('should leave a websocket without a TCP socket alone', () => {
    const socket = { transport: { name: 'websocket', socket: {} } };
    expect(() => {
      engine.emit('flush', socket, [{}, {}]);
      engine.emit('drain', socket);
    }).not.toThrow();
  });

  it('should add its listeners once however often it is installed on one engine', () => {
    installWriteBatching(server);
    installWriteBatching({ engine } as unknown as Server);
    expect(engine.listenerCount('flush')).toBe(1);
    expect(engine.listenerCount('drain')).toBe(1);
    const { raw, socket } = engineSocket('websocket');
    engine.emit('flush', socket, [{}, {}]);
    engine.emit('drain', socket);
    expect(raw.cork).toHaveBeenCalledTimes(1);
    expect(raw.uncork).toHaveBeenCalledTimes(1);
  });

  it('should do nothing for a server without an engine yet', () => {
    expect(() => installWriteBatching({} as Server)).not.toThrow();
  });
});
