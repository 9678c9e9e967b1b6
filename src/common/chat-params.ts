import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { createValidationPipe } from './validation';

/**
 * The body and query of the chat's REST routes, validated by the chat's own
 * pipe. Custom decorators rather than `@Body()`/`@Query()` because a host's
 * global ValidationPipe runs before any scoped pipe on those and would answer
 * in its own format (without the fields named); global pipes skip custom
 * parameters unless told otherwise (`validateCustomDecorators`).
 */
const pipe = createValidationPipe();

const body = createParamDecorator((_: unknown, ctx: ExecutionContext): unknown => {
  return ctx.switchToHttp().getRequest<{ body?: unknown }>().body;
});
const query = createParamDecorator((_: unknown, ctx: ExecutionContext): unknown => {
  return ctx.switchToHttp().getRequest<{ query?: unknown }>().query;
});

export const ChatBody = (): ParameterDecorator => body(undefined, pipe);
export const ChatQuery = (): ParameterDecorator => query(undefined, pipe);
