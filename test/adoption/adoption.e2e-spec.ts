import { execFile } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { JwtService } from '@nestjs/jwt';
import { Client } from 'pg';
import { io, Socket } from 'socket.io-client';
import type { ChatRoomView, MessageView } from '../../src/contract/chat.events';
import { DEFAULT_MIGRATIONS_DIR, readMigrations } from '../../src/persistence/migrator';
import { createTestDatabase, TestDatabase } from '../helpers/test-database';
import { ChatClient, closeAllSockets, connectChat, connectError, requestOk, waitForEvent } from '../helpers/socket';
import { api, compileHost, HostProcess, installedCopies, installHost, packLibrary, startHost } from './host-app';

/*
 * The proof: "a library a NestJS monolith adopts". The library is
 * packed as npm ships it and installed from the tarball into a fresh host app
 * (./fixture) that brings its own users (INTEGER ids in public."User"), its own
 * JWTs, its own global ValidationPipe, its own gateway and its own pg.Pool,
 * compiled with its own tsc against the shipped declarations and run as a
 * separate process on a database of its own.
 */
const DATABASE_URL = process.env.DATABASE_URL;
const describeAdoption = DATABASE_URL ? describe : describe.skip;
if (!DATABASE_URL) {
  console.warn('adoption e2e skipped: DATABASE_URL is not set (the host brings its own PostgreSQL through a pg.Pool)');
}

const JWT_SECRET = 'the-host-s-own-secret';

interface HostUser {
  id: number;
  token: string;
}

