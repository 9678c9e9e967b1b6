import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ChatClient } from '../src/client';
import type { ChatRoomView, MessagePage, MessageView } from '../src/contract/chat.events';
import { browserUnavailableReason, launchChromium } from './helpers/browser';
import { http, HttpResult, registerUser } from './helpers/http';
import { startTestApp, TestApp } from './helpers/test-app';

/**
 * The typed client's browser bundle, as the demo serves it (`/chat-client.js`),
 * imported by a page in Debian's Chromium and chatting with a Node client.
 */
const unavailable = browserUnavailableReason();
if (unavailable) console.warn(`client browser e2e skipped: ${unavailable}`);
const describeWithBrowser = unavailable ? describe.skip : describe;

const ROOT = resolve(__dirname, '..');
const BUNDLE = join(ROOT, 'dist/client/chat-client.browser.mjs');

/**
 * The bundle the demo serves comes from `npm run build:lib` (dist/, as in a package). A fresh clone has none yet,
 * and sources may have changed since: then it is built here, with the same script.
 */
function buildBundleIfStale(): void {
  const built = existsSync(BUNDLE) ? statSync(BUNDLE).mtimeMs : 0;
  const sources = ['src/client', 'src/contract'].flatMap((dir) =>
    readdirSync(join(ROOT, dir)).map((file) => statSync(join(ROOT, dir, file)).mtimeMs),
  );
  if (sources.some((mtime) => mtime > built)) {
    execFileSync('npm', ['run', '--silent', 'build:client'], { cwd: ROOT, stdio: 'pipe' });
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** What the page keeps on `window`: its client, and the messages as its handlers saw them. */
interface PageState {
  ChatClient: typeof ChatClient;
  alice: ChatClient;
  seen: { id: string; content: string; eventSeq: number }[];
  offlineSend?: Promise<MessageView>;
}

describeWithBrowser('ChatClient in the browser (e2e)', () => {
  let t: TestApp;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    buildBundleIfStale();
    [t, browser] = await Promise.all([startTestApp(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /**
   * GET /chat-client.js. The adoption test's `npm pack` rebuilds dist/ (prepack: build:lib), so for a few seconds
   * the file can be missing when both run at once: wait for it to be back rather than fail.
   */
  async function bundleServed(): Promise<HttpResult> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await http(t.url, 'GET', '/chat-client.js');
      if (res.status !== 404 || Date.now() > deadline) return res;
      await new Promise((done) => setTimeout(done, 250));
    }
  }

  async function openPage(): Promise<Page> {
    const context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${t.url}/`);
    // A module script of the page's own: `import` stays as written (the test file itself is compiled to CommonJS).
    await page.addScriptTag({
      type: 'module',
      content: "import { ChatClient } from '/chat-client.js'; window.ChatClient = ChatClient;",
    });
    await page.waitForFunction(() => 'ChatClient' in globalThis);
    return page;
  }

  it('should import the served bundle, chat with a Node client, and catch up after a reconnect', async () => {
    const [a, b] = await Promise.all([registerUser(t.url, 'Alice'), registerUser(t.url, 'Bob')]);
    const served = await bundleServed();
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toMatch(/^text\/javascript/);

    const page = await openPage();
    await page.evaluate(
      async ({ url, token }) => {
        const w = globalThis as unknown as PageState;
        w.seen = [];
        w.alice = new w.ChatClient({ url, token, socket: { reconnectionDelay: 50, reconnectionDelayMax: 200 } });
        w.alice.on('newMessage', (m) => w.seen.push({ id: m.id, content: m.content, eventSeq: m.eventSeq }));
        w.alice.on('messageUpdated', (m) => {
          const shown = w.seen.find((s) => s.id === m.id);
          if (shown) shown.content = m.content;
        });
        await w.alice.connect();
      },
      { url: t.url, token: a.token },
    );
    const bob = new ChatClient({ url: t.url, token: b.token, socket: { transports: ['websocket'] } });
    try {
      await bob.connect();
      const room = await page.evaluate(async (bobId): Promise<ChatRoomView> => {
        const w = globalThis as unknown as PageState;
        const created = await w.alice.createChatRoom({ type: 'DIRECT', participantIds: [bobId] });
        await w.alice.getChatRooms();
        return created;
      }, b.user.id);

      // Browser → Node, and Node → browser.
      const atBob = new Promise<MessageView>((done) => bob.on('newMessage', (m) => done(m)));
      const sent = await page.evaluate(
        (chatRoomId) =>
          (globalThis as unknown as PageState).alice.sendMessage({ chatRoomId, content: 'from the browser' }),
        room.id,
      );
      expect(sent.clientMessageId).toMatch(UUID);
      expect(await atBob).toMatchObject({ id: sent.id, content: 'from the browser' });
      await bob.sendMessage({ chatRoomId: room.id, content: 'from node' });
      await page.waitForFunction(() =>
        (globalThis as unknown as PageState).seen.some((m) => m.content === 'from node'),
      );

      // A refusal reaches the page as a ChatError with its code.
      const refusal = await page.evaluate(async (chatRoomId) => {
        try {
          await (globalThis as unknown as PageState).alice.sendMessage({ chatRoomId, content: '   ' });
          return undefined;
        } catch (error) {
          return { name: (error as Error).name, code: (error as { code: string }).code };
        }
      }, room.id);
      expect(refusal).toEqual({ name: 'ChatError', code: 'VALIDATION_FAILED' });

      // The page's transport closes; Bob writes and edits meanwhile; Alice writes while offline.
      await page.evaluate(() => {
        const { alice } = globalThis as unknown as PageState;
        alice.socket.io.reconnection(false);
        alice.socket.io.engine.close();
      });
      await page.waitForFunction(() => !(globalThis as unknown as PageState).alice.connected);
      await bob.sendMessage({ chatRoomId: room.id, content: 'missed 1' });
      const missed = await bob.sendMessage({ chatRoomId: room.id, content: 'missed 2' });
      await bob.editMessage({ messageId: missed.id, content: 'missed 2 (edited)' });
      await page.evaluate((chatRoomId) => {
        const w = globalThis as unknown as PageState;
        w.offlineSend = w.alice.sendMessage({ chatRoomId, content: 'queued in the browser' });
      }, room.id);
      const reconnect = await page.evaluate(
        () =>
          new Promise<boolean>((done) => {
            const { alice } = globalThis as unknown as PageState;
            const off = alice.on('connected', (info) => {
              off();
              done(info.reconnect);
            });
            alice.socket.io.reconnection(true);
            alice.socket.connect();
          }),
      );
      expect(reconnect).toBe(true);
      await page.evaluate(() => (globalThis as unknown as PageState).offlineSend);

      // What the page's handlers saw, once each and in order, is what the server has.
      await page.waitForFunction(() =>
        (globalThis as unknown as PageState).seen.some((m) => m.content === 'queued in the browser'),
      );
      const { seen, history } = await page.evaluate(async (chatRoomId) => {
        const w = globalThis as unknown as PageState;
        const history: MessagePage = await w.alice.getMessages({ chatRoomId });
        return { seen: w.seen, history };
      }, room.id);
      expect(seen.map(({ id, content }) => ({ id, content }))).toEqual(
        history.messages.map(({ id, content }) => ({ id, content })),
      );
      expect(history.messages.map((m) => m.content)).toEqual([
        'from the browser',
        'from node',
        'missed 1',
        'missed 2 (edited)',
        'queued in the browser',
      ]);
      expect(await t.prisma.message.count({ where: { content: 'queued in the browser' } })).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      bob.close();
    }
  });
});
