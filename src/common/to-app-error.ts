import { Logger } from '@nestjs/common';
import { AppError, ErrorCode } from './app-error';

const logger = new Logger('Errors');

/** Driver/ORM errors that mean "the database is unreachable right now". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'P1001',
  'P1002',
  'P1017',
  'P2024',
  '57P01',
  '57P03',
  // A statement cancelled by statement_timeout: rolled back, worth retrying.
  '57014',
]);

/**
 * Turns anything thrown into an AppError. Known AppErrors pass through; the
 * database being down becomes UNAVAILABLE; everything else becomes INTERNAL
 * with a generic message (the original is logged, never sent).
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isUnavailable(error)) {
    return new AppError(ErrorCode.UNAVAILABLE, 'Service temporarily unavailable');
  }
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return new AppError(ErrorCode.INTERNAL, 'Internal error');
}

/** node-postgres reports lost or impossible connections by message, without a code. */
const UNAVAILABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout|connect ECONNREFUSED|DatabaseNotReachable/i;

export function isUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code, originalCode, message, kind, meta } = e as {
      code?: unknown;
      originalCode?: unknown;
      message?: unknown;
      kind?: unknown;
      meta?: { driverAdapterError?: unknown };
    };
    for (const candidate of [code, originalCode]) {
      if (typeof candidate === 'string' && UNAVAILABLE_CODES.has(candidate)) return true;
    }
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
    if (kind === 'DatabaseNotReachable' || kind === 'ConnectionClosed') return true;
    // Raw queries through a driver adapter fail as P2010 with the driver's error in meta.
    e = (e as { cause?: unknown }).cause ?? meta?.driverAdapterError;
  }
  return false;
}
