#!/usr/bin/env node
/**
 * `npx nest-chat-gateway migrate [--url postgresql://…] [--data-dir DIR] [--schema chat]`:
 * applies the chat's committed migrations and exits, for hosts that run
 * with `migrations: 'manual'` and migrate in their deployment pipeline.
 * Without --url or --data-dir, DATABASE_URL is used.
 */
import { parseArgs } from 'node:util';
import type { ChatDatabaseOptions } from '../config/chat-options';
import { migrateChatSchema } from './migrate';

const USAGE = `usage: nest-chat-gateway migrate [--url postgresql://…] [--data-dir DIR] [--schema chat]

Applies the chat's pending migrations (under a lock, so concurrent runs are safe) and exits.
  --url URL        the PostgreSQL database (default: the DATABASE_URL environment variable)
  --data-dir DIR   the embedded database's directory instead (development)
  --schema NAME    the schema holding the chat's tables; match the module's schema option (default: chat)
  -h, --help       this text`;

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      'data-dir': { type: 'string' },
      schema: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals[0] !== 'migrate' || positionals.length > 1) throw new Error(USAGE);
  const url = values.url ?? (values['data-dir'] ? undefined : process.env.DATABASE_URL);
  const database: ChatDatabaseOptions | undefined = url
    ? { url }
    : values['data-dir']
      ? { dataDir: values['data-dir'] }
      : undefined;
  if (!database) throw new Error(`${USAGE}\n(no --url, --data-dir or DATABASE_URL)`);
  const result = await migrateChatSchema({ database, schema: values.schema });
  console.log(
    result.applied.length > 0
      ? `applied: ${result.applied.join(', ')}`
      : `nothing to apply (${result.alreadyApplied} already applied)`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
