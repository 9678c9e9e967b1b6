import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { IncomingMessage } from 'node:http';
import type { Server, ServerOptions } from 'socket.io';
import { AppConfig } from '../../config/app-config';

/**
 * The socket.io server for the chat gateway, configured from AppConfig
 * rather than decorator constants: browser origins checked on every transport
 * (CORS headers alone do not stop a websocket upgrade), the message size cap,
 * and (with REDIS_URL) the Redis adapter.
 */
export class ChatIoAdapter extends IoAdapter {
  private readonly config: AppConfig;

  constructor(app: INestApplicationContext) {
    super(app);
    this.config = app.get(AppConfig);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const allowed = this.config.corsOrigins;
    const server = super.createIOServer(port, {
      ...options,
      maxHttpBufferSize: this.config.maxHttpBufferSize,
      cors: { origin: allowed === '*' ? true : allowed, credentials: false },
      allowRequest: (req, callback) => callback(null, isOriginAllowed(req, allowed)),
    } as ServerOptions);
    return server;
  }
}

/**
 * A browser handshake is allowed from the server's own origin and from
 * CORS_ORIGINS. Requests without an Origin header (Node clients, curl, mobile
 * apps) carry no ambient credentials here (the token is explicit), so they pass.
 */
export function isOriginAllowed(req: IncomingMessage, allowed: '*' | string[]): boolean {
  const origin = req.headers.origin;
  if (!origin || allowed === '*') return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
