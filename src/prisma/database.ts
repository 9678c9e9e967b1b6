import { Logger } from '@nestjs/common';
import { redactUrl } from '../common/redact-url';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { SqlSession } from './migrator';

export type DatabaseKind = 'postgresql' | 'embedded';

/**
 * One database, whichever backend: the Prisma driver adapter for queries and
 * a raw SQL session for the migrator. PostgreSQL when DATABASE_URL is set,
 * else PGlite (PostgreSQL compiled to WebAssembly) stored under DATA_DIR.
 */
export interface Database {
  readonly kind: DatabaseKind;
  /** Where the data lives, safe to log (no password). */
  readonly location: string;
  readonly adapter: PrismaPg | PrismaPGlite;
  /**
   * One parameterized statement straight on the driver, for the few hot
   * paths where Prisma's per-query overhead shows in profiles (the handshake).
   */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs `fn` on one dedicated SQL session (a connection held for its duration). */
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir: string;
  poolSize?: number;
  connectTimeoutMs?: number;
}

export function openDatabase(options: DatabaseOptions): Database {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options) : openEmbedded(options.dataDir);
}

function openPostgres(url: string, options: DatabaseOptions): Database {
  const logger = new Logger('Database');
  const clientConfig = { connectionString: url, connectionTimeoutMillis: options.connectTimeoutMs ?? 5000 };
  // query_timeout bounds a query whose connection went silent (no RST): the caller gets an error, not a hang.
  const pool = new Pool({
    ...clientConfig,
    max: options.poolSize ?? 10,
    idleTimeoutMillis: 30_000,
    query_timeout: 10_000,
  });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on('error', (err) => logger.warn(`idle PostgreSQL connection lost: ${err.message}`));
  return {
    kind: 'postgresql',
    location: redactUrl(url),
    adapter: new PrismaPg(pool),
    query: async <T>(sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows as T[],
    async withSession(fn) {
      const client = new Client(clientConfig);
      client.on('error', (err) => logger.warn(`PostgreSQL session error: ${err.message}`));
      await client.connect();
      try {
        return await fn({
          exec: async (sql) => void (await client.query(sql)),
          query: async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as T[],
        });
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      if (!pool.ended) await pool.end();
    },
  };
}

function openEmbedded(dataDir: string): Database {
  const dir = join(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const pglite = new PGlite(dir);
  const session: SqlSession = {
    exec: async (sql) => void (await pglite.exec(sql)),
    query: async <T>(sql: string, params: unknown[] = []) => (await pglite.query<T>(sql, params)).rows,
  };
  return {
    kind: 'embedded',
    location: dir,
    adapter: new PrismaPGlite(pglite),
    query: (sql, params) => session.query(sql, params),
    withSession: (fn) => fn(session),
    async ping() {
      await pglite.query('SELECT 1');
    },
    async close() {
      if (!pglite.closed) await pglite.close();
    },
  };
}
