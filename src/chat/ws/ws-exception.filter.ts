import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import { AppError, ErrorCode } from '../../common/app-error';
import { toAppError } from '../../common/to-app-error';
import type { Ack } from '../chat.events';
import type { ChatSocket } from './chat-socket';

/**
 * Every failure of a socket event becomes `{ ok: false, error }` on its ack,
 * or an `exception` event when the client sent no ack. The socket stays
 * connected; internals are never sent.
 */
@Catch()
export class WsExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const [socket, ...rest] = host.getArgs<[ChatSocket, ...unknown[]]>();
    const error = toAppError(normalize(exception)).toBody();
    const ack = rest.find((arg): arg is (response: Ack<never>) => void => typeof arg === 'function');
    if (ack) ack({ ok: false, error });
    else socket.emit('exception', error);
  }
}

function normalize(exception: unknown): unknown {
  if (exception instanceof AppError) return exception;
  if (exception instanceof WsException) {
    const e = exception.getError();
    return new AppError(ErrorCode.FORBIDDEN, typeof e === 'string' ? e : 'Forbidden');
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code =
      status === 401
        ? ErrorCode.UNAUTHORIZED
        : status === 403
          ? ErrorCode.FORBIDDEN
          : status === 404
            ? ErrorCode.NOT_FOUND
            : status < 500
              ? ErrorCode.VALIDATION_FAILED
              : ErrorCode.INTERNAL;
    return code === ErrorCode.INTERNAL ? exception : new AppError(code, exception.message);
  }
  return exception;
}
