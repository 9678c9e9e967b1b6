import { ArgumentMetadata, ValidationError, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import { AppError, FieldError } from './app-error';

/** Flattens class-validator's nested errors into `{ field: 'a.b[0].c', errors }`. */
export function toFieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const property = error.property ?? '';
    const field = !parent
      ? property || 'body'
      : /^\d+$/.test(property)
        ? `${parent}[${property}]`
        : `${parent}.${property}`;
    const own = error.constraints ? [{ field, errors: Object.values(error.constraints) }] : [];
    return [...own, ...toFieldErrors(error.children ?? [], field)];
  });
}

export function validationFailed(errors: ValidationError[]): AppError {
  const details = toFieldErrors(errors);
  const message = details.flatMap((d) => d.errors).join('; ') || 'Validation failed';
  return AppError.validation(message, details);
}

const NOT_AN_OBJECT = 'payload must be a JSON object';

/**
 * The ValidationPipe used by HTTP and WebSocket handlers alike: DTOs only,
 * unknown fields refused, errors as AppError(VALIDATION_FAILED) naming the
 * fields. A body that is not a plain object (string, number, array) is
 * refused as a whole rather than field by field.
 */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const isDto = typeof metadata.metatype === 'function' && !PRIMITIVES.has(metadata.metatype);
    if (
      isDto &&
      metadata.type === 'body' &&
      value !== undefined &&
      value !== null &&
      (typeof value !== 'object' || Array.isArray(value))
    ) {
      throw AppError.validation(NOT_AN_OBJECT, [{ field: 'body', errors: [NOT_AN_OBJECT] }]);
    }
    return super.transform(value, metadata);
  }
}

const PRIMITIVES = new Set<unknown>([String, Number, Boolean, Array, Object]);

const OPTIONS: ValidationPipeOptions = {
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  // Non-objects are refused above; DTOs without fields (e.g. getChatRooms) must still validate.
  forbidUnknownValues: false,
  validationError: { target: false, value: false },
  exceptionFactory: validationFailed,
};

export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe(OPTIONS);
}
