import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { ChatClient } from '../src/client';
import type { MessageView } from '../src/contract/chat.events';
import { browserUnavailableReason, launchChromium, screenshot, TesterPage } from './helpers/browser';
import { http, registerUser, RegisteredUser } from './helpers/http';
import { startTestApp, TestApp } from './helpers/test-app';

/**
 * The browser tester (test-websocket.html) driven in Debian's Chromium through
 * playwright-core: two users in two browser contexts chat through the real app.
 * The page talks through the library's typed client, which the app serves at
 * /chat-client.js (dist/client/chat-client.browser.mjs).
 */
const unavailable = browserUnavailableReason();
if (unavailable) console.warn(`browser e2e skipped: ${unavailable}`);
const describeWithBrowser = unavailable ? describe.skip : describe;

const ROOT = resolve(__dirname, '..');
const BUNDLE = join(ROOT, 'dist/client/chat-client.browser.mjs');

/** The client bundle the page imports comes from `npm run build:lib`: built here when missing or older than its sources. */
function buildBundleIfStale(): void {
  const built = existsSync(BUNDLE) ? statSync(BUNDLE).mtimeMs : 0;
  const sources = ['src/client', 'src/contract'].flatMap((dir) =>
    readdirSync(join(ROOT, dir)).map((file) => statSync(join(ROOT, dir, file)).mtimeMs),
  );
  if (sources.some((mtime) => mtime > built)) {
    execFileSync('npm', ['run', '--silent', 'build:client'], { cwd: ROOT, stdio: 'pipe' });
  }
}

/** GET /chat-client.js answers (another test's `npm pack` rebuilds dist/, removing the bundle for a few seconds). */
async function bundleServed(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await http(url, 'GET', '/chat-client.js');
    if (res.status === 200) return;
    if (Date.now() > deadline) throw new Error(`GET /chat-client.js: ${res.status}`);
    await new Promise((done) => setTimeout(done, 250));
  }
}

