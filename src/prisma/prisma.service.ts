import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { PrismaClient } from '../generated/prisma/client';
import type { Database } from './database';

/**
 * The Prisma client for whichever database was opened. Migrations have been
 * applied before this is constructed (see PrismaModule).
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  private readonly logger = new Logger(PrismaService.name);

  constructor(readonly database: Database) {
    super({ adapter: database.adapter });
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
