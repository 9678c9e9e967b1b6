import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../../common/app-error';
import { ChatLifecycle } from '../chat-lifecycle';
import type { ChatSocket } from './chat-socket';

/**
 * Per-event check: the handshake authenticated the socket, but a token can
 * expire while the socket lives. An expired socket gets UNAUTHORIZED and is
 * disconnected; the client reconnects with a fresh token. While the node
 * drains for shutdown, new events are refused with UNAVAILABLE.
 */
@Injectable()
export class WsJwtGuard implements CanActivate {
  constructor(private readonly lifecycle: ChatLifecycle) {}

  canActivate(context: ExecutionContext): boolean {
    const socket = context.switchToWs().getClient<ChatSocket>();
    const { userId, tokenExp } = socket.data;
    if (!userId) throw new AppError(ErrorCode.UNAUTHORIZED, 'Unauthorized');
    if (tokenExp * 1000 <= Date.now()) {
      setImmediate(() => socket.disconnect(true));
      throw new AppError(ErrorCode.UNAUTHORIZED, 'Token expired');
    }
    if (this.lifecycle.isDraining) throw new AppError(ErrorCode.UNAVAILABLE, 'Server is shutting down; reconnect');
    return true;
  }
}
