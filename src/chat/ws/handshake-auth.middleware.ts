import type { Socket } from 'socket.io';
import type { TokenService } from '../../auth/token.service';
import type { SocketData } from '../chat.events';

type Next = (err?: Error) => void;

/** The message every refused handshake carries, whatever was wrong: no hints to an attacker. */
export const UNAUTHORIZED = 'Unauthorized';

/**
 * Namespace middleware: runs once per connection, before `connection`, so an
 * unauthenticated socket never joins a room or reaches a handler (Nest guards
 * only run per message). The token comes from `auth.token` or an
 * `Authorization: Bearer` header; a token in the URL query is refused because
 * URLs end up in logs.
 */
export function handshakeAuth(tokens: TokenService) {
  return (socket: Socket, next: Next): void => {
    const { auth, headers, query } = socket.handshake;
    if (query && typeof query === 'object' && 'token' in query) return next(new Error(UNAUTHORIZED));
    const token = tokenFrom(auth, headers.authorization);
    const claims = token ? tokens.verify(token) : undefined;
    if (!claims || typeof claims.exp !== 'number') return next(new Error(UNAUTHORIZED));
    const data: SocketData = {
      userId: claims.sub,
      email: claims.email,
      tokenExp: claims.exp,
      tokenVersion: claims.ver ?? 0,
    };
    Object.assign(socket.data as SocketData, data);
    // Verified and no longer needed: not kept for the socket's whole life.
    if (auth && typeof auth === 'object') delete auth.token;
    next();
  };
}

function tokenFrom(auth: Record<string, unknown> | undefined, authorization: string | undefined): string | undefined {
  const fromAuth = auth?.token;
  if (typeof fromAuth === 'string' && fromAuth.length > 0) return fromAuth.replace(/^Bearer\s+/i, '');
  const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
  return match?.[1];
}
