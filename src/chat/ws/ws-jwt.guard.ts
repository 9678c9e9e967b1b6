import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../../common/app-error';
import type { ChatSocket } from './chat-socket';

/**
 * Per-event check: the handshake authenticated the socket, but a token can
 * expire while the socket lives. An expired socket gets UNAUTHORIZED and is
 * disconnected; the client reconnects with a fresh token.
 */
@Injectable()
export class WsJwtGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const socket = context.switchToWs().getClient<ChatSocket>();
    const { userId, tokenExp } = socket.data;
    if (!userId) throw new AppError(ErrorCode.UNAUTHORIZED, 'Unauthorized');
    if (tokenExp * 1000 <= Date.now()) {
      setImmediate(() => socket.disconnect(true));
      throw new AppError(ErrorCode.UNAUTHORIZED, 'Token expired');
    }
    return true;
  }
}
