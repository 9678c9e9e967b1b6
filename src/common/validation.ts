import { ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, FieldError } from './app-error';

/** Flattens class-validator's nested errors into `{ field: 'a.b[0].c', errors }`. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent
      ? /^\d+$/.test(error.property)
        ? `${parent}[${error.property}]`
        : `${parent}.${error.property}`
      : error.property;
    const own = error.constraints ? [{ field, errors: Object.values(error.constraints) }] : [];
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

export function validationFailed(errors: ValidationError[]): AppError {
  const details = toFieldErrors(errors);
  const message = details.flatMap((d) => d.errors).join('; ') || 'Validation failed';
  return AppError.validation(message, details);
}

/** The one validation pipe used by HTTP and WebSocket handlers alike. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: validationFailed,
  });
}
