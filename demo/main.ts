import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { ConfigValidationError } from './config/env.validation';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), { bufferLogs: true });
  const config = configureApp(app);
  app.useLogger(logLevels(config.logLevel));
  // A stray rejected promise is a bug to log, not a reason to drop every connection of this process.
  process.on('unhandledRejection', (reason) => {
    new Logger('Process').error(
      `unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
    );
  });
  // Graceful shutdown (enableShutdownHooks) drains and closes; this bounds it, and exits 0 once it is done
  // (Nest would re-raise the signal, and the process would end as killed by it).
  let stopping = false;
  const onSignal = (): void => {
    // A second signal, or Nest re-raising the first once closed: the shutdown under way decides.
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      new Logger('Bootstrap').error(
        `shutdown took longer than SHUTDOWN_TIMEOUT_MS (${config.shutdownTimeoutMs} ms); exiting`,
      );
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    // Joins the shutdown the signal started (close() awaits the one in flight rather than starting another).
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        new Logger('Bootstrap').error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, onSignal);
  await app.listen(config.port);
  new Logger('Bootstrap').log(`listening on ${await app.getUrl()} (docs at /docs, tester at /test-websocket.html)`);
}

function logLevels(level: string): ('error' | 'warn' | 'log' | 'debug' | 'verbose')[] {
  const all = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
  return all.slice(0, all.indexOf(level as (typeof all)[number]) + 1);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    console.error(error.message);
  } else {
    console.error('Failed to start:', error instanceof Error ? (error.stack ?? error.message) : error);
  }
  process.exit(1);
});
