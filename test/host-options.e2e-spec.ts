import { Body, Controller, INestApplication, Module, Post, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IsString } from 'class-validator';
import {
  ChatModule,
  ChatModuleOptions,
  ChatSessionsService,
  ChatRoomsService,
  MessagesService,
  migrateChatSchema,
  type ChatDatabaseOptions,
} from 'nest-chat-gateway';
import { PrismaService } from '../src/persistence/prisma.service';
import { DEFAULT_MIGRATIONS_DIR, readMigrations } from '../src/persistence/migrator';
import { http } from './helpers/http';
import { closeAllSockets, connectChat, connectError, requestOk, waitForEvent } from './helpers/socket';
import { createTestDatabase, TestDatabase } from './helpers/test-database';

/*
 * The library in a host that is not the demo: host user ids that are not
 * UUIDs, tokens that are whatever the host says, its own global pipe, and
 * the options that shape the module (namespace, http prefix, migrations).
 * Each app gets its own database (PGlite under a directory, or a fresh
 * PostgreSQL database when DATABASE_URL is set).
 */

/** The host's "users": ids 1..3, tokens `token-<id>`. */
const USERS = new Map([
  ['1', 'Ada'],
  ['2', 'Bob'],
  ['3', 'Cy'],
]);

function options(database: ChatDatabaseOptions, extra: Partial<ChatModuleOptions> = {}): ChatModuleOptions {
  return {
    authenticate: ({ token }) => {
      const id = token?.startsWith('token-') ? token.slice('token-'.length) : undefined;
      return id && USERS.has(id) ? { userId: id } : null;
    },
    users: { findByIds: async (ids) => ids.filter((id) => USERS.has(id)).map((id) => ({ id, name: USERS.get(id)! })) },
    database,
    ...extra,
  };
}

function chatDatabase(db: TestDatabase): ChatDatabaseOptions {
  return db.env.DATABASE_URL ? { url: db.env.DATABASE_URL } : { dataDir: db.env.DATA_DIR! };
}

class HostDto {
  @IsString()
  title!: string;
}

@Controller('host')
class HostController {
  constructor(private readonly messages: MessagesService) {}

  @Post('echo')
  echo(@Body() dto: HostDto): HostDto {
    return dto;
  }

  /** Host code sending into the chat, as a billing or order module would. */
  @Post('announce')
  async announce(@Body() body: { chatRoomId: string; content: string }): Promise<{ seq: number }> {
    return { seq: (await this.messages.send('1', { chatRoomId: body.chatRoomId, content: body.content })).message.seq };
  }
}

/** A feature module of the host: it injects the chat's services without importing ChatModule. */
@Module({ controllers: [HostController] })
class HostFeatureModule {}

