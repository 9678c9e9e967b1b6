/**
 * The bench's data: a population of users in rooms of 10 and of 100, inserted with SQL into a fresh database
 * (a new `bench_<random>` database on the DATABASE_URL server, dropped at the end, or a fresh embedded
 * database in a temporary DATA_DIR), and the HS256 tokens the gateway accepts for them.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { onCleanup, runNode } from './processes';

export interface Population {
  users: { id: string; email: string }[];
  rooms10: string[];
  rooms100: string[];
}

/** User i is in room of 10 number ⌊i/10⌋ and room of 100 number ⌊i/100⌋. */
export function makePopulation(size: number): Population {
  const users = Array.from({ length: size }, (_, i) => ({ id: randomUUID(), email: `bench-${i}@bench.invalid` }));
  return {
    users,
    rooms10: Array.from({ length: Math.ceil(size / 10) }, () => randomUUID()),
    rooms100: Array.from({ length: Math.ceil(size / 100) }, () => randomUUID()),
  };
}

export interface BenchDatabase {
  kind: 'postgresql' | 'embedded';
  /** For the report, e.g. "PostgreSQL 15.20, fresh database bench_1a2b3c4d". */
  label: string;
  /** What the gateway's environment needs to use it. */
  serverEnv: Record<string, string>;
}

/** One SQL session on the bench database (a pg client, or the embedded database opened by the bench itself). */
export interface Sql {
  kind: BenchDatabase['kind'];
  /** One or more statements, no parameters. */
  exec(sql: string): Promise<void>;
  /** One statement, no parameters: its rows. */
  query<T>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

/** Creates the database, applies the migrations with the gateway's own runner and inserts the population. */
export async function prepareDatabase(
  population: Population,
  root: string,
  runDir: string,
  log: (line: string) => void,
): Promise<BenchDatabase> {
  const url = process.env.DATABASE_URL;
  const db = url ? await createPostgres(url, log) : createEmbedded(runDir);
  const started = Date.now();
  runNode([join(root, 'dist-demo/migrate.js')], { ...baseEnv(), ...db.serverEnv }, root, 120_000);
  const sql = await openSql(db);
  try {
    for (const statement of seedStatements(population)) await sql.exec(statement);
  } finally {
    await sql.close();
  }
  log(`database ready (${db.label}): ${population.users.length} users seeded in ${Date.now() - started} ms`);
  return db;
}

/** A session on the bench database; the embedded one only while no server has it open (it is single-process). */
export function openSql(db: BenchDatabase): Promise<Sql> {
  return db.kind === 'postgresql' ? pgSql(db.serverEnv.DATABASE_URL) : pgliteSql(db.serverEnv.DATA_DIR);
}

/** The parent environment without the settings the bench decides for each server. */
export function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ['DATABASE_URL', 'DATA_DIR', 'REDIS_URL', 'REDIS_PREFIX', 'PORT', 'NODE_OPTIONS']) delete env[key];
  return env;
}

