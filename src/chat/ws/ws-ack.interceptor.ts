import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { map, Observable } from 'rxjs';
import type { Ack } from '../chat.events';

/** Wraps every handler result as `{ ok: true, data }`; failures become `{ ok: false, error }` in WsExceptionFilter. */
@Injectable()
export class WsAckInterceptor<T> implements NestInterceptor<T, Ack<T>> {
  intercept(_context: ExecutionContext, next: CallHandler<T>): Observable<Ack<T>> {
    return next.handle().pipe(map((data) => ({ ok: true as const, data })));
  }
}
