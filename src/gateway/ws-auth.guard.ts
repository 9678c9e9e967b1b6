import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { sessionEnded } from '../auth/principal';
import { AppError, ErrorCode } from '../common/app-error';
import type { ChatSocket } from '../realtime/chat-socket';
import { ChatLifecycle } from './chat-lifecycle';

/**
 * Per-event check: the handshake authenticated the socket, but a session can
 * end while the socket lives. An ended one gets UNAUTHORIZED and is
 * disconnected; the client reconnects with a fresh token. While the node
 * drains for shutdown, new events are refused with UNAVAILABLE.
 */
@Injectable()
export class WsAuthGuard implements CanActivate {
  constructor(private readonly lifecycle: ChatLifecycle) {}

  canActivate(context: ExecutionContext): boolean {
    const socket = context.switchToWs().getClient<ChatSocket>();
    const { userId, principal } = socket.data;
    if (!userId || !principal) throw new AppError(ErrorCode.UNAUTHORIZED, 'Unauthorized');
    if (sessionEnded(principal, Date.now())) {
      setImmediate(() => socket.disconnect(true));
      throw new AppError(ErrorCode.UNAUTHORIZED, 'Token expired');
    }
    if (this.lifecycle.isDraining) throw new AppError(ErrorCode.UNAVAILABLE, 'Server is shutting down; reconnect');
    return true;
  }
}
