import { Global, Logger, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { openDatabase } from './database';
import { applyMigrations } from './migrator';
import { PrismaService } from './prisma.service';

/** Opens the database, applies committed migrations, then provides PrismaService. */
@Global()
@Module({
  providers: [
    {
      provide: PrismaService,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        const logger = new Logger('Database');
        const database = openDatabase({
          databaseUrl: config.databaseUrl,
          dataDir: config.dataDir,
          poolSize: config.databasePoolSize,
        });
        logger.log(
          `using ${database.kind === 'embedded' ? 'embedded PostgreSQL (PGlite)' : 'PostgreSQL'} at ${database.location}`,
        );
        try {
          const result = await database.withSession((session) => applyMigrations(session));
          logger.log(
            result.applied.length > 0
              ? `applied migrations: ${result.applied.join(', ')}`
              : `schema up to date (${result.alreadyApplied} migrations)`,
          );
        } catch (error) {
          await database.close().catch(() => undefined);
          const code = (error as { code?: string }).code;
          if (
            code === 'ECONNREFUSED' ||
            code === 'ENOTFOUND' ||
            code === 'ETIMEDOUT' ||
            code === '3D000' ||
            code === '28P01'
          ) {
            throw new Error(
              `Cannot reach the database at ${database.location} (${code}: ${(error as Error).message}). ` +
                'Start PostgreSQL or fix DATABASE_URL; unset it to use the embedded database.',
              { cause: error },
            );
          }
          throw error;
        }
        return new PrismaService(database);
      },
    },
  ],
  exports: [PrismaService],
})
export class PrismaModule {}
