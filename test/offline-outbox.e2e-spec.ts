import { OfflineNotifier, type MessageView, type OfflineContext } from '../src';
import { ChatUser, createChatUsers, createGroup, sendText, unstamped } from './helpers/chat-factory';
import { http, registerUser, RegisteredUser } from './helpers/http';
import { closeAllSockets, requestOk } from './helpers/socket';
import { startTestApp, TestApp } from './helpers/test-app';
import { Waiters, WebhookReceiver } from './helpers/webhook-receiver';

/** Small retry waits (100, 200, 400, 400… ms) so retries are seen within seconds. */
const OUTBOX = { pollIntervalMs: 100, maxAttempts: 4, retryBaseMs: 100, retryMaxMs: 400 };
/** What a "not called (again)" check waits: past several polls of the log and the longest retry wait. */
const QUIET_MS = 3 * OUTBOX.pollIntervalMs + 2 * OUTBOX.retryMaxMs;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface NotifyCall {
  recipientIds: string[];
  mentionedIds: string[];
  message: MessageView;
  at: number;
}

/** Records every `notify`, then does what the running test says (default: succeeds at once). */
class ScriptedNotifier extends OfflineNotifier {
  readonly calls: NotifyCall[] = [];
  behaviour: (call: NotifyCall) => Promise<void> | void = () => undefined;
  private readonly waiters = new Waiters();

  notify(recipientIds: string[], message: MessageView, context: OfflineContext): Promise<void> | void {
    const call = {
      recipientIds: [...recipientIds].sort(),
      mentionedIds: [...context.mentionedIds].sort(),
      message,
      at: Date.now(),
    };
    this.calls.push(call);
    this.waiters.changed();
    return this.behaviour(call);
  }

  callsFor(messageId: string): NotifyCall[] {
    return this.calls.filter((c) => c.message.id === messageId);
  }

  until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    return this.waiters.until(condition, what, timeoutMs, () => `; calls: ${this.calls.length}`);
  }
}

