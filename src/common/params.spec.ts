import type { ArgumentMetadata } from '@nestjs/common';
import { AppError } from './app-error';
import { userIdParam, uuidParam } from './params';

const ID = '3f2a7c1e-9b4d-4e8a-a1c2-0d5e6f7a8b9c';
const param = (data: string): ArgumentMetadata => ({ type: 'param', data, metatype: String });

function failure(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('uuidParam', () => {
  it('should lower-case an upper-case UUID', () => {
    expect(uuidParam.transform(ID.toUpperCase(), param('id'))).toBe(ID);
    expect(uuidParam.transform(ID, param('id'))).toBe(ID);
  });

  it('should refuse anything else with VALIDATION_FAILED naming the parameter', () => {
    expect(failure(() => uuidParam.transform('not-a-uuid', param('id'))).toBody()).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'id must be a UUID',
      details: [{ field: 'id', errors: ['id must be a UUID'] }],
    });
  });
});

describe('userIdParam', () => {
  it('should pass a host user id through', () => {
    expect(userIdParam.transform('42', param('userId'))).toBe('42');
  });

  it.each([
    ['a NUL', 'a\u0000b'],
    ['a lone surrogate', '\ud800'],
    ['an empty id', ''],
  ])('should refuse %s naming the parameter', (_, value) => {
    expect(failure(() => userIdParam.transform(value, param('userId'))).details).toEqual([
      { field: 'userId', errors: [expect.any(String)] },
    ]);
  });
});
