import { Logger } from '@nestjs/common';
import type { ChatNamespace } from '../realtime/chat.emitter';
import type { ChatSocket } from '../realtime/chat-socket';

/** What we need of engine.io's socket and its transport (not in socket.io's public types). */
interface EngineConnection {
  writeBuffer?: { data?: unknown }[];
  transport?: { name?: string; socket?: { bufferedAmount?: number; terminate?: () => void } };
  close(discard?: boolean): void;
}

export interface BackpressureLimits {
  /** Bytes queued for one websocket before it is cut. */
  maxBufferedBytes: number;
  /** Packets queued by engine.io (e.g. a polling client that stopped polling) before it is cut. */
  maxQueuedPackets: number;
  intervalMs: number;
}

/**
 * A client that stops reading makes the server queue everything broadcast to
 * it. Every `intervalMs` this looks at each local socket's queues and
 * terminates those over the limits, so one slow consumer costs a bounded
 * amount of memory. The client can reconnect and catch up with getMessages.
 */
export class BackpressureMonitor {
  private readonly logger = new Logger('Backpressure');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly namespace: ChatNamespace,
    private readonly limits: BackpressureLimits,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.sweep(), this.limits.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  sweep(): number {
    let cut = 0;
    for (const socket of this.namespace.sockets.values()) {
      const conn = socket.conn as unknown as EngineConnection;
      // engine.io holds packets back while the transport is busy writing; ws holds what the kernel has not taken.
      const queued = conn.writeBuffer?.length ?? 0;
      const buffered = (conn.transport?.socket?.bufferedAmount ?? 0) + queuedBytes(conn);
      if (queued <= this.limits.maxQueuedPackets && buffered <= this.limits.maxBufferedBytes) continue;
      this.logger.warn(
        `cutting slow consumer ${socket.id} (user ${socket.data.userId}): ${buffered} bytes, ${queued} packets queued`,
      );
      terminate(socket);
      cut += 1;
    }
    return cut;
  }
}

function queuedBytes(conn: EngineConnection): number {
  let bytes = 0;
  for (const packet of conn.writeBuffer ?? []) {
    const data = packet.data;
    bytes += typeof data === 'string' ? data.length : Buffer.isBuffer(data) ? data.length : 0;
  }
  return bytes;
}

/** Closes a socket at once, dropping whatever is queued (a graceful close would wait for a reader that is not reading). */
export function terminate(socket: ChatSocket): void {
  const conn = socket.conn as unknown as EngineConnection;
  conn.writeBuffer = [];
  conn.transport?.socket?.terminate?.();
  conn.close(true);
  socket.disconnect(true);
}
