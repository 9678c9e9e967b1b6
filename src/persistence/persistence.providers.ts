import { Logger, Provider } from '@nestjs/common';
import { ChatConfig } from '../config/chat-config';
import { openDatabase } from './database';
import { applyMigrations, pendingMigrations } from './migrator';
import { PrismaService } from './prisma.service';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', '3D000', '28P01', '28000']);

/**
 * Opens the chat's database, then applies pending migrations
 * (`migrations: 'auto'`) or refuses to start while any is pending (`'manual'`).
 */
export const prismaProvider: Provider = {
  provide: PrismaService,
  inject: [ChatConfig],
  useFactory: async (config: ChatConfig): Promise<PrismaService> => {
    const logger = new Logger('ChatDatabase');
    const database = openDatabase(config.database, config.schema);
    const where = `${database.kind === 'embedded' ? 'embedded PostgreSQL (PGlite)' : 'PostgreSQL'} at ${database.location}, schema "${config.schema}"`;
    try {
      if (config.migrations === 'auto') {
        const result = await database.withSession((s) => applyMigrations(s, { schema: config.schema }));
        logger.log(
          result.applied.length > 0
            ? `${where}: applied migrations ${result.applied.join(', ')}`
            : `${where}: up to date (${result.alreadyApplied} migrations)`,
        );
      } else {
        const pending = await database.withSession((s) => pendingMigrations(s, { schema: config.schema }));
        if (pending.length > 0) {
          throw new Error(
            `The chat schema "${config.schema}" lacks migrations ${pending.join(', ')} (migrations: 'manual'). ` +
              'Run `npx nest-chat-gateway migrate` (or migrateChatSchema()) first.',
          );
        }
        logger.log(`${where}: up to date`);
      }
    } catch (error) {
      await database.close().catch(() => undefined);
      const code = (error as { code?: string }).code;
      if (code && UNREACHABLE.has(code)) {
        throw new Error(
          `Cannot reach the chat database at ${database.location} (${code}: ${(error as Error).message}).`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
    return new PrismaService(database);
  },
};
