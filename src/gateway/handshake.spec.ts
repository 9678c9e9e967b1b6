import type { IncomingHttpHeaders } from 'node:http';
import { ChatConfig } from '../config/chat-config';
import type { ChatModuleOptions, ChatPrincipal } from '../config/chat-options';
import type { ChatSocket } from '../realtime/chat-socket';
import { handshakeAuth, isOriginAllowed, UNAUTHORIZED } from './handshake';

describe('isOriginAllowed', () => {
  const host = 'chat.example.test';

  it('should let a request without an Origin through', () => {
    expect(isOriginAllowed({ host }, [])).toBe(true);
  });

  it('should let the server’s own origin through', () => {
    expect(isOriginAllowed({ host, origin: 'https://chat.example.test' }, [])).toBe(true);
    expect(isOriginAllowed({ host: 'localhost:3000', origin: 'http://localhost:3000' }, [])).toBe(true);
  });

  it('should let a listed origin through', () => {
    expect(isOriginAllowed({ host, origin: 'https://app.example.test' }, ['https://app.example.test'])).toBe(true);
  });

  it('should match a listed origin whatever the case of the Origin header', () => {
    expect(isOriginAllowed({ host, origin: 'https://App.Example.TEST' }, ['https://app.example.test'])).toBe(true);
  });

  it.each<[string, IncomingHttpHeaders, string[]]>([
    ['another site', { host, origin: 'https://evil.example.test' }, ['https://app.example.test']],
    ['another port of the same host', { host: 'localhost:3000', origin: 'http://localhost:4000' }, []],
    ['a subdomain of the host', { host, origin: 'https://x.chat.example.test' }, []],
    ['a listed origin with another scheme', { host, origin: 'http://app.example.test' }, ['https://app.example.test']],
    ['an unparseable origin', { host, origin: 'not a url' }, []],
    ['the opaque origin null', { host: 'null', origin: 'null' }, []],
  ])('should refuse %s', (_, headers, allowed) => {
    expect(isOriginAllowed(headers, allowed)).toBe(false);
  });

  it('should let any origin through with *', () => {
    expect(isOriginAllowed({ host, origin: 'https://evil.example.test' }, '*')).toBe(true);
  });
});

describe('handshakeAuth', () => {
  interface FakeSocket {
    handshake: { auth: Record<string, unknown>; headers: IncomingHttpHeaders; query: Record<string, unknown> };
    data: Partial<ChatSocket['data']>;
  }

  let hostAuthenticate: jest.Mock<
    ReturnType<ChatModuleOptions['authenticate']>,
    Parameters<ChatModuleOptions['authenticate']>
  >;
  let config: ChatConfig;

  beforeEach(() => {
    hostAuthenticate = jest.fn().mockResolvedValue({ userId: 'alice', claims: { ver: 1 } });
    config = new ChatConfig({
      authenticate: hostAuthenticate,
      users: { findByIds: async () => [] },
      database: { dataDir: '/tmp/handshake-spec' },
      allowedOrigins: ['https://app.example.test'],
    });
  });

  function socket(overrides: Partial<FakeSocket['handshake']> = {}): FakeSocket {
    return {
      handshake: {
        auth: { token: 'T0K3N' },
        headers: { host: 'chat.example.test' },
        query: { EIO: '4', transport: 'websocket' },
        ...overrides,
      },
      data: {},
    };
  }

  /** Runs the middleware; resolves with what it passed to `next` (undefined: let through). */
  function handshake(s: FakeSocket): Promise<Error | undefined> {
    return new Promise((resolve) => handshakeAuth(config)(s as unknown as ChatSocket, resolve));
  }

  it('should store the principal on socket.data, drop auth.token and let the socket through', async () => {
    const s = socket();
    await expect(handshake(s)).resolves.toBeUndefined();
    expect(hostAuthenticate).toHaveBeenCalledWith({
      token: 'T0K3N',
      headers: { host: 'chat.example.test' },
      transport: 'websocket',
    });
    expect(s.data).toEqual({
      userId: 'alice',
      principal: { userId: 'alice', claims: { ver: 1 } },
      authenticatedAt: expect.any(Number),
    });
    expect(s.handshake.auth).not.toHaveProperty('token');
  });

  it('should note when authentication began, before the host answered (revocations after it end the socket)', async () => {
    let answer!: (principal: ChatPrincipal) => void;
    hostAuthenticate.mockReturnValueOnce(new Promise<ChatPrincipal>((resolve) => (answer = resolve)));
    const s = socket();
    const before = Date.now();
    const done = handshake(s);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const asked = Date.now();
    answer({ userId: 'alice' });
    await expect(done).resolves.toBeUndefined();
    expect(s.data.authenticatedAt).toBeGreaterThanOrEqual(before);
    expect(s.data.authenticatedAt).toBeLessThan(asked);
  });

  it('should take the token of an Authorization header when auth has none', async () => {
    const s = socket({ auth: {}, headers: { host: 'chat.example.test', authorization: 'Bearer H34D3R' } });
    await expect(handshake(s)).resolves.toBeUndefined();
    expect(hostAuthenticate).toHaveBeenCalledWith(expect.objectContaining({ token: 'H34D3R' }));
  });

  it('should store a numeric userId as a string', async () => {
    hostAuthenticate.mockResolvedValue({ userId: 7 as unknown as string });
    const s = socket();
    await handshake(s);
    expect(s.data.userId).toBe('7');
  });

  it('should refuse a token in the URL query without asking the host', async () => {
    const s = socket({ auth: {}, query: { EIO: '4', token: 'T0K3N' } });
    await expect(handshake(s)).resolves.toEqual(new Error(UNAUTHORIZED));
    expect(hostAuthenticate).not.toHaveBeenCalled();
    expect(s.data).toEqual({});
  });

  it('should refuse an origin that is not allowed without asking the host', async () => {
    const s = socket({ headers: { host: 'chat.example.test', origin: 'https://evil.example.test' } });
    const error = await handshake(s);
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toBe('Origin not allowed');
    expect(hostAuthenticate).not.toHaveBeenCalled();
  });

  it('should let an allowed origin through', async () => {
    const s = socket({ headers: { host: 'chat.example.test', origin: 'https://app.example.test' } });
    await expect(handshake(s)).resolves.toBeUndefined();
  });

  it.each<[string, () => unknown]>([
    ['returns null', () => null],
    ['throws', () => Promise.reject(new Error('store down'))],
    ['returns a session that has ended', () => ({ userId: 'alice', expiresAt: new Date(Date.now() - 1000) })],
  ])('should refuse with Unauthorized when the host %s, leaving socket.data empty', async (_, answer) => {
    hostAuthenticate.mockImplementation(answer as () => ChatPrincipal | null);
    const s = socket();
    const error = await handshake(s);
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toBe('Unauthorized');
    expect(s.data).toEqual({});
  });

  it('should refuse with Service unavailable, not Unauthorized, when the host’s database is down', async () => {
    hostAuthenticate.mockRejectedValue(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const s = socket();
    const error = await handshake(s);
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toBe('Service unavailable');
    expect(s.data).toEqual({});
  });
});
