import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

/** Debian's Chromium: playwright-core drives it, no browser is downloaded. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where screenshots go (gitignored). */
export const OUTPUT_DIR = join(__dirname, '..', '..', 'test-output');

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserUnavailableReason(): string | undefined {
  if (!existsSync(CHROMIUM_PATH)) return `${CHROMIUM_PATH} not found (apt-get install -y chromium)`;
  return undefined;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const path = join(OUTPUT_DIR, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * One browser tab on test-websocket.html, in its own context (own storage),
 * with the few steps the tests repeat. Every element is found by data-testid.
 */
export class TesterPage {
  /** Messages of every dialog (alert, confirm…) the page opened: must stay empty. */
  readonly dialogs: string[] = [];
  /** Uncaught exceptions in the page. */
  readonly errors: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
    page.on('dialog', (dialog) => {
      this.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss().catch(() => undefined);
    });
    page.on('pageerror', (error) => this.errors.push(error.message));
  }

  /** Opens the tester at `url` (http://…/test-websocket.html, or file://…) in a new context. */
  static async open(browser: Browser, url: string, viewport: { width: number; height: number }): Promise<TesterPage> {
    const context = await browser.newContext({ viewport });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    const tester = new TesterPage(context, page);
    await page.goto(url);
    return tester;
  }

  by(testId: string): Locator {
    return this.page.getByTestId(testId);
  }

  async login(email: string, password: string): Promise<void> {
    await this.by('auth-tab-login').click();
    await this.by('auth-email').fill(email);
    await this.by('auth-password').fill(password);
    await this.by('auth-submit').click();
  }

  async register(name: string, email: string, password: string): Promise<void> {
    await this.by('auth-tab-register').click();
    await this.by('auth-name').fill(name);
    await this.by('auth-email').fill(email);
    await this.by('auth-password').fill(password);
    await this.by('auth-submit').click();
  }

  async useToken(token: string): Promise<void> {
    await this.by('auth-tab-token').click();
    await this.by('auth-token').fill(token);
    await this.by('use-token-button').click();
  }

  /** Resolves once the connection pill says `state`. */
  async connection(state: 'connected' | 'disconnected' | 'reconnecting' | 'connecting'): Promise<void> {
    await this.page.locator(`[data-testid="connection-state"][data-state="${state}"]`).waitFor();
  }

  async myUserId(): Promise<string> {
    await this.by('my-user-id').waitFor();
    return (await this.by('my-user-id').textContent()) ?? '';
  }

  roomItem(roomId: string): Locator {
    return this.page.locator(`[data-testid="room-item"][data-room-id="${roomId}"]`);
  }

  unreadBadge(roomId: string): Locator {
    return this.roomItem(roomId).getByTestId('room-unread');
  }

  /** Message elements, optionally only those containing `text` and/or in delivery state `status`. */
  messages(options: { text?: string; status?: 'sending' | 'sent' | 'delivered' | 'read' | 'failed' } = {}): Locator {
    const selector = options.status
      ? `[data-testid="message"][data-status="${options.status}"]`
      : '[data-testid="message"]';
    const all = this.by('message-list').locator(selector);
    return options.text === undefined ? all : all.filter({ hasText: options.text });
  }

  /** The message with this id in the main timeline. */
  messageById(id: string): Locator {
    return this.by('message-list').locator(`[data-testid="message"][data-id="${id}"]`);
  }

  /** Replies shown in the thread pane, optionally only those containing `text`. */
  threadMessages(text?: string): Locator {
    const all = this.by('thread-list').getByTestId('message');
    return text === undefined ? all : all.filter({ hasText: text });
  }

  /** The id of the first main-timeline message containing `text`, once it is shown. */
  async messageId(text: string): Promise<string> {
    const message = this.messages({ text }).first();
    await message.waitFor();
    // A message being sent shows at once with an empty data-id; it gets its id with the ack.
    for (const deadline = Date.now() + 10_000; ;) {
      const id = await message.getAttribute('data-id');
      if (id) return id;
      if (Date.now() > deadline) throw new Error(`the message "${text}" never got its id`);
      await new Promise((done) => setTimeout(done, 50));
    }
  }

  /** Clicks one of a message's actions (Reply, Thread, Pin…), which show when the message is hovered. */
  async messageAction(message: Locator, testId: string): Promise<void> {
    await message.hover();
    await message.getByTestId('message-actions').getByTestId(testId).click();
  }

  /** Clicks a quick reaction (👍 ❤️ 😂 🎉) under a message. */
  async quickReact(message: Locator, emoji: string): Promise<void> {
    await message.hover();
    await message.locator(`[data-testid="react-quick"][data-emoji="${emoji}"]`).click();
  }

  /** Types a reaction (an emoji or a :short_code:) in a message's own field and sends it. */
  async reactWith(message: Locator, emoji: string): Promise<void> {
    await message.hover();
    await message.getByTestId('react-custom').fill(emoji);
    await message.getByTestId('react-custom-button').click();
  }

  /** The reaction button of one emoji under a message (its text is "<emoji> <count>"), optionally in a given state. */
  reaction(message: Locator, emoji: string, state: { count?: number; me?: boolean } = {}): Locator {
    const count = state.count === undefined ? '' : `[data-count="${state.count}"]`;
    const me = state.me === undefined ? '' : `[data-me="${state.me}"]`;
    return message.locator(`[data-testid="reaction"][data-emoji="${emoji}"]${count}${me}`);
  }

  /** Opens a room from the room list and waits until its history is loaded. */
  async openRoom(roomId: string): Promise<void> {
    await this.roomItem(roomId).click();
    await this.page.locator(`[data-testid="message-list"][data-room-id="${roomId}"][data-loaded="true"]`).waitFor({
      state: 'attached',
    });
  }

  mentionBadge(roomId: string): Locator {
    return this.roomItem(roomId).getByTestId('room-mentions');
  }

  /** Types into the composer key by key (so `typing` fires as for a person), without sending. */
  async type(text: string): Promise<void> {
    await this.by('composer-input').pressSequentially(text, { delay: 10 });
  }

  /** Types a message and sends it with Enter. */
  async send(text: string): Promise<void> {
    await this.type(text);
    await this.by('composer-input').press('Enter');
  }

  /** Log entries of one event name (in, out, acks). */
  logEntries(event: string, text?: string): Locator {
    const all = this.page.locator(`[data-testid="log-entry"][data-event="${event}"]`);
    return text === undefined ? all : all.filter({ hasText: text });
  }

  /** Message ids currently rendered, in order. */
  async renderedMessageIds(): Promise<string[]> {
    const ids = await this.by('message-list')
      .locator('[data-testid="message"]')
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-id') ?? ''));
    return ids;
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
