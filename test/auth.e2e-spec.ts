import { sign } from 'jsonwebtoken';
import { http, registerUser } from './helpers/http';
import { startTestApp, TEST_JWT_SECRET, TestApp } from './helpers/test-app';

describe('auth (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should register a user, store only an argon2id hash, and return a working token', async () => {
    const res = await http(t.url, 'POST', '/auth/register', {
      body: { email: '  Grace@Example.TEST ', password: 'hopper-1906', name: '  Grace Hopper ' },
    });
    expect(res.status).toBe(201);
    expect(res.body.user).toEqual({ id: expect.any(String), email: 'grace@example.test', name: 'Grace Hopper' });
    expect(typeof res.body.accessToken).toBe('string');

    const stored = (await t.users.findByEmail('grace@example.test'))!;
    expect(stored.passwordHash).toMatch(/^\$argon2id\$/);
    expect(stored.passwordHash).not.toContain('hopper-1906');

    const me = await http(t.url, 'GET', '/auth/me', { token: res.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(res.body.user);
  });

  it('should refuse a duplicate email with 409 regardless of case, and store nothing', async () => {
    const first = await registerUser(t.url, 'dup');
    const res = await http(t.url, 'POST', '/auth/register', {
      body: { email: first.user.email.toUpperCase(), password: 'another-password', name: 'Dup' },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ statusCode: 409, code: 'CONFLICT' });
    expect(await t.users.count({ email: first.user.email })).toBe(1);
  });

  it('should log in with the right password and refuse the wrong one or an unknown email with the same 401', async () => {
    const u = await registerUser(t.url, 'login');
    const ok = await http(t.url, 'POST', '/auth/login', { body: { email: u.user.email, password: u.password } });
    expect(ok.status).toBe(200);
    expect(ok.body.user).toEqual(u.user);

    const wrongPassword = await http(t.url, 'POST', '/auth/login', {
      body: { email: u.user.email, password: 'wrong-password' },
    });
    const unknownEmail = await http(t.url, 'POST', '/auth/login', {
      body: { email: 'nobody@example.test', password: u.password },
    });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(wrongPassword.body.message).toBe(unknownEmail.body.message);
    expect(wrongPassword.body).not.toHaveProperty('accessToken');
  });

  describe('GET /auth/me', () => {
    it('should answer 401 without a token', async () => {
      expect((await http(t.url, 'GET', '/auth/me')).status).toBe(401);
    });

    it.each([
      ['a garbage token', () => 'not.a.jwt'],
      [
        'a token signed with another secret',
        () => sign({ sub: 'x', email: 'x@y.z' }, 'another-secret-another-secret-another'),
      ],
      [
        'an expired token',
        () => sign({ sub: 'x', email: 'x@y.z', exp: Math.floor(Date.now() / 1000) - 3600 }, TEST_JWT_SECRET),
      ],
      ['an alg:none token', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'x', email: 'x@y.z' })}.`],
      [
        'an HS512 token with the right secret',
        () => sign({ sub: 'x', email: 'x@y.z' }, TEST_JWT_SECRET, { algorithm: 'HS512' }),
      ],
    ])('should answer 401 for %s', async (_, token) => {
      const res = await http(t.url, 'GET', '/auth/me', { token: token() });
      expect(res.status).toBe(401);
    });

    it('should answer 401 for a valid token whose user no longer exists', async () => {
      const token = sign({ sub: '00000000-0000-4000-8000-000000000000', email: 'gone@example.test' }, TEST_JWT_SECRET);
      expect((await http(t.url, 'GET', '/auth/me', { token })).status).toBe(401);
    });
  });

  describe('bad input', () => {
    it.each([
      ['missing fields', {}, ['email', 'password', 'name']],
      ['an unknown field', { email: 'a@b.test', password: 'not a common one', name: 'A', admin: true }, ['admin']],
      ['wrong types', { email: 42, password: ['x'], name: { a: 1 } }, ['email', 'password', 'name']],
      [
        'over-long strings',
        { email: 'a@b.test', password: 'p'.repeat(129), name: 'n'.repeat(101) },
        ['password', 'name'],
      ],
      ['a blank name', { email: 'a@b.test', password: 'not a common one', name: '   ' }, ['name']],
      ['a short password', { email: 'a@b.test', password: 'short', name: 'A' }, ['password']],
    ])('should answer 400 naming the fields for %s, and store nothing', async (_, body, fields) => {
      const before = await t.users.count();
      const res = await http(t.url, 'POST', '/auth/register', { body });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual([...fields].sort());
      expect(await t.users.count()).toBe(before);
    });

    it('should answer 400 for malformed JSON without leaking a stack', async () => {
      const res = await http(t.url, 'POST', '/auth/login', { rawBody: '{"email": ' });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.js|node_modules/);
    });

    it('should answer 400 for a JSON body that is not an object', async () => {
      const res = await http(t.url, 'POST', '/auth/login', { rawBody: '"just a string"' });
      expect(res.status).toBe(400);
    });
  });
});

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
