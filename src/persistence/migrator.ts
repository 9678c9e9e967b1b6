import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface SqlSession {
  /** Runs one or more statements (simple query protocol), no parameters. */
  exec(sql: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

/** The committed migrations, next to the schema. Same relative path from src/ and dist/, and in the package. */
export const DEFAULT_MIGRATIONS_DIR = resolve(__dirname, '../../prisma/migrations');

export interface MigrateOptions {
  /** The PostgreSQL schema the chat's tables live in (created if missing). Default `chat`. */
  schema?: string;
  dir?: string;
}

/**
 * A lock per chat schema: two nodes starting together migrate one after the
 * other, and the host's own `prisma migrate` (which locks 72707369) is never blocked.
 */
function advisoryLockKey(schema: string): number {
  return createHash('sha256').update(`nest-chat-gateway:${schema}`).digest().readInt32BE(0);
}

const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

/**
 * Applies `prisma/migrations/<name>/migration.sql` files in name order inside
 * the chat's own schema, with `search_path` set to it, and records them in a
 * `_prisma_migrations` table of that schema (same columns and sha256 checksum
 * as Prisma's), so `prisma migrate status` pointed at the schema agrees and
 * the host's own migrations table is never touched. Each migration runs in
 * its own transaction; an edited or half-applied migration stops start-up
 * with a message saying which.
 */
export async function applyMigrations(session: SqlSession, options: MigrateOptions = {}): Promise<MigrateResult> {
  const schema = options.schema ?? 'chat';
  const migrations = readMigrations(options.dir ?? DEFAULT_MIGRATIONS_DIR);
  const table = `${quote(schema)}."_prisma_migrations"`;
  const lock = advisoryLockKey(schema);
  await session.query('SELECT pg_advisory_lock($1)', [lock]);
  try {
    await session.exec(`CREATE SCHEMA IF NOT EXISTS ${quote(schema)}`);
    await session.exec(`CREATE TABLE IF NOT EXISTS ${table} (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
    const done = await appliedMigrations(session, table);
    const applied: string[] = [];
    for (const migration of pending(migrations, done)) {
      await session.exec('BEGIN');
      try {
        await session.exec(`SET LOCAL search_path TO ${quote(schema)}`);
        await session.exec(migration.sql);
        await session.query(
          `INSERT INTO ${table} (id, checksum, migration_name, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await session.exec('COMMIT');
      } catch (error) {
        await session.exec('ROLLBACK');
        throw new Error(`Migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(migration.name);
    }
    return { applied, alreadyApplied: migrations.length - applied.length };
  } finally {
    await session.query('SELECT pg_advisory_unlock($1)', [lock]);
  }
}

/** The names of committed migrations not yet applied to the schema (all of them when the schema is new). */
export async function pendingMigrations(session: SqlSession, options: MigrateOptions = {}): Promise<string[]> {
  const schema = options.schema ?? 'chat';
  const migrations = readMigrations(options.dir ?? DEFAULT_MIGRATIONS_DIR);
  const [exists] = await session.query<{ found: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS found`, [
    `${quote(schema)}."_prisma_migrations"`,
  ]);
  if (!exists?.found) return migrations.map((m) => m.name);
  const done = await appliedMigrations(session, `${quote(schema)}."_prisma_migrations"`);
  return pending(migrations, done).map((m) => m.name);
}

type AppliedRow = { migration_name: string; checksum: string; finished_at: Date | null };

async function appliedMigrations(session: SqlSession, table: string): Promise<Map<string, AppliedRow>> {
  const rows = await session.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at FROM ${table} WHERE rolled_back_at IS NULL`,
  );
  for (const row of rows) {
    if (!row.finished_at) {
      throw new Error(`Migration ${row.migration_name} started but never finished; resolve it before starting.`);
    }
  }
  return new Map(rows.map((r) => [r.migration_name, r]));
}

function pending(migrations: Migration[], done: Map<string, AppliedRow>): Migration[] {
  return migrations.filter((migration) => {
    const previous = done.get(migration.name);
    if (previous && previous.checksum !== migration.checksum) {
      throw new Error(
        `Migration ${migration.name} was edited after it was applied (checksum differs); add a new migration instead.`,
      );
    }
    return !previous;
  });
}

export function readMigrations(dir: string): Migration[] {
  if (!existsSync(dir)) throw new Error(`Migrations folder not found: ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}
