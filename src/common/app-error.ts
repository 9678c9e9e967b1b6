import { ErrorBody, ErrorCode, FieldError } from '../contract/errors';

export { ErrorCode };
export type { ErrorBody, FieldError };

/**
 * The transport-neutral error every service throws. The HTTP filter maps
 * `code` to a status; the WebSocket layer turns it into a failed ack.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorBody['details'],
  ) {
    super(message);
    this.name = 'AppError';
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static notFound(what: string): AppError {
    return new AppError(ErrorCode.NOT_FOUND, `${what} not found`);
  }

  static forbidden(message = 'Forbidden'): AppError {
    return new AppError(ErrorCode.FORBIDDEN, message);
  }

  static conflict(message: string): AppError {
    return new AppError(ErrorCode.CONFLICT, message);
  }

  static validation(message: string, details?: FieldError[]): AppError {
    return new AppError(ErrorCode.VALIDATION_FAILED, message, details);
  }
}

export const HTTP_STATUS_BY_CODE: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  // After CONFLICT: codeForStatus(409) stays CONFLICT.
  LIMIT_REACHED: 409,
  RATE_LIMITED: 429,
  MESSAGE_REJECTED: 422,
  UNAVAILABLE: 503,
  INTERNAL: 500,
  // Socket events only (an unknown route is Nest's own 404); after NOT_FOUND, so codeForStatus(404) stays NOT_FOUND.
  UNKNOWN_EVENT: 404,
};

/** The error code of an HTTP status (Nest's own HttpExceptions), for transports that speak codes. */
export function codeForStatus(status: number): ErrorCode {
  const found = (Object.entries(HTTP_STATUS_BY_CODE) as [ErrorCode, number][]).find(([, s]) => s === status);
  if (found) return found[0];
  return status < 500 ? ErrorCode.VALIDATION_FAILED : ErrorCode.INTERNAL;
}