async function start(imports: unknown[]): Promise<{ app: INestApplication; url: string }> {
  @Module({ imports: imports as never[] })
  class HostModule {}
  const app = await NestFactory.create(HostModule, { logger: false, abortOnError: false });
  // The host's own global pipe, in its own settings: it must not change the chat's answers.
  app.useGlobalPipes(new ValidationPipe({ whitelist: true }));
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

describe('the library in a host of its own (e2e)', () => {
  afterEach(() => closeAllSockets());

  describe('with a namespace, an http prefix and host ids', () => {
    let db: TestDatabase;
    let host: { app: INestApplication; url: string };

    beforeAll(async () => {
      db = await createTestDatabase();
      host = await start([
        ChatModule.forRoot({ ...options(chatDatabase(db)), namespace: '/talk', http: { prefix: 'api/chat' } }),
        HostFeatureModule,
      ]);
    });
    afterAll(async () => {
      await host.app.close();
      await db.drop();
    });

    it('should serve the REST routes under the prefix only, in the chat format despite the host pipe', async () => {
      const created = await http(host.url, 'POST', '/api/chat/chat-rooms', {
        token: 'token-1',
        body: { type: 'GROUP', name: 'Ops', participantIds: ['2'] },
      });
      expect(created.status).toBe(201);
      expect(created.body.participants.map((p: { userId: string; name: string }) => [p.userId, p.name])).toEqual([
        ['1', 'Ada'],
        ['2', 'Bob'],
      ]);
      expect((await http(host.url, 'GET', '/chat-rooms', { token: 'token-1' })).status).toBe(404);

      const invalid = await http(host.url, 'POST', '/api/chat/chat-rooms', {
        token: 'token-1',
        body: { type: 'GROUP', name: 'Ops', participantIds: ['2'], extra: true },
      });
      expect(invalid.status).toBe(400);
      expect(invalid.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'extra' }] });
      // The host's own route keeps the host's own pipe and Nest's own error format.
      const hostInvalid = await http(host.url, 'POST', '/host/echo', { body: { title: 5 } });
      expect(hostInvalid.status).toBe(400);
      expect(hostInvalid.body).toEqual({ statusCode: 400, message: ['title must be a string'], error: 'Bad Request' });
      expect((await http(host.url, 'POST', '/host/echo', { body: { title: 'x', extra: 1 } })).body).toEqual({
        title: 'x',
      });

      const unknown = await http(host.url, 'POST', '/api/chat/chat-rooms', {
        token: 'token-1',
        body: { type: 'DIRECT', participantIds: ['99'] },
      });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ code: 'NOT_FOUND', details: { userIds: ['99'] } });
      expect((await http(host.url, 'GET', '/api/chat/chat-rooms', { token: 'token-9' })).status).toBe(401);
    });

    it('should chat on the configured namespace, and broadcast what host code sends like any message', async () => {
      const rooms = host.app.get(ChatRoomsService);
      const { room } = await rooms.create('1', { type: 'GROUP', name: 'Host', participantIds: ['2', '3'] });
      expect(await connectError(host.url, 'token-2')).toBe('Invalid namespace');
      const bob = await connectChat(host.url, 'token-2', { namespace: '/talk' });
      const cy = await connectChat(host.url, 'token-3', { namespace: '/talk' });

      const fromSocket = waitForEvent(cy, 'newMessage', 2000);
      const sent = await requestOk(bob, 'sendMessage', { chatRoomId: room.id, content: 'hi' });
      expect(await fromSocket).toMatchObject({ id: sent.id, senderId: '2', content: 'hi' });

      const fromHost = waitForEvent(bob, 'newMessage', 2000);
      const res = await http(host.url, 'POST', '/host/announce', { body: { chatRoomId: room.id, content: 'billing' } });
      expect(res.status).toBe(201);
      expect(await fromHost).toMatchObject({ senderId: '1', content: 'billing', seq: res.body.seq });
      const stored = await host.app.get(PrismaService).message.findMany({ where: { chatRoomId: room.id } });
      expect(stored.map((m) => [m.senderId, m.content])).toEqual([
        ['2', 'hi'],
        ['1', 'billing'],
      ]);
    });

    it('should end every socket of a user on disconnectUser, telling them why', async () => {
      const first = await connectChat(host.url, 'token-3', { namespace: '/talk' });
      const second = await connectChat(host.url, 'token-3', { namespace: '/talk' });
      const bystander = await connectChat(host.url, 'token-2', { namespace: '/talk' });
      const told = waitForEvent(first, 'exception', 2000);
      const gone = Promise.all(
        [first, second].map((s) => new Promise<string>((resolve) => s.once('disconnect', resolve))),
      );
      await host.app.get(ChatSessionsService).disconnectUser('3', 'Banned');
      expect(await told).toEqual({ code: 'UNAUTHORIZED', message: 'Banned' });
      expect(await gone).toEqual(['io server disconnect', 'io server disconnect']);
      expect(bystander.connected).toBe(true);
      await requestOk(bystander, 'getChatRooms', {});
    });
  });

  it('should refuse to start with migrations: manual while chat migrations are pending, and start once applied', async () => {
    const db = await createTestDatabase();
    try {
      const manual = ChatModule.forRoot(options(chatDatabase(db), { migrations: 'manual' }));
      await expect(start([manual])).rejects.toThrow(
        /lacks migrations 20261122000000_chat_schema.*nest-chat-gateway migrate/s,
      );
      expect(await migrateChatSchema({ database: chatDatabase(db) })).toMatchObject({
        applied: readMigrations(DEFAULT_MIGRATIONS_DIR).map((m) => m.name),
      });
      const host = await start([ChatModule.forRoot(options(chatDatabase(db), { migrations: 'manual' }))]);
      expect((await http(host.url, 'GET', '/chat-rooms', { token: 'token-1' })).body).toEqual([]);
      await host.app.close();
    } finally {
      await db.drop();
    }
  });

  it('should fail at start-up, saying why, when ChatModule is imported twice', async () => {
    const db = await createTestDatabase();
    try {
      @Module({ imports: [ChatModule.forRoot(options(chatDatabase(db)))] })
      class SecondImport {}
      await expect(start([ChatModule.forRoot(options(chatDatabase(db))), SecondImport])).rejects.toThrow(
        /ChatModule is imported 2 times/,
      );
    } finally {
      await db.drop();
    }
  });

  it('should name every bad option at start-up', async () => {
    await expect(
      start([ChatModule.forRoot({ users: {}, database: {} } as unknown as ChatModuleOptions)]),
    ).rejects.toThrow(/authenticate must be a function[\s\S]*users.findByIds[\s\S]*database must be/);
  });
});
