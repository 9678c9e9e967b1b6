import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ChatHttpExceptionFilter, ChatIoAdapter, createChatValidationPipe } from 'nest-chat-gateway';
import { AppConfig } from './config/app-config';

/**
 * Everything main.ts applies to the app, shared with the e2e tests so they
 * exercise the same pipes, filters, CORS and limits as production. The
 * chat needs none of it: the demo uses the chat's validation pipe and error
 * filter for its own /auth routes so both answer in one format.
 */
export function configureApp(app: INestApplication): AppConfig {
  const config = app.get(AppConfig);
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  express.useBodyParser('json', { limit: '256kb' });
  app.useGlobalPipes(createChatValidationPipe());
  app.useGlobalFilters(new ChatHttpExceptionFilter());
  app.enableCors({ origin: corsOriginOption(config), credentials: false });
  // Optional: leaner sockets, and socket.io's server options from the environment.
  app.useWebSocketAdapter(
    new ChatIoAdapter(app, {
      maxHttpBufferSize: config.maxHttpBufferSize,
      cors: { origin: corsOriginOption(config), credentials: false },
    }),
  );
  // Not SIGUSR2 (Nest's default list has it): that one is Node's heap-snapshot signal.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Chat gateway demo')
      .setDescription(
        'REST API of the demo host and of the chat library it imports. Real-time events: socket.io namespace /chat (see docs/protocol.md).',
      )
      .setVersion('0.2.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
  return config;
}

/** Browser origins allowed by CORS_ORIGINS; the server's own origin is always allowed. */
export function corsOriginOption(config: AppConfig): boolean | string[] {
  return config.corsOrigins === '*' ? true : config.corsOrigins;
}
