import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ChatRequest, PRINCIPAL_KEY } from './chat-auth.guard';

/** The id of the user ChatAuthGuard authenticated for this request. */
export const CurrentUserId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  return ctx.switchToHttp().getRequest<ChatRequest>()[PRINCIPAL_KEY]!.userId;
});
