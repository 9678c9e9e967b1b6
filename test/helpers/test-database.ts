import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/** An isolated database for one test app: env overrides to reach it, and a way to throw it away. */
export interface TestDatabase {
  env: Record<string, string | undefined>;
  kind: 'postgresql' | 'embedded';
  /** A plain SQL client for asserting what was stored (PostgreSQL only; embedded tests go through Prisma). */
  url?: string;
  drop(): Promise<void>;
}

/**
 * With DATABASE_URL set: a fresh database on that server, dropped afterwards.
 * Without: a temporary DATA_DIR for the embedded PGlite database.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const dir = mkdtempSync(join(tmpdir(), 'chat-e2e-'));
    return {
      kind: 'embedded',
      env: { DATABASE_URL: undefined, DATA_DIR: dir },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `chat_e2e_${randomBytes(6).toString('hex')}`;
  await withAdmin(base, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    kind: 'postgresql',
    env: { DATABASE_URL: url.toString() },
    url: url.toString(),
    drop: () =>
      withAdmin(base, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

async function withAdmin<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
