import type { IncomingHttpHeaders } from 'node:http';
import { authenticate, bearerToken } from '../auth/principal';
import type { ChatConfig } from '../config/chat-config';
import type { ChatSocket } from '../realtime/chat-socket';

type Next = (err?: Error) => void;

/** The message every refused credential carries, whatever was wrong with it: no hints to an attacker. */
export const UNAUTHORIZED = 'Unauthorized';

/**
 * A browser may open a chat socket from the server's own origin and from
 * `allowedOrigins`. Checked on the handshake, so it covers both transports
 * (CORS headers alone do not stop a websocket upgrade). Requests without an
 * Origin (Node clients, mobile apps) carry no ambient credentials here (the
 * token is explicit), so they pass.
 */
export function isOriginAllowed(headers: IncomingHttpHeaders, allowed: '*' | string[]): boolean {
  const origin = headers.origin?.toLowerCase();
  if (!origin || allowed === '*') return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === headers.host;
  } catch {
    return false;
  }
}

/**
 * Namespace middleware: runs once per connection, before `connection`, so an
 * unauthenticated socket never joins a room or reaches a handler (Nest guards
 * only run per message). The host's `authenticate` decides, given the token
 * from `auth.token` or an `Authorization: Bearer` header; a token in the URL
 * query is refused because URLs end up in logs.
 */
export function handshakeAuth(config: ChatConfig) {
  return (socket: ChatSocket, next: Next): void => {
    const { auth, headers, query } = socket.handshake;
    if (!isOriginAllowed(headers, config.allowedOrigins)) return next(new Error('Origin not allowed'));
    if (query && typeof query === 'object' && 'token' in query) return next(new Error(UNAUTHORIZED));
    const token = bearerToken((auth as Record<string, unknown> | undefined)?.token, headers.authorization);
    // Before asking: a token revoked while `authenticate` runs may still pass it (see ChatSessionsService.admit).
    const authenticatedAt = Date.now();
    authenticate(config, { token, headers, transport: 'websocket' }).then(
      (principal) => {
        if (!principal) return next(new Error(UNAUTHORIZED));
        socket.data.userId = principal.userId;
        socket.data.principal = principal;
        socket.data.authenticatedAt = authenticatedAt;
        // Verified and no longer needed: not kept for the socket's whole life.
        if (auth && typeof auth === 'object') delete (auth as Record<string, unknown>).token;
        next();
      },
      // An outage, not a refusal: the client retries (socket.io-client reconnects on its own).
      () => next(new Error('Service unavailable')),
    );
  };
}
