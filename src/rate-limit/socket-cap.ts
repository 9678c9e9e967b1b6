import type { RedisConnection } from '../cluster/redis-connection';
import type { ChatConfig } from '../config/chat-config';
import type { ChatSocket } from '../realtime/chat-socket';
import { LocalSocketCounter, RedisSocketCounter, SocketCounter } from './socket-counter';

type Next = (err?: Error) => void;

/** The connect_error of a handshake over `limits.maxSocketsPerUser`. */
export const TOO_MANY_CONNECTIONS = 'Too many connections';

/**
 * A socket counted at the handshake that has not connected this much later
 * was refused by a later middleware or abandoned: its slot is given back.
 * (socket.io tells nobody about a refused handshake.)
 */
export const HANDSHAKE_GRACE_MS = 30_000;

/**
 * Namespace middleware, after authentication: a user holds at most
 * `limits.maxSocketsPerUser` sockets, on every node together when Redis is
 * configured (see RedisSocketCounter), in this process otherwise. The socket
 * counts from its handshake until it disconnects.
 */
export function socketCap(
  config: ChatConfig,
  redis: RedisConnection,
  counter: SocketCounter = redis.enabled
    ? new RedisSocketCounter(redis, config.presenceTtlMs, config.presenceHeartbeatMs)
    : new LocalSocketCounter(),
): (socket: ChatSocket, next: Next) => void {
  const max = config.limits.maxSocketsPerUser;
  return (socket, next) => {
    counter.tryAdd(socket.data.userId, socket.id, max).then(
      (admitted) => {
        if (!admitted) return next(new Error(TOO_MANY_CONNECTIONS));
        // Gone while being counted: socket.io drops the socket without a word.
        if (socket.conn.readyState !== 'open') {
          counter.remove(socket.id);
          return next();
        }
        releaseWhenGone(socket, () => counter.remove(socket.id));
        next();
      },
      () => next(new Error('Service unavailable')),
    );
  };
}

/** Calls `release` once: when the socket disconnects, or when it has not connected in time. */
function releaseWhenGone(socket: ChatSocket, release: () => void): void {
  let done = false;
  const once = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.conn.off('close', once);
    release();
  };
  const timer = setTimeout(() => {
    if (!socket.connected) once();
  }, HANDSHAKE_GRACE_MS);
  timer.unref();
  // A client gone during the handshake: a socket that never connected gets no disconnect.
  socket.conn.once('close', once);
  socket.once('disconnect', once);
}
