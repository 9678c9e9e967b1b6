import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { RateLimitKind } from '../config/chat-options';
import type { ChatSocket } from '../realtime/chat-socket';
import { ChatRequest, PRINCIPAL_KEY } from '../auth/chat-auth.guard';
import { RateLimitService } from './rate-limit.service';

const RATE_LIMIT_KIND = 'chat:rate-limit-kind';

/** Marks a handler (socket event or route) as counting against a per-user limit. */
export const RateLimit = (kind: Exclude<RateLimitKind, 'socketEvents'>): MethodDecorator =>
  SetMetadata(RATE_LIMIT_KIND, kind);

/**
 * Applies RateLimitService to sockets (every event counts against the
 * socket's flood limit; marked events also against the user's) and to HTTP
 * routes (marked routes, per user). Refusals are RATE_LIMITED errors.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly limits: RateLimitService,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const kind = this.reflector.get<Exclude<RateLimitKind, 'socketEvents'> | undefined>(
      RATE_LIMIT_KIND,
      context.getHandler(),
    );
    if (context.getType() === 'ws') {
      const socket = context.switchToWs().getClient<ChatSocket>();
      this.limits.consume('socketEvents', socket.id);
      if (kind) this.limits.consume(kind, socket.data.userId);
      return true;
    }
    const principal = context.switchToHttp().getRequest<ChatRequest>()[PRINCIPAL_KEY];
    if (kind && principal) this.limits.consume(kind, principal.userId);
    return true;
  }
}
