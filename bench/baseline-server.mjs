// The bare baseline of `npm run bench`: a plain socket.io server doing the same fan-out as the gateway with no
// auth, no validation and no database. A client names its user and rooms in the handshake
// (`auth: { userId, rooms }`) and is joined to `chat:<room>` for each; `sendMessage` builds a message of the same
// shape as the gateway's, broadcasts it as `newMessage` to the room (the sender included) and acks `{ ok, data }`.
// Env: PORT (required), REDIS_URL and REDIS_PREFIX (optional: the @socket.io/redis-adapter, as the gateway uses).
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import console from 'node:console';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error('baseline-server: PORT is required');
  process.exit(2);
}

const http = createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'application/json' });
  res.end(req.url === '/health' ? '{"status":"ok"}' : '{}');
});
const io = new Server(http, { serveClient: false, maxHttpBufferSize: 64 * 1024 });

/** @type {{ quit(): Promise<unknown> }[]} */
const redisClients = [];
if (process.env.REDIS_URL) {
  const pub = createClient({ url: process.env.REDIS_URL });
  const sub = pub.duplicate();
  pub.on('error', (/** @type {Error} */ e) => console.error(`baseline-server: redis: ${e.message}`));
  sub.on('error', (/** @type {Error} */ e) => console.error(`baseline-server: redis: ${e.message}`));
  await Promise.all([pub.connect(), sub.connect()]);
  redisClients.push(pub, sub);
  io.adapter(createAdapter(pub, sub, { key: `${process.env.REDIS_PREFIX ?? 'bench'}:baseline:socket.io` }));
}

const chat = io.of('/chat');
/** @type {Map<string, number>} */
const seqs = new Map();

chat.use((socket, next) => {
  const auth = /** @type {{ rooms?: unknown }} */ (socket.handshake.auth);
  const rooms = Array.isArray(auth.rooms) ? auth.rooms.filter((r) => typeof r === 'string') : [];
  if (rooms.length > 0) void socket.join(rooms.map((r) => `chat:${String(r)}`));
  next();
});

chat.on('connection', (socket) => {
  const auth = /** @type {{ userId?: unknown }} */ (socket.handshake.auth);
  const senderId = typeof auth.userId === 'string' ? auth.userId : socket.id;
  socket.on(
    'sendMessage',
    (
      /** @type {{ chatRoomId: string, content: string, clientMessageId?: string }} */ p,
      /** @type {((response: unknown) => void) | undefined} */ ack,
    ) => {
      const seq = (seqs.get(p.chatRoomId) ?? 0) + 1;
      seqs.set(p.chatRoomId, seq);
      const message = {
        id: randomUUID(),
        chatRoomId: p.chatRoomId,
        senderId,
        seq,
        content: p.content,
        type: 'TEXT',
        attachments: [],
        clientMessageId: p.clientMessageId ?? null,
        createdAt: new Date().toISOString(),
        editedAt: null,
        deletedAt: null,
      };
      chat.to(`chat:${p.chatRoomId}`).emit('newMessage', message);
      if (typeof ack === 'function') ack({ ok: true, data: message });
    },
  );
});

http.listen(port, '127.0.0.1');

const stop = () => {
  setTimeout(() => process.exit(0), 2000).unref();
  void io.close(() => {
    void Promise.allSettled(redisClients.map((c) => c.quit())).finally(() => process.exit(0));
  });
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
