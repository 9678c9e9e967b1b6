import { Logger } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Pool, type PoolClient } from 'pg';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { OPTIONAL_PEERS, optionalRequire } from '../common/optional-require';
import { redactUrl } from '../common/redact-url';
import type { ChatDatabaseOptions, EmbeddedPostgres } from '../config/chat-options';
import type { SqlSession } from './migrator';

export type DatabaseKind = 'postgresql' | 'embedded';

/**
 * One database, whichever backend: the Prisma driver adapter for queries
 * (set to the chat's schema) and a raw SQL session for the migrator.
 */
export interface Database {
  readonly kind: DatabaseKind;
  /** Where the data lives, safe to log (no password). */
  readonly location: string;
  /** The PostgreSQL schema of the chat's tables. */
  readonly schema: string;
  readonly adapter: SqlDriverAdapterFactory;
  /**
   * One parameterized statement straight on the driver, for the few hot
   * paths where Prisma's per-query overhead shows in profiles (the handshake).
   * Table names must be qualified with `table()`.
   */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** `"schema"."Name"`: a chat table for raw SQL. */
  table(name: string): string;
  /** Runs `fn` on one dedicated SQL session (a connection held for its duration). */
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  /** Closes what the chat opened; a pool or PGlite instance the host handed in stays open. */
  close(): Promise<void>;
}

export function openDatabase(options: ChatDatabaseOptions, schema: string): Database {
  if ('url' in options) return openPostgres(ownPool(options), schema, true, redactUrl(options.url));
  if ('pool' in options) return openPostgres(options.pool, schema, false, 'the host’s pg.Pool');
  if ('pglite' in options) return openEmbedded(options.pglite, schema, false, 'the host’s PGlite instance');
  const dir = resolve(join(options.dataDir, 'pglite'));
  mkdirSync(dir, { recursive: true });
  const { PGlite } = optionalRequire<{ PGlite: new (dir: string) => EmbeddedPostgres }>(
    '@electric-sql/pglite',
    'The embedded database (database: { dataDir })',
    OPTIONAL_PEERS.embedded,
  );
  return openEmbedded(new PGlite(dir), schema, true, dir);
}

const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

function ownPool(options: { url: string; poolSize?: number; connectTimeoutMs?: number; queryTimeoutMs?: number }) {
  const logger = new Logger('ChatDatabase');
  // query_timeout bounds a query whose connection went silent (no RST): the caller gets an error, not a hang.
  // The server's statement_timeout fires first, so a statement the client gave up on was rolled back, never
  // committed behind its caller's back (an answered UNAVAILABLE then means "not stored").
  const queryTimeoutMs = options.queryTimeoutMs ?? 10_000;
  const pool = new Pool({
    connectionString: options.url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    max: options.poolSize ?? 10,
    idleTimeoutMillis: 30_000,
    query_timeout: queryTimeoutMs,
    statement_timeout: Math.max(1, queryTimeoutMs - Math.min(1000, Math.floor(queryTimeoutMs / 5))),
  });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on('error', (err) => logger.warn(`idle PostgreSQL connection lost: ${err.message}`));
  return pool;
}

function openPostgres(pool: Pool, schema: string, owned: boolean, location: string): Database {
  return {
    kind: 'postgresql',
    location,
    schema,
    adapter: new PrismaPg(pool, { schema }),
    table: (name) => `${quote(schema)}.${quote(name)}`,
    query: async <T>(sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows as T[],
    async withSession(fn) {
      const client: PoolClient = await pool.connect();
      let broken: Error | undefined;
      try {
        return await fn({
          exec: async (sql) => void (await client.query(sql)),
          query: async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as T[],
        });
      } catch (error) {
        broken = error as Error;
        throw error;
      } finally {
        // A session that failed may hold a lock or an open transaction: it is not given back to the pool.
        client.release(broken);
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      if (owned && !pool.ended) await pool.end();
    },
  };
}

interface PGliteAdapterModule {
  PrismaPGlite: new (client: EmbeddedPostgres) => SqlDriverAdapterFactory;
}

function openEmbedded(pglite: EmbeddedPostgres, schema: string, owned: boolean, location: string): Database {
  const { PrismaPGlite } = optionalRequire<PGliteAdapterModule>(
    'pglite-prisma-adapter',
    'The embedded database (database: { dataDir } or { pglite })',
    OPTIONAL_PEERS.embedded,
  );
  const session: SqlSession = {
    exec: async (sql) => void (await pglite.exec(sql)),
    query: async <T>(sql: string, params: unknown[] = []) => (await pglite.query<T>(sql, params)).rows,
  };
  return {
    kind: 'embedded',
    location,
    schema,
    adapter: withSchema(new PrismaPGlite(pglite), schema),
    table: (name) => `${quote(schema)}.${quote(name)}`,
    query: (sql, params) => session.query(sql, params),
    withSession: (fn) => fn(session),
    async ping() {
      await pglite.query('SELECT 1');
    },
    async close() {
      if (owned && !pglite.closed) await pglite.close();
    },
  };
}

/**
 * The PGlite adapter takes no schema option; Prisma reads the schema of its
 * generated queries from the adapter's connection info, so that is where it goes.
 */
function withSchema(factory: SqlDriverAdapterFactory, schema: string): SqlDriverAdapterFactory {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    const info = adapter.getConnectionInfo?.() ?? { supportsRelationJoins: true };
    adapter.getConnectionInfo = () => ({ ...info, schemaName: schema });
    return adapter;
  };
  return factory;
}
