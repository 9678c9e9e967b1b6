import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { finalize, map, Observable } from 'rxjs';
import type { Ack } from '../contract/chat.events';
import { ChatLifecycle } from './chat-lifecycle';

/**
 * Wraps every handler result as `{ ok: true, data }` (failures become
 * `{ ok: false, error }` in WsExceptionFilter) and counts events in flight,
 * so a graceful shutdown can let them finish.
 */
@Injectable()
export class WsAckInterceptor<T> implements NestInterceptor<T, Ack<T>> {
  constructor(private readonly lifecycle: ChatLifecycle) {}

  intercept(_context: ExecutionContext, next: CallHandler<T>): Observable<Ack<T>> {
    this.lifecycle.enter();
    return next.handle().pipe(
      map((data) => ({ ok: true as const, data })),
      finalize(() => this.lifecycle.leave()),
    );
  }
}
