import { Controller, Get, Header, StreamableFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';

/** The tester page sits at the repository root, beside README.md. Same path from src/ and dist/. */
const TESTER_PAGE = resolve(__dirname, '../test-websocket.html');

@ApiExcludeController()
@Controller()
export class AppController {
  @Get()
  index(): Record<string, string> {
    return {
      name: 'nest-chat-gateway',
      docs: '/docs',
      health: '/health',
      tester: '/test-websocket.html',
      socket: 'socket.io namespace /chat',
    };
  }

  @Get('test-websocket.html')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  tester(): StreamableFile {
    return new StreamableFile(createReadStream(TESTER_PAGE));
  }
}
