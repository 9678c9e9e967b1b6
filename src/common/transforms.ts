import type { TransformFnParams } from 'class-transformer';

/** Trims strings and leaves other types for the validators to reject. */
export const trim = ({ value }: TransformFnParams): unknown => (typeof value === 'string' ? value.trim() : value);
