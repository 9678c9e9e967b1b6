import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { NestExpressApplication } from '@nestjs/platform-express';
import { ChatIoAdapter } from './chat/ws/chat-io.adapter';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';

/**
 * Everything main.ts applies to the app, shared with the e2e tests so they
 * exercise the same pipes, filters, CORS and limits as production.
 */
export function configureApp(app: INestApplication): AppConfig {
  const config = app.get(AppConfig);
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  express.useBodyParser('json', { limit: '256kb' });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  app.enableCors({ origin: corsOriginOption(config), credentials: false });
  app.useWebSocketAdapter(new ChatIoAdapter(app));
  // Not SIGUSR2 (Nest's default list has it): that one is Node's heap-snapshot signal.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Chat gateway')
      .setDescription(
        'REST API of the chat gateway. Real-time events: socket.io namespace /chat (see docs/protocol.md).',
      )
      .setVersion('0.1.0')
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
