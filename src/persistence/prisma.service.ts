import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Prisma, PrismaClient } from './generated/prisma/client';
import type { Database } from './database';

/**
 * The chat's Prisma client, on the chat's schema of whichever database the
 * host configured. Migrations have been applied (or checked) before this is
 * constructed (see persistence.providers.ts).
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  private readonly logger = new Logger('ChatDatabase');

  constructor(readonly database: Database) {
    super({ adapter: database.adapter });
  }

  /** A chat table for `$queryRaw`: `"chat"."Message"` (raw SQL is not qualified by Prisma). */
  table(
    name:
      | 'ChatRoom'
      | 'ChatRoomParticipant'
      | 'Message'
      | 'MessageMention'
      | 'RoomEvent'
      | 'UserState'
      | 'UserBlock'
      | 'OutboxCursor'
      | 'OutboxDelivery',
  ): Prisma.Sql {
    return Prisma.raw(this.database.table(name));
  }

  /**
   * A message row's columns for raw SQL, `alias."id", alias."chatRoomId", …` (unqualified without an alias):
   * what Prisma reads, so not the generated `searchVector` (large, and not
   * part of a message).
   */
  messageColumns(alias?: string): Prisma.Sql {
    const prefix = alias === undefined ? '' : `${alias}.`;
    return Prisma.raw(
      Object.values(Prisma.MessageScalarFieldEnum)
        .map((column) => `${prefix}"${column}"`)
        .join(', '),
    );
  }

  /** The search's text search configuration, `'"chat"."chat_search"'::regconfig` (see the migration that creates it). */
  searchConfig(): Prisma.Sql {
    return Prisma.raw(`'${this.database.table('chat_search').replace(/'/g, "''")}'::regconfig`);
  }

  async isHealthy(): Promise<boolean> {
    try {
      await this.database.ping();
      return true;
    } catch (error) {
      this.logger.warn(`database ping failed: ${(error as Error).message}`);
      return false;
    }
  }

  /** After every module's destroy hooks, which may still write (e.g. lastSeenAt on shutdown). */
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
    await this.database.close();
  }
}