describeAdoption('a NestJS host adopting the packed library (e2e)', () => {
  let workDir: string;
  let hostDir: string;
  let database: TestDatabase | undefined;
  let db: Client;
  let host: HostProcess | undefined;
  let alice: HostUser, bob: HostUser;
  let aliceSocket: ChatClient, bobSocket: ChatClient;
  let room: ChatRoomView;
  const hostSockets: Socket[] = [];

  async function registerAndLogin(email: string, name: string): Promise<HostUser> {
    const created = await api(host!.url, 'POST', '/users', { body: { email, name } });
    expect(created.status).toBe(201);
    const login = await api(host!.url, 'POST', '/login', { body: { email } });
    expect(login.status).toBe(201);
    return { id: created.body.id, token: login.body.accessToken };
  }

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'chat-adopt-'));
    hostDir = join(workDir, 'host');
    mkdirSync(hostDir);
    const tarball = await packLibrary(join(workDir, 'pack'));
    await installHost(hostDir, tarball);

    database = await createTestDatabase();
    db = new Client({ connectionString: database.url! });
    await db.connect();
    host = await startHost(hostDir, {
      DATABASE_URL: database.url!,
      JWT_SECRET,
      NODE_ENV: 'staging',
      LOG_LEVEL: 'info',
    });
    alice = await registerAndLogin('alice@example.com', 'Alice');
    bob = await registerAndLogin('bob@example.com', 'Bob');
    [aliceSocket, bobSocket] = await Promise.all([
      connectChat(host.url, alice.token),
      connectChat(host.url, bob.token),
    ]);
  }, 240_000);

  afterAll(async () => {
    closeAllSockets();
    for (const socket of hostSockets) socket.disconnect();
    await host?.stop();
    await db?.end().catch(() => undefined);
    await database?.drop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  }, 30_000);

  it('should install the library from the tarball as a real directory beside one @nestjs/core', () => {
    expect(lstatSync(join(hostDir, 'node_modules/nest-chat-gateway')).isSymbolicLink()).toBe(false);
    expect(lstatSync(join(hostDir, 'node_modules/nest-chat-gateway')).isDirectory()).toBe(true);
    expect(lstatSync(join(hostDir, 'node_modules/nest-chat-gateway/dist/index.d.ts')).isFile()).toBe(true);
    expect(installedCopies(hostDir, '@nestjs/core')).toEqual([join(hostDir, 'node_modules/@nestjs/core/package.json')]);
  });

  it('should type-check the host against the shipped declarations with skipLibCheck off', async () => {
    await expect(compileHost(hostDir, '--noEmit', '--skipLibCheck', 'false')).resolves.toBeDefined();
  }, 60_000);

  it('should ship a migrate command that a pipeline can run, and run again', async () => {
    const bin = join(hostDir, 'node_modules/.bin/nest-chat-gateway');
    const run = (...args: string[]) => promisify(execFile)(bin, args, { env: { ...process.env, DATABASE_URL: '' } });
    await expect(run('--help')).resolves.toMatchObject({ stdout: expect.stringContaining('--schema NAME') });
    const migrations = readMigrations(DEFAULT_MIGRATIONS_DIR).map((m) => m.name);
    await expect(run('migrate', '--url', database!.url!, '--schema', 'chat_pipeline')).resolves.toMatchObject({
      stdout: `applied: ${migrations.join(', ')}\n`,
    });
    await expect(run('migrate', '--url', database!.url!, '--schema', 'chat_pipeline')).resolves.toMatchObject({
      stdout: `nothing to apply (${migrations.length} already applied)\n`,
    });
    const tables = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'chat_pipeline' AND table_name = 'Message'`,
    );
    expect(tables.rows[0].n).toBe('1');
    await db.query('DROP SCHEMA chat_pipeline CASCADE');
    await expect(run('migrate')).rejects.toMatchObject({
      stderr: expect.stringContaining('no --url, --data-dir or DATABASE_URL'),
    });
  }, 60_000);

  it('should serve the host its own users, logins and routes, with integer ids', async () => {
    expect([alice.id, bob.id]).toEqual([1, 2]);
    const me = await api(host!.url, 'GET', '/me', { token: bob.token });
    expect(me).toEqual({ status: 200, body: { id: 2, email: 'bob@example.com', name: 'Bob' } });
    // The host's guard and Nest's default exception body, not the chat's filter.
    expect(await api(host!.url, 'GET', '/me')).toEqual({
      status: 401,
      body: { statusCode: 401, message: 'Unauthorized' },
    });
    expect(await api(host!.url, 'GET', '/nowhere')).toEqual({
      status: 404,
      body: { statusCode: 404, message: 'Cannot GET /nowhere', error: 'Not Found' },
    });
  });

  it("should answer the host's own validation errors in Nest's default format", async () => {
    const response = await api(host!.url, 'POST', '/users', {
      body: { email: 'not-an-email', name: 'Eve', admin: true },
    });
    expect(response).toEqual({
      status: 400,
      body: { statusCode: 400, message: ['email must be an email'], error: 'Bad Request' },
    });
  });

  it('should refuse a chat socket and a chat request with a token the host did not sign', async () => {
    const forged = new JwtService({ secret: 'not-the-host-secret' }).sign({ sub: 1, email: 'alice@example.com' });
    expect(await connectError(host!.url, forged)).toBe('Unauthorized');
    expect(await connectError(host!.url, undefined)).toBe('Unauthorized');
    const response = await api(host!.url, 'GET', '/chat-rooms', { token: forged });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('UNAUTHORIZED');
  });

  it("should create a DIRECT room over REST between the host's users and tell both sockets", async () => {
    const aliceHears = waitForEvent(aliceSocket, 'chatRoomCreated');
    const bobHears = waitForEvent(bobSocket, 'chatRoomCreated');
    const created = await api<ChatRoomView>(host!.url, 'POST', '/chat-rooms', {
      token: alice.token,
      body: { type: 'DIRECT', participantIds: ['2'] },
    });
    expect(created.status).toBe(201);
    room = created.body;
    // Names come from the host's "User" table through users.findByIds.
    expect(room.participants.map((p) => [p.userId, p.name]).sort()).toEqual([
      ['1', 'Alice'],
      ['2', 'Bob'],
    ]);
    expect((await aliceHears).id).toBe(room.id);
    expect((await bobHears).id).toBe(room.id);
  });

  it('should deliver a message sent over the socket to the other user as sent by "1"', async () => {
    const bobHears = waitForEvent(bobSocket, 'newMessage', 5000, (m) => m.content === 'hello over the socket');
    const sent = await requestOk(aliceSocket, 'sendMessage', { chatRoomId: room.id, content: 'hello over the socket' });
    const received = await bobHears;
    expect(received).toMatchObject({ id: sent.id, chatRoomId: room.id, senderId: '1', seq: 1 });
  });

  it('should broadcast a message sent over REST to the socket', async () => {
    const aliceHears = waitForEvent(aliceSocket, 'newMessage', 5000, (m) => m.content === 'hello over REST');
    const sent = await api<MessageView>(host!.url, 'POST', `/chat-rooms/${room.id}/messages`, {
      token: bob.token,
      body: { content: 'hello over REST' },
    });
    expect(sent.status).toBe(201);
    expect(await aliceHears).toMatchObject({ id: sent.body.id, senderId: '2', seq: 2 });
  });

  it("should broadcast a message that the host's own module sends through MessagesService", async () => {
    const isAnnouncement = (m: MessageView): boolean => m.content === 'Deploy at 5pm';
    const heard = [aliceSocket, bobSocket].map((s) => waitForEvent(s, 'newMessage', 5000, isAnnouncement));
    const sent = await api<MessageView>(host!.url, 'POST', '/announce', {
      token: alice.token,
      body: { chatRoomId: room.id, text: 'Deploy at 5pm' },
    });
    expect(sent.status).toBe(201);
    for (const message of await Promise.all(heard)) {
      expect(message).toMatchObject({ id: sent.body.id, senderId: '1', type: 'SYSTEM', seq: 3 });
    }
  });

  it("should keep the chat's tables in schema chat, store the host's ids as text and leave public alone", async () => {
    const tables = await db.query<{ table_schema: string; table_name: string }>(
      `SELECT table_schema, table_name FROM information_schema.tables
        WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY table_schema COLLATE "C", table_name COLLATE "C"`,
    );
    // Every model of the chat's Prisma schema, and nothing else, in `chat`; the host's one table alone in `public`.
    const models = [
      ...readFileSync(join(__dirname, '../../prisma/schema.prisma'), 'utf8').matchAll(/^model (\w+) \{/gm),
    ];
    expect(tables.rows).toEqual([
      ...[...models.map((m) => m[1]), '_prisma_migrations']
        .sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))
        .map((name) => ({ table_schema: 'chat', table_name: name })),
      { table_schema: 'public', table_name: 'User' },
    ]);
    expect(models.map((m) => m[1])).toEqual(expect.arrayContaining(['ChatRoom', 'ChatRoomParticipant', 'Message']));
    const publicTypes = await db.query(
      `SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' AND t.typtype = 'e'`,
    );
    expect(publicTypes.rows).toEqual([]);
    const userColumns = await db.query(
      `SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = 'User' ORDER BY ordinal_position`,
    );
    expect(userColumns.rows).toEqual([
      { column_name: 'id', data_type: 'integer' },
      { column_name: 'email', data_type: 'text' },
      { column_name: 'name', data_type: 'text' },
    ]);
    const users = await db.query('SELECT id, email, name FROM public."User" ORDER BY id');
    expect(users.rows).toEqual([
      { id: 1, email: 'alice@example.com', name: 'Alice' },
      { id: 2, email: 'bob@example.com', name: 'Bob' },
    ]);

    const participants = await db.query(
      `SELECT "userId", pg_typeof("userId")::text AS type FROM chat."ChatRoomParticipant"
        WHERE "chatRoomId" = $1 ORDER BY "userId"`,
      [room.id],
    );
    expect(participants.rows).toEqual([
      { userId: '1', type: 'text' },
      { userId: '2', type: 'text' },
    ]);
    const messages = await db.query(
      'SELECT seq, "senderId", type::text, content FROM chat."Message" WHERE "chatRoomId" = $1 ORDER BY seq',
      [room.id],
    );
    expect(messages.rows).toEqual([
      { seq: 1, senderId: '1', type: 'TEXT', content: 'hello over the socket' },
      { seq: 2, senderId: '2', type: 'TEXT', content: 'hello over REST' },
      { seq: 3, senderId: '1', type: 'SYSTEM', content: 'Deploy at 5pm' },
    ]);
  });

  it('should refuse a user id the host does not know with NOT_FOUND', async () => {
    const response = await api(host!.url, 'POST', '/chat-rooms', {
      token: alice.token,
      body: { type: 'DIRECT', participantIds: ['999'] },
    });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ code: 'NOT_FOUND', details: { userIds: ['999'] } });
    const rooms = await db.query('SELECT count(*)::int AS n FROM chat."ChatRoom"');
    expect(rooms.rows).toEqual([{ n: 1 }]);
  });

  it("should answer chat validation errors in the chat's format despite the host's global pipe", async () => {
    const response = await api(host!.url, 'POST', '/chat-rooms', {
      token: alice.token,
      body: { type: 'DIRECT', participantIds: [2] },
    });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(response.body.details).toEqual([expect.objectContaining({ field: 'participantIds' })]);
  });

  it("should leave the host's own gateway acking with its Observable's value", async () => {
    const socket = io(`${host!.url}/host`, { transports: ['websocket'], reconnection: false, forceNew: true });
    hostSockets.push(socket);
    const ack = await socket.timeout(5000).emitWithAck('echo', 'hi from the host');
    expect(ack).toEqual({ echoed: 'HI FROM THE HOST' });
  });

  it('should shut down with the host on SIGTERM, without errors', async () => {
    closeAllSockets();
    host!.child.kill('SIGTERM');
    const { code, signal } = await host!.exited;
    expect(code === 0 || signal === 'SIGTERM').toBe(true);
    expect(host!.output.stderr).toBe('');
    expect(host!.output.stdout).not.toMatch(/\bERROR\b/);
  }, 20_000);
});
