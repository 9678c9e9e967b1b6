/**
 * `npm run db:migrate`: applies the committed migrations to the configured
 * database (DATABASE_URL, else the embedded one under DATA_DIR) and exits.
 */
import { AppConfig } from '../config/app-config';
import { openDatabase } from './database';
import { applyMigrations } from './migrator';

async function main(): Promise<void> {
  const config = AppConfig.load();
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const { applied, alreadyApplied } = await database.withSession((session) => applyMigrations(session));
    console.log(`${database.kind} database at ${database.location}`);
    console.log(
      applied.length ? `applied: ${applied.join(', ')}` : `nothing to apply (${alreadyApplied} already applied)`,
    );
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