const XSS = '<img src=x onerror=alert(1)>';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describeWithBrowser('browser tester (e2e)', () => {
  let browser: Browser;
  const pages: TesterPage[] = [];

  beforeAll(async () => {
    buildBundleIfStale();
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
      await bundleServed(t.url);
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

      // Disconnected on purpose: what is sent meanwhile is replayed on connect by the client's sync, from the
      // room's event cursor (60 messages, 60 events), through the page's own newMessage handler.
      await d.by('disconnect-button').click();
      await d.connection('disconnected');
      await say(carol, 'missed 1');
      await say(carol, 'missed 2');
      await d.by('connect-button').click();
      await d.connection('connected');
      await d.messages({ text: 'missed 2' }).waitFor();
      await d.page
        .locator('[data-testid="log-entry"].out[data-event="sync"]')
        .filter({ hasText: '"afterEventSeq":60' })
        .first()
        .waitFor();
      await d.page
        .locator('[data-testid="log-entry"].sync[data-event="newMessage"]')
        .filter({ hasText: 'missed 2' })
        .waitFor();
      expect(await d.logEntries('getMessages', 'afterSeq').count()).toBe(0); // no catch-up of the page's own

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

    /** A page signed in with a token (as another tab or device of the same user, when called twice). */
    async function signedIn(user: RegisteredUser, width = 1280, height = 860): Promise<TesterPage> {
      const page = await open(width, height);
      await page.useToken(user.token);
      await page.connection('connected');
      return page;
    }

    async function directRoom(owner: RegisteredUser, other: RegisteredUser): Promise<string> {
      const res = await http(t.url, 'POST', '/chat-rooms', {
        token: owner.token,
        body: { type: 'DIRECT', participantIds: [other.user.id] },
      });
      expect(res.status).toBe(201);
      return res.body.id;
    }

    const participantRow = (chatRoomId: string, userId: string) =>
      t.prisma.chatRoomParticipant.findUniqueOrThrow({ where: { chatRoomId_userId: { chatRoomId, userId } } });

    it('should react, pin, mark unread, mute and block from the page: live on the other pages, stored in the database', async () => {
      const [ann, ben] = await Promise.all([registerUser(t.url, 'Ann'), registerUser(t.url, 'Ben')]);
      const roomId = await directRoom(ann, ben);
      const [a, b] = await Promise.all([signedIn(ann), signedIn(ben, 900, 860)]);
      await Promise.all([a.openRoom(roomId), b.openRoom(roomId)]);
      await b.send('react to me');
      const messageId = await a.messageId('react to me');
      const [onA, onB] = [a.messageById(messageId), b.messageById(messageId)];
      const reactionRows = () =>
        t.prisma.messageReaction.findMany({
          where: { messageId },
          select: { userId: true, emoji: true },
          orderBy: [{ emoji: 'asc' }, { userId: 'asc' }],
        });

      // Reactions: Ann's 👍 reaches Ben as a count (not his own); on Ann's page it is hers.
      await a.quickReact(onA, '👍');
      await b.reaction(onB, '👍').waitFor();
      expect(await b.reaction(onB, '👍').textContent()).toBe('👍 1');
      expect(await b.reaction(onB, '👍').getAttribute('data-me')).toBe('false');
      await a.reaction(onA, '👍', { me: true }).waitFor();
      expect(await reactionRows()).toEqual([{ userId: ann.user.id, emoji: '👍' }]);

      // Ben adds a :short_code: and joins Ann's 👍 by clicking it: counts add up on Ann's page.
      await b.reactWith(onB, ':party_parrot:');
      await b.reaction(onB, '👍').click();
      await a.reaction(onA, '👍', { count: 2, me: true }).waitFor();
      await a.reaction(onA, ':party_parrot:').waitFor();
      expect(await a.reaction(onA, ':party_parrot:').textContent()).toBe(':party_parrot: 1');
      expect(await a.reaction(onA, ':party_parrot:').getAttribute('data-me')).toBe('false');

      // Clicking her own reaction removes it: Ben sees 👍 1, his own.
      await a.reaction(onA, '👍').click();
      await b.reaction(onB, '👍', { count: 1 }).waitFor();
      expect(await b.reaction(onB, '👍').getAttribute('data-me')).toBe('true');
      await a.reaction(onA, '👍', { count: 1, me: false }).waitFor();
      expect(await reactionRows()).toEqual([
        { userId: ben.user.id, emoji: ':party_parrot:' },
        { userId: ben.user.id, emoji: '👍' },
      ]);

      // A refused reaction: the ack's error is shown (notice and log), nothing is stored.
      await a.reactWith(onA, 'two words');
      await a.by('notice').filter({ hasText: 'addReaction: VALIDATION_FAILED' }).waitFor();
      await a.page.locator('[data-testid="log-entry"].error[data-event="addReaction"]').first().waitFor();
      expect(await reactionRows()).toHaveLength(2);

      // Pins: Ann pins, Ben's pinned list and message show it; Ben unpins from his list, Ann's goes.
      await a.messageAction(onA, 'message-pin');
      await b.by('pinned-list').locator(`[data-testid="pinned-item"][data-id="${messageId}"]`).waitFor();
      expect(await b.by('pinned-list').textContent()).toContain('react to me');
      expect(await onB.getByTestId('message-pinned').textContent()).toBe('📌');
      expect(await t.prisma.pinnedMessage.findMany({ where: { chatRoomId: roomId } })).toEqual([
        { messageId, chatRoomId: roomId, pinnedBy: ann.user.id, pinnedAt: expect.any(Date) },
      ]);
      await a.by('pinned-panel').waitFor();
      await b.by('pinned-list').getByTestId('pinned-unpin').click();
      await a.by('pinned-panel').waitFor({ state: 'hidden' });
      expect(await onA.getByTestId('message-pinned').textContent()).toBe('');
      expect(await t.prisma.pinnedMessage.count({ where: { chatRoomId: roomId } })).toBe(0);

      // Mark unread: Ann's read cursor goes back to before Ben's first message, on this page and on her
      // other one (readStateChanged); the open room is not read again until she opens it.
      await b.send('second');
      await b.send('third');
      await b.messages({ text: 'third', status: 'read' }).waitFor();
      const a2 = await signedIn(ann, 1000, 800);
      await a2.roomItem(roomId).waitFor();
      expect(await a2.unreadBadge(roomId).count()).toBe(0);
      await a.messageAction(onA, 'message-mark-unread');
      await a.unreadBadge(roomId).filter({ hasText: /^3$/ }).waitFor();
      await a2.unreadBadge(roomId).filter({ hasText: /^3$/ }).waitFor();
      expect((await participantRow(roomId, ann.user.id)).lastReadSeq).toBe(0);
      await b.send('fourth');
      await b.messages({ text: 'fourth', status: 'delivered' }).waitFor();
      await a.unreadBadge(roomId).filter({ hasText: /^4$/ }).waitFor();
      expect(await participantRow(roomId, ann.user.id)).toMatchObject({ lastReadSeq: 0, lastDeliveredSeq: 4 });
      await a.roomItem(roomId).click();
      await b.messages({ text: 'fourth', status: 'read' }).waitFor();
      await a.unreadBadge(roomId).waitFor({ state: 'hidden' });
      await a2.unreadBadge(roomId).waitFor({ state: 'hidden' });
      expect((await participantRow(roomId, ann.user.id)).lastReadSeq).toBe(4);

      // Mute for an hour: shown on this page and, through chatRoomMuteChanged, on Ann's other page.
      const before = Date.now();
      await a.by('mute-duration').selectOption({ label: '1 hour' });
      await a.by('mute-button').click();
      await a.by('room-muted').filter({ hasText: '🔕 muted until' }).waitFor();
      await a2.roomItem(roomId).getByTestId('room-muted-icon').waitFor();
      const mutedUntil = (await participantRow(roomId, ann.user.id)).mutedUntil?.getTime() ?? 0;
      expect(mutedUntil).toBeGreaterThanOrEqual(before + 3_600_000 - 1_000);
      expect(mutedUntil).toBeLessThanOrEqual(Date.now() + 3_600_000);
      expect(await b.roomItem(roomId).getByTestId('room-muted-icon').count()).toBe(0); // Ben's room is not muted
      await a.by('unmute-button').click();
      await a2.roomItem(roomId).getByTestId('room-muted-icon').waitFor({ state: 'hidden' });
      expect(await a.by('room-muted').textContent()).toBe('');
      expect((await participantRow(roomId, ann.user.id)).mutedUntil).toBeNull();

      // Block: Ann blocks Ben from his chip; Ben's next message in her DIRECT room fails (as if she did not exist).
      await a.page.locator(`[data-testid="participant-block"][data-user-id="${ben.user.id}"]`).click();
      await a.by('blocked-list').locator(`[data-testid="blocked-user"][data-user-id="${ben.user.id}"]`).waitFor();
      expect(await a.by('blocked-list').textContent()).toContain('Ben');
      expect(
        await t.prisma.userBlock.findMany({ where: { blockerId: ann.user.id }, select: { blockedId: true } }),
      ).toEqual([{ blockedId: ben.user.id }]);
      await b.send('let me in');
      await b.messages({ text: 'let me in', status: 'failed' }).waitFor();
      await b.by('notice').filter({ hasText: 'sendMessage: NOT_FOUND' }).waitFor();
      expect(await t.prisma.message.count({ where: { content: 'let me in' } })).toBe(0);

      // Unblocked from the list: Ben's retry goes through and reaches Ann.
      await a.by('blocked-list').getByTestId('unblock-button').click();
      await a.by('blocked-empty').waitFor();
      expect(await t.prisma.userBlock.count({ where: { blockerId: ann.user.id } })).toBe(0);
      await b.messages({ text: 'let me in' }).getByTestId('message-retry').click();
      await a.messages({ text: 'let me in' }).waitFor();
      expect(await t.prisma.message.count({ where: { content: 'let me in' } })).toBe(1);

      await screenshot(a.page, 'browser-rich-1280.png');
      expectNothingRan(a, b, a2);
    }, 60_000);

    it('should mention, reply, reply in a thread and search from the page: live on the other pages, stored in the database', async () => {
      const [cat, dan, eve] = await Promise.all([
        registerUser(t.url, 'Cat'),
        registerUser(t.url, 'Dan'),
        registerUser(t.url, 'Eve'),
      ]);
      const group = await http(t.url, 'POST', '/chat-rooms', {
        token: cat.token,
        body: { type: 'GROUP', name: 'Stable', participantIds: [dan.user.id, eve.user.id] },
      });
      expect(group.status).toBe(201);
      const roomId: string = group.body.id;
      // Another room of Cat's, with older matches for the search.
      const direct = await directRoom(dan, cat);
      for (let i = 1; i <= 11; i++) {
        const res = await http(t.url, 'POST', `/chat-rooms/${direct}/messages`, {
          token: dan.token,
          body: { content: `gallop race ${i}` },
        });
        expect(res.status).toBe(201);
      }
      const [c, d] = await Promise.all([signedIn(cat), signedIn(dan, 1000, 860)]);
      await d.openRoom(roomId);

      // Mentions: Dan types "@Ca" and picks Cat among the room's members; Cat, who has not opened the
      // room, sees "@1" beside the unread count.
      await d.type('Hey @Ca');
      const options = d.by('mention-suggestions').getByTestId('mention-option');
      await options.first().waitFor();
      expect(await options.allTextContents()).toEqual(['Cat']);
      await options.first().click();
      expect(await d.by('composer-input').inputValue()).toBe('Hey @Cat ');
      await d.type('the horses were galloping');
      await d.by('composer-input').press('Enter');
      const rootId = await d.messageId('the horses were galloping');
      await c.mentionBadge(roomId).waitFor();
      expect(await c.mentionBadge(roomId).textContent()).toBe('@1');
      expect(await c.unreadBadge(roomId).textContent()).toBe('1');
      expect(await d.messageById(rootId).getByTestId('message-mention').textContent()).toBe('@Cat');
      expect(
        await t.prisma.messageMention.findMany({
          where: { messageId: rootId },
          select: { userId: true, chatRoomId: true },
        }),
      ).toEqual([{ userId: cat.user.id, chatRoomId: roomId }]);
      // Cat opens the room: the mention is highlighted for her, and "@1" goes with the unread count.
      await c.openRoom(roomId);
      const rootOnC = c.messageById(rootId);
      await rootOnC.locator(`[data-testid="message-mention"][data-user-id="${cat.user.id}"]`).waitFor();
      expect(await rootOnC.getAttribute('class')).toContain('mentions-me');
      await c.mentionBadge(roomId).waitFor({ state: 'hidden' });
      await c.unreadBadge(roomId).waitFor({ state: 'hidden' });

      // Reply: Cat quotes Dan's message; Dan sees the quote above her answer.
      await c.messageAction(rootOnC, 'message-reply');
      expect(await c.by('reply-bar-text').textContent()).toBe('Replying to Dan: Hey @Cat the horses were galloping');
      await c.send('Saddle up');
      await c.by('reply-bar').waitFor({ state: 'hidden' });
      const replyId = await d.messageId('Saddle up');
      const quoteOnD = d.messageById(replyId).getByTestId('message-reply-quote');
      expect(await quoteOnD.getAttribute('data-reply-to-id')).toBe(rootId);
      expect(await quoteOnD.textContent()).toBe('↩ Dan: Hey @Cat the horses were galloping');
      expect(
        await t.prisma.message.findUniqueOrThrow({
          where: { id: replyId },
          select: { replyToId: true, threadId: true },
        }),
      ).toEqual({ replyToId: rootId, threadId: null });

      // Thread: Dan answers in the thread of his message; Cat's timeline says "1 reply" and does not show the reply.
      await d.messageAction(d.messageById(rootId), 'message-thread');
      await d.by('thread-pane').waitFor();
      await d.by('thread-input').pressSequentially('first in the thread', { delay: 5 });
      await d.by('thread-input').press('Enter');
      await d.threadMessages('first in the thread').waitFor();
      const summaryOnC = rootOnC.getByTestId('message-thread-summary');
      await summaryOnC.filter({ hasText: /^1 reply$/ }).waitFor();
      expect(await c.messages({ text: 'first in the thread' }).count()).toBe(0);
      expect(await d.messages({ text: 'first in the thread' }).count()).toBe(0);
      // Cat opens the thread from "1 reply" and answers there: Dan's pane gets it live, his root says 2.
      await summaryOnC.click();
      await c.threadMessages('first in the thread').waitFor();
      await c.by('thread-input').pressSequentially('second in the thread', { delay: 5 });
      await c.by('thread-input').press('Enter');
      await d.threadMessages('second in the thread').waitFor();
      await d
        .messageById(rootId)
        .getByTestId('message-thread-summary')
        .filter({ hasText: /^2 replies$/ })
        .waitFor();
      expect(await d.messages({ text: 'second in the thread' }).count()).toBe(0);
      const stored = await t.prisma.message.findMany({
        where: { chatRoomId: roomId },
        orderBy: { seq: 'asc' },
        select: { content: true, threadId: true, threadReplyCount: true },
      });
      expect(stored).toEqual([
        { content: 'Hey @Cat the horses were galloping', threadId: null, threadReplyCount: 2 },
        { content: 'Saddle up', threadId: null, threadReplyCount: 0 },
        { content: 'first in the thread', threadId: rootId, threadReplyCount: 0 },
        { content: 'second in the thread', threadId: rootId, threadReplyCount: 0 },
      ]);

      // Eve opens the room afterwards: the timeline (excludeThreadReplies) has no thread replies, the root says 2.
      const e = await signedIn(eve, 900, 800);
      await e.openRoom(roomId);
      expect(await e.by('message-list').getByTestId('message-content').allTextContents()).toEqual([
        'Hey @Cat the horses were galloping',
        'Saddle up',
      ]);
      expect(await e.messageById(rootId).getByTestId('message-thread-summary').textContent()).toBe('2 replies');
      await e.logEntries('getMessages', '"excludeThreadReplies":true').first().waitFor();
      // Opening the room reads it, thread replies included (they count as unread).
      await e.unreadBadge(roomId).waitFor({ state: 'hidden' });
      expect((await participantRow(roomId, eve.user.id)).lastReadSeq).toBe(4);

      // Search, by a word form ("gallop" finds "galloping"), newest first, 10 a page, "More" for the rest.
      await c.by('search-input').fill('gallop');
      await c.by('search-button').click();
      const results = c.by('search-results').getByTestId('search-result-content');
      await results.first().waitFor();
      const newest = [
        'Hey @Cat the horses were galloping',
        ...[11, 10, 9, 8, 7, 6, 5, 4, 3].map((i) => `gallop race ${i}`),
      ];
      expect(await results.allTextContents()).toEqual(newest);
      await c.by('search-more').click();
      await c.by('search-more').waitFor({ state: 'hidden' });
      expect(await results.allTextContents()).toEqual([...newest, 'gallop race 2', 'gallop race 1']);
      // This room only.
      await c.by('search-this-room').check();
      await c.by('search-button').click();
      await c.by('search-results').getByTestId('search-result').filter({ hasText: 'gallop race' }).first().waitFor({
        state: 'detached',
      });
      // The old results go before the new ones come: wait for the new page.
      await results.first().waitFor();
      expect(await results.allTextContents()).toEqual(['Hey @Cat the horses were galloping']);
      expect(await c.by('search-more').isHidden()).toBe(true);

      // The quoted message is deleted: the quote under "Saddle up" says so, live.
      const deleted = await http(t.url, 'DELETE', `/messages/${rootId}`, { token: dan.token });
      expect(deleted.status).toBe(200);
      await e.messageById(replyId).locator('[data-testid="message-reply-quote"][data-deleted="true"]').waitFor();
      expect(await e.messageById(replyId).getByTestId('message-reply-quote').textContent()).toBe('↩ deleted message');

      await screenshot(c.page, 'browser-threads-1280.png');
      await screenshot(d.page, 'browser-threads-1000.png');
      expectNothingRan(c, d, e);
    }, 60_000);

    it('should recover by itself after being offline: what changed meanwhile shows on connect, without a reload, as stored', async () => {
      const [fay, gus] = await Promise.all([registerUser(t.url, 'Fay'), registerUser(t.url, 'Gus')]);
      const roomId = await directRoom(gus, fay);
      // Gus chats through the typed client from Node: he edits and deletes, which the page has no buttons for.
      const g = new ChatClient({ url: t.url, token: gus.token, socket: { transports: ['websocket'] } });
      const atGus: MessageView[] = [];
      g.on('newMessage', (m) => atGus.push(m));
      try {
        await g.connect();
        const leftGroup = await g.createChatRoom({
          type: 'GROUP',
          name: 'Out for good',
          participantIds: [fay.user.id],
        });
        const backGroup = await g.createChatRoom({
          type: 'GROUP',
          name: 'Out and back',
          participantIds: [fay.user.id],
        });
        const keep = await g.sendMessage({ chatRoomId: roomId, content: 'keep me' });
        const edit = await g.sendMessage({ chatRoomId: roomId, content: 'edit me' });
        const gone = await g.sendMessage({ chatRoomId: roomId, content: 'delete me' });
        await g.sendMessage({ chatRoomId: backGroup.id, content: 'before you left' });

        // Fay has read "Out and back" (its messages are held) and has the DIRECT room open.
        const f = await signedIn(fay);
        await f.openRoom(backGroup.id);
        await f.messages({ text: 'before you left' }).waitFor();
        await f.openRoom(roomId);
        await f.messages({ text: 'delete me' }).waitFor();
        await f.roomItem(leftGroup.id).waitFor();
        await f.page.evaluate('window.notReloaded = true');
        const pagesAsked = await f.logEntries('getMessages').count();

        // Offline by the page's own control. Meanwhile Gus sends, edits, deletes, reacts and pins; he removes Fay
        // from one group, and from the other one and adds her back (events she may not replay: a resync).
        await f.by('disconnect-button').click();
        await f.connection('disconnected');
        await g.sendMessage({ chatRoomId: roomId, content: 'sent while away' });
        await g.editMessage({ messageId: edit.id, content: 'edited while away' });
        await g.deleteMessage({ messageId: gone.id });
        await g.addReaction({ messageId: keep.id, emoji: '🎉' });
        await g.pinMessage({ messageId: keep.id });
        await g.removeParticipant({ chatRoomId: leftGroup.id, userId: fay.user.id });
        await g.removeParticipant({ chatRoomId: backGroup.id, userId: fay.user.id });
        await g.sendMessage({ chatRoomId: backGroup.id, content: 'while you were out' });
        await g.addParticipants({ chatRoomId: backGroup.id, userIds: [fay.user.id] });
        await g.sendMessage({ chatRoomId: backGroup.id, content: 'welcome back' });
        // Fay writes while offline: the send waits in the client's outbox.
        await f.send('written offline');
        const offline = f.messages({ text: 'written offline', status: 'sending' });
        await offline.waitFor();
        expect(await offline.getByTestId('message-status').textContent()).toContain('waiting for the connection');
        expect(await t.prisma.message.count({ where: { content: 'written offline' } })).toBe(0);

        // Connect: the outbox sends, and the client's sync replays what was missed through the page's handlers.
        await f.by('connect-button').click();
        await f.connection('connected');
        const sentId = await f.messageId('written offline');
        await f.messages({ text: 'edited while away' }).waitFor();
        await f.roomItem(leftGroup.id).waitFor({ state: 'detached' });

        // The timeline is exactly the room's rows, in seq order: edited, deleted, missed and written offline.
        const rows = await t.prisma.message.findMany({
          where: { chatRoomId: roomId },
          orderBy: { seq: 'asc' },
          select: { id: true, content: true, editedAt: true, deletedAt: true, senderId: true, clientMessageId: true },
        });
        expect(rows.map((r) => (r.deletedAt ? '(deleted)' : r.content))).toEqual([
          'keep me',
          'edited while away',
          '(deleted)',
          'sent while away',
          'written offline',
        ]);
        expect(await f.renderedMessageIds()).toEqual(rows.map((r) => r.id));
        const list = f.by('message-list');
        expect(await list.getByTestId('message-content').allTextContents()).toEqual(
          rows.map((r) => (r.deletedAt ? 'Message deleted' : r.content)),
        );
        expect(await list.getByTestId('message-edited').allTextContents()).toEqual(
          rows.map((r) => (r.editedAt && !r.deletedAt ? 'edited' : '')),
        );
        // Written offline: stored once, with the page's clientMessageId, and Gus got it once.
        const written = rows[4];
        expect(written).toMatchObject({ id: sentId, senderId: fay.user.id });
        expect(await f.messageById(sentId).getAttribute('data-client-message-id')).toBe(written.clientMessageId);
        expect(await t.prisma.message.count({ where: { clientMessageId: written.clientMessageId } })).toBe(1);
        await g.getChatRooms(); // a round trip: a second newMessage would be here by now
        expect(atGus.filter((m) => m.content === 'written offline').map((m) => m.id)).toEqual([sentId]);
        // The reaction and the pin, as stored.
        const onF = f.messageById(keep.id);
        await f.reaction(onF, '🎉', { count: 1, me: false }).waitFor();
        expect(await onF.getByTestId('reaction').count()).toBe(1);
        expect(
          await t.prisma.messageReaction.findMany({
            where: { messageId: keep.id },
            select: { userId: true, emoji: true },
          }),
        ).toEqual([{ userId: gus.user.id, emoji: '🎉' }]);
        expect(await onF.getByTestId('message-pinned').textContent()).toBe('📌');
        expect(
          await f
            .by('pinned-list')
            .getByTestId('pinned-item')
            .evaluateAll((n) => n.map((i) => i.getAttribute('data-id'))),
        ).toEqual([keep.id]);
        expect(
          await t.prisma.pinnedMessage.findMany({ where: { chatRoomId: roomId }, select: { messageId: true } }),
        ).toEqual([{ messageId: keep.id }]);

        // It came from the catch-up (sync, its events marked ⟲ in the log), not from a reload or a page of history.
        expect(await f.page.evaluate('window.notReloaded')).toBe(true);
        expect(await f.logEntries('getMessages').count()).toBe(pagesAsked);
        await f.page.locator('[data-testid="log-entry"].out[data-event="sync"]').first().waitFor();
        for (const [event, text] of [
          ['newMessage', 'sent while away'],
          ['messageUpdated', 'edited while away'],
          ['messageDeleted', gone.id],
          ['reactionAdded', '🎉'],
          ['messagePinned', keep.id],
        ]) {
          const replayed = f.page.locator(`[data-testid="log-entry"].sync[data-event="${event}"]`);
          expect(await replayed.filter({ hasText: text }).count()).toBe(1);
        }

        // The room Fay was removed from is gone; she is not in it.
        expect(await f.roomItem(leftGroup.id).count()).toBe(0);
        expect(
          await t.prisma.chatRoomParticipant.findUnique({
            where: { chatRoomId_userId: { chatRoomId: leftGroup.id, userId: fay.user.id } },
          }),
        ).toBeNull();
        // The room she left and came back to was reloaded (resync): opened, it shows every one of its rows.
        await f.openRoom(backGroup.id);
        await f.messages({ text: 'welcome back' }).waitFor();
        const backRows = await t.prisma.message.findMany({
          where: { chatRoomId: backGroup.id },
          orderBy: { seq: 'asc' },
          select: { id: true, content: true },
        });
        expect(backRows.map((r) => r.content)).toEqual(['before you left', 'while you were out', 'welcome back']);
        expect(await f.renderedMessageIds()).toEqual(backRows.map((r) => r.id));
        await f.logEntries('resync').first().waitFor();

        await screenshot(f.page, 'browser-recovered-1280.png');
        expectNothingRan(f);
      } finally {
        g.close();
      }
    }, 60_000);
  });

  describe('opened as a file', () => {
    let t: TestApp;

    beforeAll(async () => {
      // A file:// page has the origin "null": the server has to allow any origin.
      t = await startTestApp({ env: { CORS_ORIGINS: '*' } });
      await bundleServed(t.url);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('should import the chat client from the typed server URL, log in and show connect_error for a bad token', async () => {
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
      // The client is the app's /chat-client.js, imported across origins (CORS); no script tag is added.
      const loaded = await page.page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
      expect(loaded).toContain(`${t.url}/chat-client.js`);
      expect(loaded.filter((name) => name.includes('socket.io.js'))).toEqual([]);
      expect(await page.page.locator('script[src]').count()).toBe(0);

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
