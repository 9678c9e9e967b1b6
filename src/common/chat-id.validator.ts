import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { isUUID, IsUUID } from 'class-validator';

/**
 * Room and message ids are the chat's UUIDs, which it issues and stores in
 * lower case. The same UUID in upper case is accepted and lower-cased here,
 * at validation, so the services, the database and the socket.io channel
 * names (`chat:<id>`) only ever see the canonical form.
 */
export function isChatId(value: unknown): value is string {
  return typeof value === 'string' && isUUID(value, 'all');
}

/** The canonical (lower-case) form of a chat id; other values are left for the validators to refuse. */
export function normalizeChatId(value: unknown): unknown {
  return isChatId(value) ? value.toLowerCase() : value;
}

/** A room or message id in a DTO: a UUID, lower-cased before it reaches the handler. */
export function IsChatId(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => normalizeChatId(value)),
    IsUUID('all', { message: '$property must be a UUID' }),
  );
}
