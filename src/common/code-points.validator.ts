import { buildMessage, ValidateBy, ValidationOptions } from 'class-validator';

/**
 * The length of `s` in Unicode code points, the unit of every text limit of
 * the chat: an emoji counts as one character, as users count it, not as the
 * two UTF-16 units of `s.length`. Same as `[...s].length`, without the array.
 */
export function codePointLength(s: string): number {
  let count = 0;
  for (let i = 0; i < s.length; i++, count++) {
    const unit = s.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return count;
}

/** A string of `min` to `max` characters (code points); `@Length` would count UTF-16 units. */
export function LengthInCodePoints(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'lengthInCodePoints',
      constraints: [min, max],
      validator: {
        validate: (value: unknown) => typeof value === 'string' && inRange(codePointLength(value), min, max),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be ${min === max ? `${min}` : `${min} to ${max}`} characters`,
          options,
        ),
      },
    },
    options,
  );
}

/** A string of at most `max` characters (code points); `@MaxLength` would count UTF-16 units. */
export function MaxCodePoints(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxCodePoints',
      constraints: [max],
      validator: {
        // Anything longer in UTF-16 units than 2 × max is over the limit without counting.
        validate: (value: unknown) =>
          typeof value === 'string' &&
          (value.length <= max || (value.length <= 2 * max && codePointLength(value) <= max)),
        defaultMessage: buildMessage((each) => `${each}$property must be at most ${max} characters`, options),
      },
    },
    options,
  );
}

function inRange(n: number, min: number, max: number): boolean {
  return n >= min && n <= max;
}
