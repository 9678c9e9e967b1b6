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
 * Applies RateLimitService to sockets (every event counts against the user's
 * flood limit, whichever of their sockets sends it; marked events also
 * against the marked limit) and to HTTP routes (marked routes). Always keyed
 * by user. Refusals are RATE_LIMITED errors.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly limits: RateLimitService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const kind = this.reflector.get<Exclude<RateLimitKind, 'socketEvents'> | undefined>(
      RATE_LIMIT_KIND,
      context.getHandler(),
    );
    if (context.getType() === 'ws') {
      const { userId } = context.switchToWs().getClient<ChatSocket>().data;
      await this.limits.consume('socketEvents', userId);
      if (kind) await this.limits.consume(kind, userId);
      return true;
    }
    const principal = context.switchToHttp().getRequest<ChatRequest>()[PRINCIPAL_KEY];
    if (kind && principal) await this.limits.consume(kind, principal.userId);
    return true;
  }
}
