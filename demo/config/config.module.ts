import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AppConfig } from './app-config';

/**
 * Loads `.env` (if present) through @nestjs/config, validates everything
 * once, and provides the typed `AppConfig`. Overrides let tests run several
 * differently configured apps in one process.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(overrides: Record<string, string | undefined> = {}): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [ConfigModule.forRoot({ envFilePath: ['.env'], ignoreEnvVars: false, cache: false })],
      providers: [{ provide: AppConfig, useFactory: () => AppConfig.load(overrides) }],
      exports: [AppConfig],
    };
  }
}
