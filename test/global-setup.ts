import { Client } from 'pg';

/**
 * Says which database the e2e suite runs on, and fails fast (rather than
 * with a hundred timeouts) when DATABASE_URL points at a server that is down.
 */
export default async function globalSetup(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.log('\ne2e: embedded PostgreSQL (PGlite), one temporary data dir per test app');
    return;
  }
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`DATABASE_URL is set but PostgreSQL is unreachable: ${(error as Error).message}`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
  console.log(`\ne2e: PostgreSQL at ${url.replace(/:[^:@/]+@/, ':***@')}, one fresh database per test app`);
}
