import type { TransformFnParams } from 'class-transformer';

/** Trims and lower-cases strings (emails), leaving other types for the validators. */
export const normalizeEmail = ({ value }: TransformFnParams): unknown =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

/** Trims strings and leaves other types for the validators to reject. */
export const trim = ({ value }: TransformFnParams): unknown => (typeof value === 'string' ? value.trim() : value);
