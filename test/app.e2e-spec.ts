import { http, registerUser } from './helpers/http';
import { startTestApp, TestApp } from './helpers/test-app';

describe('app (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should report the database as up on /health', async () => {
    const res = await http(t.url, 'GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', database: { status: 'up', kind: t.database.kind } });
  });

  it('should serve the OpenAPI document with the auth routes at /docs', async () => {
    expect((await http(t.url, 'GET', '/docs')).status).toBe(200);
    const spec = await http(t.url, 'GET', '/docs-json');
    expect(spec.status).toBe(200);
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining(['/auth/register', '/auth/login', '/auth/me', '/health']),
    );
  });

  it('should answer 404 in JSON for an unknown route', async () => {
    const res = await http(t.url, 'GET', '/no/such/route');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
  });

  it('should serve the browser tester page', async () => {
    const res = await http(t.url, 'GET', '/test-websocket.html');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
  });
});

describe('restart (e2e)', () => {
  it('should keep users across a restart and apply no migration twice', async () => {
    const first = await startTestApp();
    const user = await registerUser(first.url, 'persistent');
    const migrationsBefore = await first.prisma.$queryRaw<
      { n: bigint }[]
    >`SELECT count(*) AS n FROM chat."_prisma_migrations"`;
    await first.close({ keepDatabase: true });

    const second = await startTestApp({ database: first.database });
    try {
      const login = await http(second.url, 'POST', '/auth/login', {
        body: { email: user.user.email, password: user.password },
      });
      expect(login.status).toBe(200);
      expect(login.body.user.id).toBe(user.user.id);
      const migrationsAfter = await second.prisma.$queryRaw<
        { n: bigint }[]
      >`SELECT count(*) AS n FROM chat."_prisma_migrations"`;
      expect(Number(migrationsAfter[0].n)).toBe(Number(migrationsBefore[0].n));
    } finally {
      await second.close();
    }
  });
});
