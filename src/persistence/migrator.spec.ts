import { PGlite } from '@electric-sql/pglite';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMigrations, DEFAULT_MIGRATIONS_DIR, pendingMigrations, readMigrations, SqlSession } from './migrator';

function sessionOf(db: PGlite): SqlSession {
  return {
    exec: async (sql) => void (await db.exec(sql)),
    query: async <T>(sql: string, params: unknown[] = []) => (await db.query<T>(sql, params)).rows,
  };
}

describe('applyMigrations', () => {
  let db: PGlite;
  let dir: string;

  beforeEach(() => {
    db = new PGlite();
    dir = mkdtempSync(join(tmpdir(), 'migrations-'));
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function addMigration(name: string, sql: string): void {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }

  it('should apply pending migrations in name order and record them as Prisma does', async () => {
    addMigration('2_second', 'ALTER TABLE t ADD COLUMN b int;');
    addMigration('1_first', 'CREATE TABLE t (a int);');
    const result = await applyMigrations(sessionOf(db), { dir });
    expect(result).toEqual({ applied: ['1_first', '2_second'], alreadyApplied: 0 });
    const rows = await db.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM chat."_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name',
    );
    expect(rows.rows.map((r) => r.migration_name)).toEqual(['1_first', '2_second']);
    expect(rows.rows[0].checksum).toBe(readMigrations(dir)[0].checksum);
  });

  it('should apply nothing the second time', async () => {
    addMigration('1_first', 'CREATE TABLE t (a int);');
    await applyMigrations(sessionOf(db), { dir });
    expect(await applyMigrations(sessionOf(db), { dir })).toEqual({ applied: [], alreadyApplied: 1 });
  });

  it('should refuse to start when an applied migration was edited', async () => {
    addMigration('1_first', 'CREATE TABLE t (a int);');
    await applyMigrations(sessionOf(db), { dir });
    writeFileSync(join(dir, '1_first', 'migration.sql'), 'CREATE TABLE t (a bigint);');
    await expect(applyMigrations(sessionOf(db), { dir })).rejects.toThrow(/1_first was edited/);
  });

  it('should roll back a failing migration entirely and name it', async () => {
    addMigration('1_bad', 'CREATE TABLE ok (a int); CREATE TABLE broken (;');
    await expect(applyMigrations(sessionOf(db), { dir })).rejects.toThrow(/Migration 1_bad failed/);
    const tables = await db.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'ok'`);
    expect(tables.rows).toHaveLength(0);
    const recorded = await db.query('SELECT 1 FROM chat."_prisma_migrations"');
    expect(recorded.rows).toHaveLength(0);
  });

  it('should put the committed migrations in the chat schema only, leaving a host table of the same name alone', async () => {
    await db.exec('CREATE TABLE public."Message" (id int primary key)');
    const result = await applyMigrations(sessionOf(db), { dir: DEFAULT_MIGRATIONS_DIR, schema: 'chat_x' });
    expect(result.applied.length).toBeGreaterThan(0);
    const tables = await db.query<{ table_schema: string; table_name: string }>(
      `SELECT table_schema, table_name FROM information_schema.tables
        WHERE table_name IN ('Message', 'ChatRoom', '_prisma_migrations') ORDER BY table_schema, table_name`,
    );
    expect(tables.rows).toEqual([
      { table_schema: 'chat_x', table_name: 'ChatRoom' },
      { table_schema: 'chat_x', table_name: 'Message' },
      { table_schema: 'chat_x', table_name: '_prisma_migrations' },
      { table_schema: 'public', table_name: 'Message' },
    ]);
  });

  it('should list what is pending: everything for a new schema, nothing once applied', async () => {
    addMigration('1_first', 'CREATE TABLE t (a int);');
    expect(await pendingMigrations(sessionOf(db), { dir })).toEqual(['1_first']);
    await applyMigrations(sessionOf(db), { dir });
    expect(await pendingMigrations(sessionOf(db), { dir })).toEqual([]);
    addMigration('2_second', 'ALTER TABLE t ADD COLUMN b int;');
    expect(await pendingMigrations(sessionOf(db), { dir })).toEqual(['2_second']);
  });
});
