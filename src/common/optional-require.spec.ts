import { OPTIONAL_PEERS, optionalRequire } from './optional-require';

describe('optionalRequire', () => {
  it('returns the module when it is installed', () => {
    expect(optionalRequire<typeof import('path')>('path', 'Paths').join('a', 'b')).toBe('a/b');
  });

  it('names the feature and the whole install line when a peer is missing', () => {
    expect(() =>
      optionalRequire('@example/not-installed', 'The redis option', ['redis', '@example/not-installed']),
    ).toThrow('The redis option needs the package @example/not-installed: npm install redis @example/not-installed');
  });

  it('passes on an error that is not the package being missing', () => {
    jest.doMock(
      '@example/broken',
      () => {
        throw new Error('broken at load');
      },
      { virtual: true },
    );
    expect(() => optionalRequire('@example/broken', 'X', OPTIONAL_PEERS.redis)).toThrow('broken at load');
  });
});
