import { Logger } from '@nestjs/common';
import { ChatConfig } from '../config/chat-config';
import type { ChatAuthContext, ChatModuleOptions, ChatPrincipal } from '../config/chat-options';
import { authenticate, bearerToken, sessionEnded } from './principal';

const NOW = new Date('2026-01-01T12:00:00Z');
const context: ChatAuthContext = { token: 'T', headers: {}, transport: 'websocket' };

function configWith(hostAuthenticate: ChatModuleOptions['authenticate']): ChatConfig {
  return new ChatConfig({
    authenticate: hostAuthenticate,
    users: { findByIds: async () => [] },
    database: { dataDir: '/tmp/principal-spec' },
  });
}

/** What `authenticate()` makes of the host's answer. */
function resultOf(answer: unknown): Promise<ChatPrincipal | null> {
  return authenticate(
    configWith(() => answer as ChatPrincipal),
    context,
  );
}

describe('authenticate', () => {
  beforeEach(() => jest.useFakeTimers({ now: NOW }));
  afterEach(() => jest.useRealTimers());

  it('should hand the host the context and return its principal', async () => {
    const host = jest.fn().mockResolvedValue({ userId: 'u1', claims: { ver: 3 } });
    await expect(authenticate(configWith(host), context)).resolves.toEqual({ userId: 'u1', claims: { ver: 3 } });
    expect(host).toHaveBeenCalledWith(context);
  });

  it('should accept a principal whose session ends later', async () => {
    const expiresAt = new Date(NOW.getTime() + 1);
    await expect(resultOf({ userId: 'u1', expiresAt })).resolves.toEqual({ userId: 'u1', expiresAt });
  });

  it('should accept a user id of 255 characters', async () => {
    const userId = 'x'.repeat(255);
    await expect(resultOf({ userId })).resolves.toEqual({ userId });
  });

  it('should count a user id in code points: 255 emoji are 255 characters', async () => {
    const userId = '😀'.repeat(255);
    await expect(resultOf({ userId })).resolves.toEqual({ userId });
  });

  it('should take a numeric userId as its decimal string', async () => {
    await expect(resultOf({ userId: 42 })).resolves.toEqual({ userId: '42' });
  });

  it('should return null when the host throws', async () => {
    const config = configWith(() => {
      throw new Error('token store down');
    });
    await expect(authenticate(config, context)).resolves.toBeNull();
  });

  it('should return null when the host rejects', async () => {
    await expect(
      authenticate(
        configWith(() => Promise.reject(new Error('no'))),
        context,
      ),
    ).resolves.toBeNull();
  });

  it.each<[string, Error]>([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' })],
    ['a pool that cannot connect', new Error('timeout exceeded when trying to connect')],
  ])('should throw UNAVAILABLE, not refuse, when the host fails with %s', async (_, outage) => {
    const config = configWith(() => Promise.reject(outage));
    await expect(authenticate(config, context)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'u1'],
    ['no userId', {}],
    ['an empty userId', { userId: '' }],
    ['a userId of 256 characters', { userId: 'x'.repeat(256) }],
    ['a userId with a NUL byte', { userId: 'u\u00001' }],
    ['a userId with a lone surrogate', { userId: 'u\ud800' }],
    ['a userId that is an object', { userId: { id: 'u1' } }],
    ['an expiresAt in the past', { userId: 'u1', expiresAt: new Date(NOW.getTime() - 1) }],
    ['an expiresAt of now', { userId: 'u1', expiresAt: NOW }],
    ['an invalid Date', { userId: 'u1', expiresAt: new Date('not a date') }],
    ['an expiresAt that is not a Date', { userId: 'u1', expiresAt: NOW.getTime() + 60_000 }],
  ])('should return null for %s', async (_, answer) => {
    await expect(resultOf(answer)).resolves.toBeNull();
  });

  it("should tell the host once about a result that is its bug, and never about a user's refusal", async () => {
    // A fresh copy of the module: the cases above have already been reported by this one.
    let fresh!: typeof import('./principal');
    let FreshLogger!: typeof Logger;
    jest.isolateModules(() => {
      fresh = jest.requireActual<typeof import('./principal')>('./principal');
      FreshLogger = jest.requireActual<typeof import('@nestjs/common')>('@nestjs/common').Logger;
    });
    const answer = (value: unknown) =>
      fresh.authenticate(
        configWith(() => value as ChatPrincipal),
        context,
      );
    const warn = jest.spyOn(FreshLogger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      await answer(null);
      await answer({ userId: 'u1', expiresAt: new Date(NOW.getTime() - 1) });
      expect(warn).not.toHaveBeenCalled();
      await expect(answer({ userId: 'u1', expiresAt: 'tomorrow' })).resolves.toBeNull();
      await answer({ userId: 'u2', expiresAt: 'tomorrow' });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toMatch(/authenticate returned an expiresAt that is not a valid Date/);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('sessionEnded', () => {
  const now = NOW.getTime();

  it('should never end a session without expiresAt', () => {
    expect(sessionEnded({}, now)).toBe(false);
  });

  it('should end the session at expiresAt, not a millisecond later', () => {
    expect(sessionEnded({ expiresAt: new Date(now + 1) }, now)).toBe(false);
    expect(sessionEnded({ expiresAt: new Date(now) }, now)).toBe(true);
    expect(sessionEnded({ expiresAt: new Date(now - 1) }, now)).toBe(true);
  });
});

describe('bearerToken', () => {
  it('should read a bare "Bearer " as no token at all', () => {
    expect(bearerToken('Bearer ', undefined)).toBeUndefined();
  });

  it('should take auth.token as it is', () => {
    expect(bearerToken('abc.def', undefined)).toBe('abc.def');
  });

  it('should strip a leading "Bearer " from auth.token, in any case', () => {
    expect(bearerToken('Bearer abc.def', undefined)).toBe('abc.def');
    expect(bearerToken('bearer  abc.def', undefined)).toBe('abc.def');
  });

  it('should prefer auth.token to the Authorization header', () => {
    expect(bearerToken('from-auth', 'Bearer from-header')).toBe('from-auth');
  });

  it('should take the token of an Authorization header when auth.token is absent', () => {
    expect(bearerToken(undefined, 'Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('', 'bearer abc.def')).toBe('abc.def');
    expect(bearerToken(undefined, ['Bearer first', 'Bearer second'])).toBe('first');
  });

  it.each<[string, unknown, string | string[] | undefined]>([
    ['nothing', undefined, undefined],
    ['an auth.token that is not a string', 123, undefined],
    ['a header of another scheme', undefined, 'Basic dXNlcjpwYXNz'],
    ['a header without a token', undefined, 'Bearer '],
    ['a header with two tokens', undefined, 'Bearer a b'],
    ['a header with no space', undefined, 'Bearerabc'],
    ['an empty header list', undefined, []],
  ])('should find no token in %s', (_, authToken, authorization) => {
    expect(bearerToken(authToken, authorization)).toBeUndefined();
  });
});
