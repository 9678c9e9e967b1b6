import { Controller, Get, Header, NotFoundException, StreamableFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createReadStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The tester page sits at the repository root, beside README.md. Same path from src/ and dist/. */
const TESTER_PAGE = resolve(__dirname, '../test-websocket.html');
/** The library's typed client as one browser ES module (`npm run build:lib` makes it), for pages to import. */
const CLIENT_BUNDLE = resolve(__dirname, '../dist/client/chat-client.browser.mjs');

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
      client: '/chat-client.js',
      socket: 'socket.io namespace /chat',
    };
  }

  @Get('test-websocket.html')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  tester(): StreamableFile {
    return new StreamableFile(createReadStream(TESTER_PAGE));
  }

  /** `import { ChatClient } from '/chat-client.js'` in a page of this origin. */
  @Get('chat-client.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  chatClient(): StreamableFile {
    if (!existsSync(CLIENT_BUNDLE)) throw new NotFoundException('The client bundle is not built: npm run build:lib');
    return new StreamableFile(createReadStream(CLIENT_BUNDLE));
  }
}