describe('offline notifications from the outbox (e2e)', () => {
  const notifier = new ScriptedNotifier();
  let t: TestApp;
  let ann: ChatUser; // the sender, online
  let onl: ChatUser; // online
  let off: RegisteredUser; // never connects

  beforeAll(async () => {
    t = await startTestApp({ chat: { offlineNotifier: notifier, outbox: OUTBOX } });
    [ann, onl] = await createChatUsers(t, 'ann', 'onl');
    off = await registerUser(t.url, 'off');
  });
  afterEach(() => {
    notifier.behaviour = () => undefined;
  });
  afterAll(async () => {
    closeAllSockets();
    await t.close();
  });

  const groupWith = (...members: { id: string }[]) =>
    createGroup(ann, members as ChatUser[], 'Offline').then((room) => room.id);

  it('should tell the notifier once per message about the offline members, muted ones only when mentioned', async () => {
    const [muted, mentioned] = await Promise.all([registerUser(t.url, 'muted'), registerUser(t.url, 'mentioned')]);
    const room = await groupWith(onl, off.user, muted.user, mentioned.user);
    for (const u of [muted, mentioned]) {
      expect((await http(t.url, 'POST', `/chat-rooms/${room}/mute`, { token: u.token, body: {} })).status).toBe(200);
    }
    const allOnline = await groupWith(onl);

    const quiet = await sendText(ann, allOnline, 'nobody is away');
    const plain = await sendText(ann, room, 'hello, away ones');
    const withMention = await requestOk(ann.socket, 'sendMessage', {
      chatRoomId: room,
      content: 'you, especially',
      mentions: [mentioned.user.id],
    });
    await notifier.until(
      () => notifier.callsFor(plain.id).length > 0 && notifier.callsFor(withMention.id).length > 0,
      'both messages',
    );
    await sleep(QUIET_MS);

    // Nothing failed, so "at least once" is exactly once here: a second call would be a second dispatch path.
    expect(notifier.callsFor(plain.id)).toEqual([
      { recipientIds: [off.user.id], mentionedIds: [], message: unstamped(plain), at: expect.any(Number) },
    ]);
    expect(notifier.callsFor(withMention.id)).toEqual([
      {
        recipientIds: [off.user.id, mentioned.user.id].sort(),
        mentionedIds: [mentioned.user.id],
        message: unstamped(withMention),
        at: expect.any(Number),
      },
    ]);
    expect(notifier.callsFor(quiet.id)).toEqual([]);
  });

  it('should retry a notifier that throws, with the outbox backoff, until it succeeds, and not after', async () => {
    const room = await groupWith(off.user);
    // By room: the notifier may well be called before the sender's ack arrives.
    notifier.behaviour = async (call) => {
      const tries = notifier.calls.filter((c) => c.message.chatRoomId === room).length;
      if (call.message.chatRoomId === room && tries <= 2) throw new Error('push service down');
    };
    const started = Date.now();
    const sent = await sendText(ann, room, 'keep trying');
    expect(Date.now() - started).toBeLessThan(2000);
    const id = sent.id;
    await notifier.until(() => notifier.callsFor(id).length >= 3, 'the third call');
    await sleep(QUIET_MS);

    const calls = notifier.callsFor(id);
    expect(calls).toHaveLength(3);
    for (const call of calls) expect(call).toMatchObject({ recipientIds: [off.user.id], message: unstamped(sent) });
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(0.8 * OUTBOX.retryBaseMs - 10);
    expect(calls[2].at - calls[1].at).toBeGreaterThanOrEqual(0.8 * 2 * OUTBOX.retryBaseMs - 10);
  });

  it('should give up on a message after maxAttempts calls that throw', async () => {
    const room = await groupWith(off.user);
    notifier.behaviour = (call) => {
      if (call.message.chatRoomId === room) throw new Error('push service gone');
    };
    const sent = await sendText(ann, room, 'never told');
    await notifier.until(() => notifier.callsFor(sent.id).length >= OUTBOX.maxAttempts, 'maxAttempts calls');
    await sleep(QUIET_MS);
    expect(notifier.callsFor(sent.id)).toHaveLength(OUTBOX.maxAttempts);

    // The notifier works on: the next message is told as usual.
    notifier.behaviour = () => undefined;
    const next = await sendText(ann, room, 'told');
    await notifier.until(() => notifier.callsFor(next.id).length > 0, 'the next message');
  });
});