async function createPostgres(url: string, log: (line: string) => void): Promise<BenchDatabase> {
  const name = `bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await admin.connect();
  let version: string;
  try {
    const rows = (await admin.query<{ server_version: string }>('SHOW server_version')).rows;
    version = rows[0]?.server_version.split(' ')[0] ?? '?';
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  onCleanup(`drop database ${name}`, async () => {
    const c = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      log(`dropped database ${name}`);
    } finally {
      await c.end();
    }
  });
  const benchUrl = new URL(url);
  benchUrl.pathname = `/${name}`;
  return {
    kind: 'postgresql',
    label: `PostgreSQL ${version}, fresh database ${name}`,
    serverEnv: { DATABASE_URL: benchUrl.toString() },
  };
}

function createEmbedded(runDir: string): BenchDatabase {
  const dataDir = join(runDir, 'data');
  return {
    kind: 'embedded',
    label: `embedded PGlite, fresh DATA_DIR ${dataDir}`,
    serverEnv: { DATA_DIR: dataDir },
  };
}

async function pgSql(url: string): Promise<Sql> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  return {
    kind: 'postgresql',
    exec: async (sql) => void (await client.query(sql)),
    query: async <T>(sql: string) => (await client.query(sql)).rows as T[],
    close: () => client.end(),
  };
}

async function pgliteSql(dataDir: string): Promise<Sql> {
  // The embedded database is single-process: seeded here while no server has it open.
  const { PGlite } = await import('@electric-sql/pglite');
  const db = new PGlite(join(dataDir, 'pglite'));
  return {
    kind: 'embedded',
    exec: async (sql) => void (await db.exec(sql)),
    query: async <T>(sql: string) => (await db.query<T>(sql)).rows,
    close: () => db.close(),
  };
}

/** `head VALUES (…), (…)` in statements of 2,000 rows. */
export function valuesStatements<T>(rows: T[], head: string, row: (r: T) => string): string[] {
  const statements: string[] = [];
  for (let i = 0; i < rows.length; i += 2000) {
    statements.push(
      `${head} VALUES ${rows
        .slice(i, i + 2000)
        .map(row)
        .join(',')}`,
    );
  }
  return statements;
}

/** Multi-row INSERTs of generated UUIDs and fixed strings only (nothing to escape). */
function seedStatements(p: Population): string[] {
  const statements: string[] = [];
  const batch = <T>(rows: T[], head: string, row: (r: T) => string): void => {
    statements.push(...valuesStatements(rows, head, row));
  };
  batch(
    p.users.map((u, i) => ({ ...u, i })),
    'INSERT INTO "User" ("id", "email", "name", "passwordHash", "createdAt", "updatedAt")',
    (u) => `('${u.id}', '${u.email}', 'Bench ${u.i}', '!bench: no password', now(), now())`,
  );
  const rooms = [
    ...p.rooms10.map((id, i) => ({ id, name: `bench 10 #${i}` })),
    ...p.rooms100.map((id, i) => ({ id, name: `bench 100 #${i}` })),
  ];
  batch(
    rooms,
    'INSERT INTO "chat"."ChatRoom" ("id", "type", "name", "createdAt", "updatedAt")',
    (r) => `('${r.id}', 'GROUP', '${r.name}', now(), now())`,
  );
  const members = p.users.flatMap((u, i) => [
    { room: p.rooms10[Math.floor(i / 10)], user: u.id, role: i % 10 === 0 ? 'OWNER' : 'MEMBER' },
    { room: p.rooms100[Math.floor(i / 100)], user: u.id, role: i % 100 === 0 ? 'OWNER' : 'MEMBER' },
  ]);
  batch(
    members,
    'INSERT INTO "chat"."ChatRoomParticipant" ("chatRoomId", "userId", "role", "joinedAt")',
    (m) => `('${m.room}', '${m.user}', '${m.role}', now())`,
  );
  return statements;
}

/** An access token as the gateway signs them: HS256, `{ sub, email, iat, exp }`. */
export function signToken(user: { id: string; email: string }, secret: string, ttlSeconds: number): string {
  const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: user.id, email: user.email, iat, exp: iat + ttlSeconds })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** Deletes every Redis key under the run's prefix (presence, typing, adapter), bounded. */
export async function clearRedisPrefix(url: string, prefix: string): Promise<number> {
  const { createClient } = await import('redis');
  const client = createClient({ url, socket: { connectTimeout: 5000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  await client.connect();
  let deleted = 0;
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) {
      if (keys.length > 0) deleted += await client.del(keys);
    }
  } finally {
    await client.quit().catch(() => undefined);
  }
  return deleted;
}

/** `redis-server` version, or a note when it cannot be reached. */
export async function redisVersion(url: string): Promise<string> {
  const { createClient } = await import('redis');
  const client = createClient({ url, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const info = await client.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
  } finally {
    await client.quit().catch(() => undefined);
  }
}
