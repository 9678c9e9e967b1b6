import { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../demo/app.module';
import type { ChatModuleOptions } from 'nest-chat-gateway';
import { configureApp } from '../../demo/app.setup';
import { PrismaService } from '../../src/persistence/prisma.service';
import { UsersService } from '../../demo/users/users.service';
import { createTestDatabase, TestDatabase } from './test-database';
import { TEST_PRESENCE_ANNOUNCE_MS } from './timings';

export const TEST_JWT_SECRET = 'e2e-secret-that-is-at-least-32-characters-long';

export interface TestApp {
  app: INestApplication;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The chat's own tables. */
  prisma: PrismaService;
  /** The demo host's users. */
  users: UsersService;
  database: TestDatabase;
  /** Stops the app; the database is dropped unless `keepDatabase`. */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  /** Reuse a database (to test restarts); created fresh otherwise. */
  database?: TestDatabase;
  /** ChatModule options, e.g. a test double for the OfflineNotifier. */
  chat?: Partial<ChatModuleOptions>;
}

/** Boots the real AppModule with production setup on a random loopback port. */
export async function startTestApp(options: StartOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const app = await NestFactory.create(
    AppModule.forRoot(
      {
        NODE_ENV: 'test',
        JWT_SECRET: TEST_JWT_SECRET,
        LOG_LEVEL: 'error',
        // Apps of different test files share the CI Redis; each gets its own keys unless a test groups them.
        REDIS_PREFIX: `e2e-${randomBytes(4).toString('hex')}`,
        // Suites send bursts far beyond human rates; the rate-limit tests set their own limits.
        RATE_LIMIT_MESSAGES: '100000/1s',
        RATE_LIMIT_TYPING: '100000/1s',
        RATE_LIMIT_ROOMS: '100000/1s',
        RATE_LIMIT_JOINS: '100000/1s',
        RATE_LIMIT_SEARCH: '100000/1s',
        RATE_LIMIT_SOCKET_EVENTS: '100000/1s',
        // Suites register many users from one IP.
        RATE_LIMIT_AUTH: '100000/1s',
        ...database.env,
        ...options.env,
      },
      withTestTimings(options),
    ),
    { logger: ['error'], abortOnError: false },
  );
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    prisma: app.get(PrismaService),
    users: app.get(UsersService),
    database,
    async close({ keepDatabase = false } = {}) {
      await app.close();
      if (!keepDatabase) await database.drop();
    },
  };
}

/** The test app's chat options: short presence batches (timings.ts) unless the test sets its own. */
function withTestTimings({ env = {}, chat = {} }: StartOptions): Partial<ChatModuleOptions> {
  const ms = (value: string | undefined): number | undefined => (value === undefined ? undefined : Number(value));
  return {
    ...chat,
    // This replaces the demo's whole `presence` option, so its mapping of the two variables is repeated.
    presence: {
      heartbeatMs: ms(env.PRESENCE_HEARTBEAT_MS),
      ttlMs: ms(env.PRESENCE_TTL_MS),
      announceMs: TEST_PRESENCE_ANNOUNCE_MS,
      ...chat.presence,
    },
  };
}
