import { PGlite } from '@electric-sql/pglite';
import { Logger } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import type { ChatDatabaseOptions } from 'nest-chat-gateway';
import type { AppConfig } from '../config/app-config';

/** The demo's own table: its users. The chat keeps its tables in schema "chat" of the same database. */
const MIGRATION = `
CREATE TABLE IF NOT EXISTS "User" (
  "id" UUID NOT NULL PRIMARY KEY,
  "email" TEXT NOT NULL UNIQUE,
  "name" TEXT NOT NULL,
  "passwordHash" TEXT NOT NULL,
  "tokenVersion" INTEGER NOT NULL DEFAULT 0,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
)`;

/**
 * The demo host's database, as a host application has one: PostgreSQL when
 * DATABASE_URL is set, else the embedded PGlite under DATA_DIR. The chat
 * is handed the same pool (or PGlite instance) through its `database` option.
 */
export class DemoDatabase {
  private readonly logger = new Logger('Database');

  private constructor(
    readonly kind: 'postgresql' | 'embedded',
    readonly location: string,
    private readonly pool: Pool | undefined,
    private readonly pglite: PGlite | undefined,
  ) {}

  static async open(config: AppConfig): Promise<DemoDatabase> {
    const db = config.databaseUrl
      ? new DemoDatabase('postgresql', redact(config.databaseUrl), newPool(config), undefined)
      : new DemoDatabase('embedded', join(config.dataDir, 'pglite'), undefined, newPGlite(config.dataDir));
    try {
      await db.query(MIGRATION);
    } catch (error) {
      await db.close().catch(() => undefined);
      throw new Error(
        `Cannot reach the database at ${db.location} (${(error as Error).message}). ` +
          'Start PostgreSQL or fix DATABASE_URL; unset it to use the embedded database.',
        { cause: error },
      );
    }
    db.logger.log(`using ${db.kind === 'embedded' ? 'embedded PostgreSQL (PGlite)' : 'PostgreSQL'} at ${db.location}`);
    return db;
  }

  /** What ChatModule is given: this very pool or PGlite instance. */
  get chatDatabase(): ChatDatabaseOptions {
    return this.pool ? { pool: this.pool } : { pglite: this.pglite! };
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (this.pool) return (await this.pool.query(sql, params)).rows as T[];
    return (await this.pglite!.query<T>(sql, params)).rows;
  }

  async close(): Promise<void> {
    if (this.pool && !this.pool.ended) await this.pool.end();
    if (this.pglite && !this.pglite.closed) await this.pglite.close();
  }
}

function newPool(config: AppConfig): Pool {
  // query_timeout bounds a query whose connection went silent (no RST): the caller gets an error, not a hang.
  const pool = new Pool({
    connectionString: config.databaseUrl,
    connectionTimeoutMillis: 5000,
    max: config.databasePoolSize,
    idleTimeoutMillis: 30_000,
    query_timeout: 10_000,
  });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on('error', (err) => new Logger('Database').warn(`idle PostgreSQL connection lost: ${err.message}`));
  return pool;
}

function newPGlite(dataDir: string): PGlite {
  const dir = join(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  return new PGlite(dir);
}

/** Where the data lives, for the log: server and database, never the credentials. */
function redact(url: string): string {
  const { protocol, host, pathname } = new URL(url);
  return `${protocol}//${host}${pathname}`;
}
