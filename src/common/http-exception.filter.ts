import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { AppError, codeForStatus, ErrorCode, HTTP_STATUS_BY_CODE } from './app-error';
import { toAppError } from './to-app-error';

const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Renders every HTTP error as Nest's familiar JSON (`statusCode`, `message`,
 * `error`) plus our `code` and, for validation, `details` naming the fields.
 * Nothing internal (stack, SQL, driver messages) ever reaches the client.
 * Scoped to the chat's controllers: the host's own routes keep its filters.
 */
@Catch()
export class ChatHttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ChatHttp');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    const { status, body } = this.render(exception);
    if (status >= 500) {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    const retryAfter = retryAfterSeconds(status, body);
    if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
    res.status(status).json({ statusCode: status, error: REASON[status] ?? 'Error', ...body });
  }

  private render(exception: unknown): { status: number; body: object } {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'object' && response !== null && 'message' in response
          ? response.message
          : exception.message;
      return { status, body: { code: codeForStatus(status), message } };
    }
    const bodyParserError = asBodyParserError(exception);
    if (bodyParserError) return bodyParserError;
    const error: AppError = toAppError(exception);
    return { status: HTTP_STATUS_BY_CODE[error.code], body: error.toBody() };
  }
}

/** A 429 carrying `details.retryAfterMs` (RATE_LIMITED) tells the client when to retry, in whole seconds (RFC 9110). */
function retryAfterSeconds(status: number, body: object): number | undefined {
  if (status !== 429) return undefined;
  const ms = (body as { details?: { retryAfterMs?: unknown } }).details?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) ? Math.max(1, Math.ceil(ms / 1000)) : undefined;
}

/** express' body parser throws plain errors with `type` and `status`. */
function asBodyParserError(exception: unknown): { status: number; body: object } | undefined {
  if (typeof exception !== 'object' || exception === null || !('type' in exception)) return undefined;
  const { type } = exception;
  if (type === 'entity.parse.failed') {
    return { status: 400, body: { code: ErrorCode.VALIDATION_FAILED, message: 'Malformed JSON body' } };
  }
  if (type === 'entity.too.large') {
    return { status: 413, body: { code: ErrorCode.VALIDATION_FAILED, message: 'Request body too large' } };
  }
  if ((typeof type === 'string' && type.startsWith('encoding.')) || type === 'charset.unsupported') {
    return { status: 415, body: { code: ErrorCode.VALIDATION_FAILED, message: 'Unsupported body encoding' } };
  }
  return undefined;
}
