import { ValidateBy, ValidationOptions } from 'class-validator';

/**
 * The most common passwords of 8 characters or more (shorter ones fail the
 * length rule anyway), from the published breach-corpus top lists: the first
 * guesses of any attacker. Compared case-insensitively.
 */
const COMMON_PASSWORDS = new Set([
  '12345678',
  '123456789',
  '1234567890',
  '12345678910',
  '87654321',
  '11111111',
  '00000000',
  '88888888',
  '123123123',
  '147258369',
  '1q2w3e4r',
  '1q2w3e4r5t',
  'qwertyui',
  'qwertyuiop',
  'qwerty123',
  'qwerty12',
  'asdfghjkl',
  'zaq12wsx',
  '1qaz2wsx',
  'abcd1234',
  'abc12345',
  'a1b2c3d4',
  'password',
  'password1',
  'password12',
  'password123',
  'passw0rd',
  'p@ssw0rd',
  'iloveyou',
  'sunshine',
  'princess',
  'football',
  'baseball',
  'superman',
  'starwars',
  'trustno1',
  'welcome1',
  'whatever',
  'letmein1',
  'changeme',
  'computer',
  'internet',
  'michelle',
  'jennifer',
  'corvette',
  'mercedes',
  'liverpool',
  'chocolate',
  'qwertyuiopasdfghjklzxcvbnm',
]);

/**
 * Why a password of the right length is still refused, or undefined: blank
 * (only whitespace), one character repeated, or one of the most common
 * passwords. Deliberately short, as NIST SP 800-63B suggests: a blocklist,
 * no composition rules.
 */
export function weakPasswordReason(password: string): string | undefined {
  if (password.trim() === '') return 'must not be only whitespace';
  if (new Set(password).size === 1) return 'must not be one character repeated';
  if (COMMON_PASSWORDS.has(password.toLowerCase())) return 'is one of the most common passwords';
  return undefined;
}

/** A password `weakPasswordReason` has nothing against (the length is checked apart). */
export function IsNotWeakPassword(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotWeakPassword',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || weakPasswordReason(value) === undefined,
        defaultMessage: (args) =>
          `${args?.property ?? 'password'} ${weakPasswordReason(String(args?.value)) ?? 'is too weak'}`,
      },
    },
    options,
  );
}
