import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { browserUnavailableReason, launchChromium, screenshot, TesterPage } from './helpers/browser';
import { http, registerUser, RegisteredUser } from './helpers/http';
import { startTestApp, TestApp } from './helpers/test-app';

/**
 * The browser tester (test-websocket.html) driven in Debian's Chromium through
 * playwright-core: two users in two browser contexts chat through the real app.
 */
const unavailable = browserUnavailableReason();
if (unavailable) console.warn(`browser e2e skipped: ${unavailable}`);
const describeWithBrowser = unavailable ? describe.skip : describe;

const XSS = '<img src=x onerror=alert(1)>';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describeWithBrowser('browser tester (e2e)', () => {
  let browser: Browser;
  const pages: TesterPage[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(async () => {
    await Promise.all(pages.splice(0).map((p) => p.close()));
  });
  afterAll(async () => {
    await browser?.close();
  });

  function expectNothingRan(...testers: TesterPage[]): void {
    for (const tester of testers) {
      expect(tester.dialogs).toEqual([]);
      expect(tester.errors).toEqual([]);
    }
  }

  describe('served by the app', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({ env: { TYPING_TIMEOUT_MS: '1500' } });
    });
    afterAll(async () => {
      await t?.close();
    });

    async function open(width: number, height: number): Promise<TesterPage> {
      const page = await TesterPage.open(browser, `${t.url}/test-websocket.html`, { width, height });
      pages.push(page);
      return page;
    }

    it('should let two users chat: a DIRECT room, typing, delivered and read, unread counts, text-only rendering', async () => {
      const alice = await registerUser(t.url, 'Alice');
      const [a, b] = await Promise.all([open(1280, 860), open(420, 900)]);

      // The page is served with the server's own URL prefilled; Alice logs in, Bob registers on the page.
      expect(await a.by('server-url').inputValue()).toBe(t.url);
      await a.login(alice.user.email, alice.password);
      await b.register('Bob', `bob-${process.pid}-${Date.now()}@example.test`, 'correct horse battery');
      await Promise.all([a.connection('connected'), b.connection('connected')]);
      expect(await a.by('my-name').textContent()).toBe('Alice');
      expect(await a.myUserId()).toBe(alice.user.id);
      const bobId = await b.myUserId();
      expect(bobId).toMatch(UUID);

      // Alice creates a DIRECT room with Bob's id; it appears on Bob's side through chatRoomCreated.
      await a.by('new-room-participants').fill(bobId);
      await a.by('create-room-button').click();
      await a.by('room-header').waitFor();
      const roomId = (await a.by('room-id').textContent()) ?? '';
      expect(roomId).toMatch(UUID);
      await b.roomItem(roomId).waitFor();
      // Online state of the room-mate on both sides (getOnlineUsers after create, userStatus on connect).
      await a.page.locator(`[data-testid="participant"][data-user-id="${bobId}"][data-online="true"]`).waitFor();
      await b.roomItem(roomId).locator('[data-testid="room-presence-dot"][data-online="true"]').waitFor();

      // Bob has not opened the room: the message is delivered (✓✓) but not read, and unread for Bob.
      await a.send('Hello Bob');
      await a.messages({ text: 'Hello Bob', status: 'delivered' }).waitFor();
      expect(await a.messages({ text: 'Hello Bob' }).getByTestId('message-status').textContent()).toBe('✓✓');
      await b.unreadBadge(roomId).waitFor();
      expect(await b.unreadBadge(roomId).textContent()).toBe('1');

      // Bob opens the room: it is read (Alice sees "read"), and Bob's unread count goes away.
      await b.roomItem(roomId).click();
      await b.messages({ text: 'Hello Bob' }).waitFor();
      await a.messages({ text: 'Hello Bob', status: 'read' }).waitFor();
      expect(await a.messages({ text: 'Hello Bob' }).getByTestId('message-status').textContent()).toContain('read');
      await b.unreadBadge(roomId).waitFor({ state: 'hidden' });
      // Names come with the room's participants, so Bob's browser shows Alice by name.
      expect(await b.messages({ text: 'Hello Bob' }).getByTestId('message-sender').textContent()).toBe(alice.user.name);

      // Alice types without sending: Bob sees it, then it ends by itself (TYPING_TIMEOUT_MS=1500 on the server).
      await a.type('Are you there?');
      await b.by('typing-indicator').waitFor();
      expect(await b.by('typing-indicator').textContent()).toBe(`${alice.user.name} is typing…`);
      await b.by('typing-indicator').waitFor({ state: 'hidden' });
      await b.logEntries('userTyping', '"isTyping":false').first().waitFor();

      // Enter sends what was typed; Bob has the room open, so it is read at once.
      await a.by('composer-input').press('Enter');
      expect(await a.by('composer-input').inputValue()).toBe('');
      await b.messages({ text: 'Are you there?' }).waitFor();
      await a.messages({ text: 'Are you there?', status: 'read' }).waitFor();

      // Bob answers; Alice has the room open: Bob sees his message read. Alice sees Bob typing first.
      await b.type('Hi Alice!');
      await a.by('typing-indicator').waitFor();
      await b.by('composer-input').press('Enter');
      await a.messages({ text: 'Hi Alice!' }).waitFor();
      await a.by('typing-indicator').waitFor({ state: 'hidden' });
      await b.messages({ text: 'Hi Alice!', status: 'read' }).waitFor();
      expect(await a.messages({ text: 'Hi Alice!' }).getByTestId('message-sender').textContent()).toBe('Bob');
      expect(await b.messages({ text: 'Hi Alice!' }).getByTestId('message-sender').textContent()).toBe('Bob');

      // Markup in a message is text: shown literally on both sides, no element created, nothing run.
      await a.send(XSS);
      for (const tester of [a, b]) {
        const message = tester.messages({ text: XSS });
        await message.waitFor();
        expect(await message.getByTestId('message-content').textContent()).toBe(XSS);
        expect(await tester.by('message-list').locator('img').count()).toBe(0);
      }
      await a.messages({ text: XSS, status: 'read' }).waitFor();
      // Room list previews show it as text too.
      expect(await b.roomItem(roomId).textContent()).toContain(XSS);
      expect(await b.by('room-list').locator('img').count()).toBe(0);

      // Every message once, in order, on both sides.
      const expected = ['Hello Bob', 'Are you there?', 'Hi Alice!', XSS];
      for (const tester of [a, b]) {
        expect(await tester.by('message-list').getByTestId('message-content').allTextContents()).toEqual(expected);
      }

      // The log pane recorded events both ways (sendMessage out, its ack, newMessage in).
      await a.page.locator('[data-testid="log-entry"].out[data-event="sendMessage"]').first().waitFor();
      await a.page.locator('[data-testid="log-entry"].in[data-event="newMessage"]').first().waitFor();
      await a.page.locator('[data-testid="log-entry"].in[data-event="messageStatus"]').first().waitFor();

      await screenshot(a.page, 'browser-alice-1280.png');
      await screenshot(b.page, 'browser-bob-420.png');

      // The log can be cleared.
      await b.by('clear-log').click();
      expect(await b.page.getByTestId('log-entry').count()).toBe(0);
      expectNothingRan(a, b);
    }, 60_000);

    it('should page history with beforeSeq and catch up after a disconnect or a dropped connection without duplicates', async () => {
      const [carol, dave] = await Promise.all([registerUser(t.url, 'Carol'), registerUser(t.url, 'Dave')]);
      const created = await http(t.url, 'POST', '/chat-rooms', {
        token: carol.token,
        body: { type: 'DIRECT', participantIds: [dave.user.id] },
      });
      expect(created.status).toBe(201);
      const roomId: string = created.body.id;
      const say = async (who: RegisteredUser, content: string): Promise<void> => {
        const res = await http(t.url, 'POST', `/chat-rooms/${roomId}/messages`, {
          token: who.token,
          body: { content },
        });
        expect(res.status).toBe(201);
      };
      for (let i = 1; i <= 60; i++) await say(carol, `history ${i}`);

      // Dave signs in with a pasted token; 60 unread.
      const d = await open(1280, 800);
      await d.useToken(dave.token);
      await d.connection('connected');
      expect(await d.myUserId()).toBe(dave.user.id);
      await d.unreadBadge(roomId).waitFor();
      expect(await d.unreadBadge(roomId).textContent()).toBe('60');

      // Opening the room loads the newest page (50); "Load older" fetches the rest with beforeSeq.
      await d.roomItem(roomId).click();
      await d.messages({ text: 'history 60' }).waitFor();
      expect(await d.messages().count()).toBe(50);
      expect(await d.messages().first().getAttribute('data-seq')).toBe('11');
      await d.unreadBadge(roomId).waitFor({ state: 'hidden' });
      await d.by('load-older').click();
      await d.page.locator('[data-testid="message"][data-seq="1"]').waitFor();
      expect(await d.messages().count()).toBe(60);
      await d.by('load-older').waitFor({ state: 'hidden' });
      await d.logEntries('getMessages', '"beforeSeq":11').first().waitFor();

      // Disconnected on purpose: what is sent meanwhile arrives with getMessages { afterSeq } on connect.
      await d.by('disconnect-button').click();
      await d.connection('disconnected');
      await say(carol, 'missed 1');
      await say(carol, 'missed 2');
      await d.by('connect-button').click();
      await d.connection('connected');
      await d.messages({ text: 'missed 2' }).waitFor();
      await d.logEntries('getMessages', '"afterSeq":60').first().waitFor();

      // The connection drops (not the user's doing): socket.io reconnects by itself and the page catches up.
      await d.page.evaluate('window.chatTester.socket.io.engine.close()');
      await d.logEntries('reconnect_attempt').first().waitFor();
      await say(carol, 'while away');
      await d.connection('connected');
      await d.messages({ text: 'while away' }).waitFor();

      // Live, acked and caught-up copies are merged: every seq once, in order.
      await d.send('back again');
      await d.messages({ text: 'back again', status: 'sent' }).waitFor(); // ✓ on the ack; Carol is offline
      const ids = await d.renderedMessageIds();
      expect(ids).toHaveLength(64);
      expect(new Set(ids).size).toBe(64);
      const seqs = await d.messages().evaluateAll((nodes) => nodes.map((n) => Number(n.getAttribute('data-seq'))));
      expect(seqs).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));

      await screenshot(d.page, 'browser-history-1280.png');
      expectNothingRan(d);
    }, 60_000);
  });

  describe('opened as a file', () => {
    let t: TestApp;

    beforeAll(async () => {
      // A file:// page has the origin "null": the server has to allow any origin.
      t = await startTestApp({ env: { CORS_ORIGINS: '*' } });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('should load the socket.io client from the typed server URL, log in and show connect_error for a bad token', async () => {
      const user = await registerUser(t.url, 'Offline');
      const page = await TesterPage.open(browser, pathToFileURL(resolve(__dirname, '..', 'test-websocket.html')).href, {
        width: 1000,
        height: 760,
      });
      pages.push(page);

      await page.by('server-url').fill(`${t.url}/`);
      await page.login(user.user.email, user.password);
      await page.connection('connected');
      expect(await page.myUserId()).toBe(user.user.id);
      const scripts = await page.page
        .locator('script[src]')
        .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('src')));
      expect(scripts).toEqual([`${t.url}/socket.io/socket.io.js`]);

      // A pasted token the server refuses: the page still tries, and shows the handshake's connect_error.
      await page.by('logout-button').click();
      await page.connection('disconnected');
      const forged = user.token.slice(0, -4) + (user.token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      await page.useToken(forged);
      await page.by('connection-error').waitFor();
      expect(await page.by('connection-error').textContent()).toBe('connect_error: Unauthorized');
      await page.connection('disconnected');
      expectNothingRan(page);
    });
  });
});
