import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/app-error';
import { ChatConfig } from '../config/chat-config';
import type { ChatPrincipal } from '../config/chat-options';
import { authenticate, bearerToken } from './principal';

/** Where the guard leaves the principal on the request. */
export const PRINCIPAL_KEY = 'chatPrincipal';

export type ChatRequest = {
  headers: Record<string, string | string[] | undefined>;
  [PRINCIPAL_KEY]?: ChatPrincipal;
};

/** The chat's REST routes: the host's `authenticate` decides, with the request's bearer token and headers. */
@Injectable()
export class ChatAuthGuard implements CanActivate {
  constructor(private readonly config: ChatConfig) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ChatRequest>();
    const principal = await authenticate(this.config, {
      token: bearerToken(undefined, request.headers.authorization),
      headers: request.headers,
      transport: 'http',
    });
    if (!principal) throw new AppError(ErrorCode.UNAUTHORIZED, 'Unauthorized');
    request[PRINCIPAL_KEY] = principal;
    return true;
  }
}
