import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { registerUser } from './helpers/http';
import { startTestApp, TestApp } from './helpers/test-app';

const SHUTDOWN_TIMEOUT_MS = 3000;

/**
 * A `/chat` socket opened over a raw TCP connection that, once connected,
 * answers nothing: not the server's WebSocket close frame, not its FIN (as
 * the Python socket.io client was seen to do). Without help the HTTP server
 * waits for it until ws gives up on the close handshake (30 s).
 */
async function halfOpenChatSocket(baseUrl: string, token: string): Promise<Socket> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect({ host: hostname, port: Number(port), allowHalfOpen: true });
  let received = '';
  const seen = (text: string, timeoutMs = 5000): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${text} within ${timeoutMs} ms: ${received}`)), timeoutMs);
      const check = (): void => {
        if (!received.includes(text)) return;
        clearTimeout(timer);
        socket.off('data', check);
        resolve();
      };
      socket.on('data', check);
      check();
    });
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.write(
    [
      'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1',
      `Host: ${hostname}:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      '',
      '',
    ].join('\r\n'),
  );
  // Server frames are not masked: engine.io's open packet, then the namespace's CONNECT, appear as text.
  await seen('"sid"');
  socket.write(maskedTextFrame(`40/chat,${JSON.stringify({ token })}`));
  await seen('40/chat,{"sid"');
  return socket;
}

/** A client-to-server WebSocket text frame (clients must mask). */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length >= 65536) throw new Error('frame too long for this helper');
  const header =
    payload.length < 126
      ? Buffer.from([0x81, 0x80 | payload.length])
      : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const mask = randomBytes(4);
  return Buffer.concat([header, mask, payload.map((byte, i) => byte ^ mask[i % 4])]);
}

describe('graceful shutdown (e2e)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await startTestApp({ env: { SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) } });
  });

  it('should close within SHUTDOWN_TIMEOUT_MS when a client leaves its TCP side half-open', async () => {
    const user = await registerUser(t.url, 'halfopen');
    const client = await halfOpenChatSocket(t.url, user.token);
    const serverSide = new Promise<void>((resolve) => {
      client.once('end', () => resolve());
      client.once('error', () => resolve());
    });
    const started = Date.now();
    const closing = t.app.close();
    try {
      const outcome = await Promise.race([
        closing.then(() => 'closed'),
        new Promise((resolve) => setTimeout(resolve, SHUTDOWN_TIMEOUT_MS).unref()).then(() => 'still open'),
      ]);
      expect(outcome).toBe('closed');
      expect(Date.now() - started).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
      // The server closed the connection (it was not just left behind).
      await serverSide;
    } finally {
      client.destroy();
      await closing;
      await t.database.drop();
    }
  });
});
