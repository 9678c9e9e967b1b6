import { weakPasswordReason } from './password.validator';

describe(weakPasswordReason.name, () => {
  it.each([
    ['only whitespace', '        ', 'must not be only whitespace'],
    ['tabs and spaces', ' \t \t \t \t', 'must not be only whitespace'],
    ['one digit repeated', '11111111', 'must not be one character repeated'],
    ['one letter repeated', 'zzzzzzzzzz', 'must not be one character repeated'],
    ['a common password', '12345678', 'is one of the most common passwords'],
    ['a common password in another case', 'PassWord1', 'is one of the most common passwords'],
  ])('should refuse %s', (_, password, reason) => {
    expect(weakPasswordReason(password)).toBe(reason);
  });

  it.each([['correct horse battery'], ['hopper-1906'], ['  spaced out  ']])('should accept %j', (password) => {
    expect(weakPasswordReason(password)).toBeUndefined();
  });
});
