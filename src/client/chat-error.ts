import type { ErrorBody, ErrorCode } from '../contract/chat.events';

/**
 * The server's error codes, and the client's own: `TIMEOUT` (no ack in time), `DISCONNECTED` (the connection
 * dropped before the ack: the event may or may not have been handled), `CLOSED` (`close()` was called).
 */
export type ChatErrorCode = ErrorCode | 'TIMEOUT' | 'DISCONNECTED' | 'CLOSED';

/** What a typed call rejects with: the failed ack's `code`, `message` and `details`. */
export class ChatError extends Error {
  override readonly name = 'ChatError';

  constructor(
    readonly code: ChatErrorCode,
    message: string,
    readonly details?: ErrorBody['details'],
  ) {
    super(message);
  }

  static fromBody(body: ErrorBody): ChatError {
    return new ChatError(body.code, body.message, body.details);
  }
}

/** Codes after which the same event may succeed later (the connection, the server or a limit recovers). */
const TRANSIENT: ReadonlySet<ChatErrorCode> = new Set<ChatErrorCode>([
  'TIMEOUT',
  'DISCONNECTED',
  'UNAVAILABLE',
  'RATE_LIMITED',
  'UNAUTHORIZED',
]);

export function isTransient(error: unknown): error is ChatError {
  return error instanceof ChatError && TRANSIENT.has(error.code);
}

/** `details.retryAfterMs` of a RATE_LIMITED error, if given. */
export function retryAfterMs(error: ChatError): number | undefined {
  const details = error.details as { retryAfterMs?: unknown } | undefined;
  return typeof details?.retryAfterMs === 'number' ? details.retryAfterMs : undefined;
}
