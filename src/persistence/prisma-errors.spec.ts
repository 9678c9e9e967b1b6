import { isRecordNotFound, isUniqueViolation, sqlState } from './prisma-errors';

describe('prisma errors', () => {
  it('should find the SQLSTATE of a raw query failing through a driver adapter', () => {
    const error = {
      code: 'P2010',
      meta: {
        driverAdapterError: {
          name: 'DriverAdapterError',
          cause: { originalCode: '23505', kind: 'UniqueConstraintViolation' },
        },
      },
    };
    expect(sqlState(error)).toBe('23505');
    expect(isUniqueViolation(error)).toBe(true);
  });

  it('should recognise unique violations from the query API and from the driver', () => {
    expect(isUniqueViolation({ code: 'P2002' })).toBe(true);
    expect(isUniqueViolation({ code: '23505' })).toBe(true);
    expect(isUniqueViolation({ code: 'P2010', meta: { code: '40P01' } })).toBe(false);
    expect(isUniqueViolation(new Error('nope'))).toBe(false);
    expect(isRecordNotFound({ code: 'P2025' })).toBe(true);
  });
});
