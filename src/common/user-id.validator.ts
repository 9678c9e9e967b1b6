import { IsString, Length, ValidationOptions } from 'class-validator';
import { applyDecorators } from '@nestjs/common';
import { MAX_USER_ID_LENGTH } from '../auth/principal';

/** A host user id: a string of 1..255 characters (integers arrive as "42"). */
export function IsUserId(options: { each?: boolean } = {}): PropertyDecorator {
  const each: ValidationOptions = options.each ? { each: true } : {};
  const what = options.each ? 'each value in $property' : '$property';
  return applyDecorators(
    IsString({ ...each, message: `${what} must be a user id (a string)` }),
    Length(1, MAX_USER_ID_LENGTH, { ...each, message: `${what} must be 1 to ${MAX_USER_ID_LENGTH} characters` }),
  );
}
