/** Error codes and bodies, as both transports carry them (HTTP body, failed ack). */
export const ErrorCode = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  /** A limit of the users named in `details.userIds` is reached (e.g. `limits.maxRoomsPerUser`): nothing changed. */
  LIMIT_REACHED: 'LIMIT_REACHED',
  RATE_LIMITED: 'RATE_LIMITED',
  /** The host's `beforeSend` hook refused the message: nothing was stored. */
  MESSAGE_REJECTED: 'MESSAGE_REJECTED',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
  /** A socket event the server does not handle (answered only when the client passed an ack). */
  UNKNOWN_EVENT: 'UNKNOWN_EVENT',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface FieldError {
  field: string;
  errors: string[];
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: FieldError[] | Record<string, unknown>;
}
