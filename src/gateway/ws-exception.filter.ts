import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import { AppError, codeForStatus, ErrorCode } from '../common/app-error';
import { toAppError } from '../common/to-app-error';
import type { Ack } from '../contract/chat.events';
import type { ChatSocket } from '../realtime/chat-socket';

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
    // 5xx stays as it is: toAppError logs it and sends INTERNAL without its message.
    const status = exception.getStatus();
    return status < 500 ? new AppError(codeForStatus(status), exception.message) : exception;
  }
  return exception;
}
