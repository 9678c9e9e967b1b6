/**
 * `npm run db:migrate`: creates the demo's own table and applies the chat's
 * migrations to the configured database (DATABASE_URL, else the embedded one
 * under DATA_DIR), then exits. `npm start` does the same at start-up.
 */
import { migrateChatSchema } from 'nest-chat-gateway';
import { AppConfig } from './config/app-config';
import { DemoDatabase } from './database/demo-database';

async function main(): Promise<void> {
  const database = await DemoDatabase.open(AppConfig.load());
  try {
    const { applied, alreadyApplied } = await migrateChatSchema({ database: database.chatDatabase });
    console.log(`${database.kind} database at ${database.location}`);
    console.log(
      applied.length
        ? `chat schema: applied ${applied.join(', ')}`
        : `chat schema: up to date (${alreadyApplied} migrations)`,
    );
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
