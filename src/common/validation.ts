import { ArgumentMetadata, ValidationError, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import { AppError, FieldError } from './app-error';
import { unstorableFields, unstorableMessage } from './storable-text';

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
/** Deeper than any DTO here (message → attachments → attachment is 3); refused before class-transformer recurses. */
const MAX_DEPTH = 8;
const TOO_DEEP = `payload must not be nested more than ${MAX_DEPTH} levels deep`;

/** Iterative, so hostile nesting cannot overflow the stack while we measure it. */
function depthExceeds(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Every string of a payload PostgreSQL and JSON can hold, or VALIDATION_FAILED naming the others. */
function assertStorable(value: unknown, root: string): void {
  const fields = unstorableFields(value, root);
  if (fields.length === 0) return;
  const details = fields.map((field) => ({ field, errors: [unstorableMessage(field)] }));
  throw AppError.validation(details.flatMap((d) => d.errors).join('; '), details);
}

/**
 * The ValidationPipe used by HTTP and WebSocket handlers alike: DTOs only,
 * unknown fields refused, errors as AppError(VALIDATION_FAILED) naming the
 * fields. A body that is not a plain object (string, number, array) is
 * refused as a whole rather than field by field. A string PostgreSQL or JSON
 * cannot hold (a NUL, an unpaired surrogate) is refused wherever it is in
 * the payload, before any DTO rule runs.
 */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const isDto = typeof metadata.metatype === 'function' && !PRIMITIVES.has(metadata.metatype);
    if (
      isDto &&
      (metadata.type === 'body' || metadata.type === 'custom') &&
      value !== undefined &&
      value !== null &&
      (typeof value !== 'object' || Array.isArray(value))
    ) {
      throw AppError.validation(NOT_AN_OBJECT, [{ field: 'body', errors: [NOT_AN_OBJECT] }]);
    }
    if (isDto && depthExceeds(value, MAX_DEPTH)) {
      throw AppError.validation(TOO_DEEP, [
        { field: metadata.type === 'query' ? 'query' : 'body', errors: [TOO_DEEP] },
      ]);
    }
    // DTOs (depth bounded above) and plain string parameters; not what other parameters carry (the socket).
    if (isDto || typeof value === 'string') assertStorable(value, metadata.data ?? 'body');
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
  // The chat's REST bodies and queries come through its own parameter decorators (chat-params.ts).
  validateCustomDecorators: true,
};

export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe(OPTIONS);
}
