import type { ChatDatabaseOptions } from '../config/chat-options';
import { openDatabase } from './database';
import { applyMigrations, MigrateResult } from './migrator';

/**
 * Applies the chat's pending migrations to `database` (schema `chat` unless
 * told otherwise) and closes what it opened. For hosts that migrate in their
 * pipeline (`migrations: 'manual'`); the `nest-chat-gateway migrate` command calls it.
 */
export async function migrateChatSchema(options: {
  database: ChatDatabaseOptions;
  schema?: string;
}): Promise<MigrateResult> {
  const schema = options.schema ?? 'chat';
  const database = openDatabase(options.database, schema);
  try {
    return await database.withSession((session) => applyMigrations(session, { schema }));
  } finally {
    await database.close();
  }
}