describe('offline notifications after a crash (e2e)', () => {
  let t: TestApp | undefined;
  let other: TestApp | undefined;

  afterEach(async () => {
    closeAllSockets();
    await other?.close({ keepDatabase: true });
    await t?.close();
    [t, other] = [undefined, undefined];
  });

  it('should have the restarted app notify a message whose notify never completed, and not the ones before it', async () => {
    // App A: its notifier takes the message and never finishes (the process "dies" in it).
    const stuck = new ScriptedNotifier();
    t = await startTestApp({
      chat: { offlineNotifier: stuck, outbox: { ...OUTBOX, leaseMs: 500 } },
    });
    const [ann] = await createChatUsers(t, 'ann');
    const off = await registerUser(t.url, 'off');
    const room = (await createGroup(ann, [{ id: off.user.id } as ChatUser], 'Crash')).id;
    const told = await sendText(ann, room, 'told before the crash');
    await stuck.until(() => stuck.callsFor(told.id).length > 0, 'the first message');
    stuck.behaviour = () => new Promise<void>(() => undefined);
    const lost = await sendText(ann, room, 'its notify never completes');
    await stuck.until(() => stuck.callsFor(lost.id).length > 0, 'the second message');
    closeAllSockets();
    await t.close({ keepDatabase: true });

    // App B on the same database: it notifies the message A did not finish, once its turn is free.
    const recording = new ScriptedNotifier();
    t = await startTestApp({
      database: t.database,
      chat: { offlineNotifier: recording, outbox: { ...OUTBOX, leaseMs: 500 } },
    });
    await recording.until(() => recording.callsFor(lost.id).length > 0, 'the unfinished message');
    expect(recording.callsFor(lost.id)[0]).toMatchObject({ recipientIds: [off.user.id], message: unstamped(lost) });
    await sleep(QUIET_MS);
    expect(recording.callsFor(told.id)).toEqual([]);
  }, 60_000);

  // Two apps on one database at once: PostgreSQL only.
  (process.env.DATABASE_URL ? it : it.skip)(
    'should notify each message once when two processes share the database, whichever logged it',
    async () => {
      const [nA, nB] = [new ScriptedNotifier(), new ScriptedNotifier()];
      t = await startTestApp({ chat: { offlineNotifier: nA, outbox: OUTBOX } });
      other = await startTestApp({ database: t.database, chat: { offlineNotifier: nB, outbox: OUTBOX } });
      const [ann] = await createChatUsers(t, 'ann');
      const [bob] = await createChatUsers(other, 'bob');
      const off = await registerUser(t.url, 'off');
      const room = (await createGroup(ann, [bob, { id: off.user.id } as ChatUser], 'Shared')).id;
      const sent = await Promise.all(
        Array.from({ length: 10 }, (_, i) => sendText(i % 2 ? bob : ann, room, `message ${i}`)),
      );
      const callsFor = (id: string): NotifyCall[] => [...nA.callsFor(id), ...nB.callsFor(id)];
      await nA.until(() => sent.every((m) => callsFor(m.id).length > 0), 'every message', 10_000);
      await sleep(QUIET_MS);
      expect(sent.map((m) => callsFor(m.id).length)).toEqual(sent.map(() => 1));
    },
    60_000,
  );
});

describe('a notifier that hangs (e2e)', () => {
  const notifier = new ScriptedNotifier();
  const receiver = new WebhookReceiver();
  let t: TestApp | undefined;

  beforeAll(async () => {
    await receiver.start();
    t = await startTestApp({
      chat: {
        offlineNotifier: notifier,
        webhooks: [{ id: 'messages', url: receiver.url, events: ['newMessage'], secret: 'whsec-e2e-hanging-notifier' }],
        outbox: OUTBOX,
      },
    });
  });
  afterAll(async () => {
    closeAllSockets();
    await t?.close();
    await receiver.stop();
  });

  it("should hold up neither the webhooks nor other messages' notifications, and call again for the one that hangs", async () => {
    const app = t!;
    const [ann] = await createChatUsers(app, 'ann');
    const [off1, off2] = await Promise.all([registerUser(app.url, 'off1'), registerUser(app.url, 'off2')]);
    const hanging = (await createGroup(ann, [{ id: off1.user.id } as ChatUser], 'Hangs')).id;
    const fine = (await createGroup(ann, [{ id: off2.user.id } as ChatUser], 'Fine')).id;
    notifier.behaviour = (call) =>
      call.message.chatRoomId === hanging ? new Promise<void>(() => undefined) : undefined;
    const first = await sendText(ann, hanging, 'its notify hangs');
    await notifier.until(() => notifier.callsFor(first.id).length > 0, 'the hanging call');

    const next = await sendText(ann, fine, 'sent meanwhile');
    await receiver.until(() => receiver.delivered().some((r) => r.body?.data.id === next.id), 'its webhook', 5000);
    await notifier.until(() => notifier.callsFor(next.id).length > 0, 'its notification', 5000);

    // The hanging call is given up on (after the library's own time limit per call) and made again.
    notifier.behaviour = () => undefined;
    await notifier.until(() => notifier.callsFor(first.id).length >= 2, 'the call again', 30_000);
    const [hung, again] = notifier.callsFor(first.id);
    expect(again).toMatchObject({ recipientIds: [off1.user.id], message: unstamped(first) });
    expect(again.at - hung.at).toBeGreaterThanOrEqual(1000);
  }, 60_000);
});
