import { createHmac } from 'node:crypto';
import { Client } from 'pg';
import { verifyWebhookSignature, type ChatWebhook, type MessageView, type Stamped } from '../src';
import { ChatUser, createChatUsers, createGroup, sendText } from './helpers/chat-factory';
import { closeAllSockets, collect, connectChat, requestOk } from './helpers/socket';
import { LiveLog, recordLive } from './helpers/room-events';
import { startTestApp, TestApp } from './helpers/test-app';
import { eventKey, outboxRows, pollUntil, ReceivedRequest, WebhookReceiver } from './helpers/webhook-receiver';

const SECRET = 'whsec-e2e-every-event';
const OTHER_SECRET = 'whsec-e2e-messages-only';
/** Small retry waits (50, 100, 200, 400, 500, 500… ms), so a run through failures takes seconds. */
const OUTBOX = { pollIntervalMs: 100, maxAttempts: 8, retryBaseMs: 50, retryMaxMs: 500 };
/** What a "nothing more came" check waits: past several polls of the log and the longest retry wait. */
const QUIET_MS = 3 * OUTBOX.pollIntervalMs + OUTBOX.retryMaxMs;
const HOOK_TIMEOUT_MS = 300;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const inRooms = (rooms: string[]) => (r: ReceivedRequest) => r.body !== undefined && rooms.includes(r.body.chatRoomId);
const keysOf = (requests: ReceivedRequest[]): string[] => requests.map((r) => eventKey(r.body!)).sort();

/** The signature the contract describes, computed here independently of the library. */
const expectedSignature = (secret: string, r: ReceivedRequest): string =>
  `v1=${createHmac('sha256', secret)
    .update(`${String(r.headers['x-chat-timestamp'])}.${r.rawBody}`)
    .digest('hex')}`;

/** The headers and signature every attempt must carry. */
function expectSigned(r: ReceivedRequest, secret: string, webhookId: string): void {
  expect(r.headers['content-type']).toMatch(/^application\/json/);
  expect(r.body).toMatchObject({ id: r.deliveryId, webhookId, type: r.headers['x-chat-event'] });
  expect(r.body!.data).toMatchObject({ chatRoomId: r.body!.chatRoomId, eventSeq: r.body!.eventSeq });
  expect(r.attempt).toBeGreaterThanOrEqual(1);
  const timestamp = Number(r.headers['x-chat-timestamp']);
  expect(Number.isInteger(timestamp)).toBe(true);
  expect(Math.abs(timestamp - r.receivedAt / 1000)).toBeLessThan(5);
  expect(r.headers['x-chat-signature']).toBe(expectedSignature(secret, r));
  expect(verifyWebhookSignature(secret, r.rawBody, r.headers)).toBe(true);
  expect(verifyWebhookSignature(secret, Buffer.from(r.rawBody), r.headers)).toBe(true);
  expect(verifyWebhookSignature(`${secret}-wrong`, r.rawBody, r.headers)).toBe(false);
  expect(verifyWebhookSignature(secret, r.rawBody.replace('"eventSeq":', '"eventSeq": '), r.headers)).toBe(false);
}

describe('webhooks (e2e)', () => {
  const all = new WebhookReceiver();
  const messagesOnly = new WebhookReceiver();
  const broken = new WebhookReceiver();
  let t: TestApp;
  let ann: ChatUser; // OWNER of the rooms
  let ben: ChatUser; // in every room from start to end: his sockets saw every event
  let cid: ChatUser;
  let dan: ChatUser; // added and removed again
  let benLive: LiveLog;

  const logged = (rooms: string[]) =>
    t.prisma.roomEvent
      .findMany({ where: { chatRoomId: { in: rooms } }, select: { chatRoomId: true, eventSeq: true, type: true } })
      .then((events) => events.map(eventKey).sort());

  beforeAll(async () => {
    await Promise.all([all.start(), messagesOnly.start(), broken.start()]);
    broken.failAll();
    const webhooks: ChatWebhook[] = [
      { id: 'all', url: all.url, events: '*', secret: SECRET, timeoutMs: HOOK_TIMEOUT_MS },
      { id: 'messages-only', url: messagesOnly.url, events: ['newMessage'], secret: OTHER_SECRET },
      { id: 'broken', url: broken.url, events: ['chatRoomUpdated'], secret: SECRET },
    ];
    t = await startTestApp({ chat: { webhooks, outbox: OUTBOX } });
    [ann, ben, cid, dan] = await createChatUsers(t, 'ann', 'ben', 'cid', 'dan');
    benLive = recordLive(ben.socket);
  });
  afterAll(async () => {
    closeAllSockets();
    await t.close();
    await Promise.all([all.stop(), messagesOnly.stop(), broken.stop()]);
  });

  it('should deliver every room event, signed, once per delivery id, through 500s, a timeout and a refused connection', async () => {
    all.failNext(4);
    all.hangNext(1);
    const room = await createGroup(ann, [ben, cid], 'Hooks');
    const m1 = await sendText(ann, room.id, 'first');
    await requestOk(ann.socket, 'editMessage', { messageId: m1.id, content: 'first, edited' });
    await requestOk(cid.socket, 'addReaction', { messageId: m1.id, emoji: '👍' });
    await requestOk(cid.socket, 'removeReaction', { messageId: m1.id, emoji: '👍' });
    await requestOk(ann.socket, 'pinMessage', { messageId: m1.id });
    await requestOk(cid.socket, 'sendMessage', { chatRoomId: room.id, content: 'in a thread', threadId: m1.id });
    // The attempt that got no answer was given up after timeoutMs and tried again.
    await all.until(() => {
      const hung = all.requests.find((r) => r.status === null);
      return hung !== undefined && all.attemptsOf(hung.deliveryId).some((r) => r.attempt > hung.attempt);
    }, 'the retry of the attempt that timed out');
    const hung = all.requests.find((r) => r.status === null)!;
    const retried = all.attemptsOf(hung.deliveryId).find((r) => r.attempt > hung.attempt)!;
    expect(retried.receivedAt - hung.receivedAt).toBeGreaterThanOrEqual(HOOK_TIMEOUT_MS - 10);

    // Down: connections are refused while more happens, in a second room too.
    await all.stop();
    const m2 = await sendText(ann, room.id, 'sent while the receiver is down');
    const m3 = await sendText(ben, room.id, 'deleted while down');
    // Changed once their deliveries are taken from the log, before they are made (see the next test for sooner).
    await pollUntil(
      () => outboxRows(t, 'webhook:all', [room.id]),
      (rows) => [m2, m3].every((m) => rows.some((r) => r.eventSeq === m.eventSeq)),
      'the deliveries of m2 and m3',
    );
    await requestOk(ann.socket, 'editMessage', { messageId: m2.id, content: 'edited while down' });
    await requestOk(ben.socket, 'deleteMessage', { messageId: m3.id });
    await requestOk(ann.socket, 'updateChatRoom', { chatRoomId: room.id, name: 'Hooks renamed' });
    await requestOk(ann.socket, 'addParticipants', { chatRoomId: room.id, userIds: [dan.id] });
    await requestOk(ann.socket, 'removeParticipant', { chatRoomId: room.id, userId: dan.id });
    await requestOk(ann.socket, 'unpinMessage', { messageId: m1.id });
    const direct = await requestOk(ann.socket, 'sendMessage', { recipientId: ben.id, content: 'direct while down' });
    const rooms = [room.id, direct.chatRoomId];
    const events = await logged(rooms);
    // Every event was taken from the log and tried (and refused) before the receiver comes back.
    const tried = await pollUntil(
      () => outboxRows(t, 'webhook:all', rooms),
      (rows) => rows.length === events.length && rows.every((r) => r.attempts >= 1),
      'an attempt at every delivery',
    );
    expect(tried.find((r) => r.chatRoomId === room.id && r.eventSeq === m2.eventSeq)).toMatchObject({
      status: 'pending',
    });
    await all.start();

    await all.until(() => keysOf(all.delivered().filter(inRooms(rooms))).length === events.length, 'every event');
    const delivered = all.delivered().filter(inRooms(rooms));
    expect(keysOf(delivered)).toEqual(events);
    const received = all.requests.filter(inRooms(rooms));
    expect(received.filter((r) => r.status === 500)).toHaveLength(4);
    // One delivery id per event, kept by every attempt and duplicate, with the same body and rising attempt numbers.
    const idsByEvent = new Map<string, Set<string>>();
    for (const r of received)
      idsByEvent.set(eventKey(r.body!), (idsByEvent.get(eventKey(r.body!)) ?? new Set()).add(r.deliveryId));
    expect([...idsByEvent.values()].map((ids) => ids.size)).toEqual(events.map(() => 1));
    for (const d of delivered) {
      const attempts = all.attemptsOf(d.deliveryId);
      for (const a of attempts) expect(a.body).toEqual(d.body);
      const numbers = attempts.map((a) => a.attempt);
      expect(numbers).toEqual([...new Set(numbers)].sort((x, y) => x - y));
    }
    for (const r of received) expectSigned(r, SECRET, 'all');

    const rows = await pollUntil(
      () => outboxRows(t, 'webhook:all', rooms),
      (found) => found.every((r) => r.status === 'delivered'),
      'every delivery marked delivered',
    );
    expect(rows.map(eventKey).sort()).toEqual(events);
    for (const row of rows) expect(row.deliveredAt).toBeInstanceOf(Date);

    // The payload is the live broadcast's, also for m2, edited before its delivery; m3, deleted before its
    // delivery was made, is sent erased (and said so by the messageDeleted that follows).
    for (const d of delivered) await benLive.until(d.body!.chatRoomId, d.body!.eventSeq);
    const live = delivered.map((d) => benLive.of(d.body!.chatRoomId).find((e) => e.eventSeq === d.body!.eventSeq));
    const erased = (e: (typeof live)[number]) =>
      e?.type === 'newMessage' && (e.data as { id: string }).id === m3.id
        ? { ...e.data, content: '', attachments: [], mentionedUserIds: [] }
        : e?.data;
    expect(delivered.map((d) => ({ type: d.body!.type, data: d.body!.data }))).toEqual(
      live.map((e) => ({ type: e?.type, data: erased(e) })),
    );
  });

  // PostgreSQL only: an open transaction holds the outbox's reader back (it reads up to the oldest running one).
  (process.env.DATABASE_URL ? it : it.skip)(
    'should send a newMessage as broadcast when the message was edited before the log was read, erased when deleted',
    async () => {
      const room = await createGroup(ann, [ben], 'Changed before read');
      const seen = collect(ben.socket, 'newMessage');
      const blocker = new Client({ connectionString: t.database.url });
      await blocker.connect();
      let edited!: Stamped<MessageView>, deleted!: Stamped<MessageView>;
      try {
        await blocker.query('BEGIN');
        await blocker.query('SELECT pg_current_xact_id()');
        edited = await sendText(ann, room.id, 'as first sent');
        await requestOk(ann.socket, 'editMessage', { messageId: edited.id, content: 'as edited' });
        deleted = await sendText(ann, room.id, 'deleted at once');
        await requestOk(ann.socket, 'deleteMessage', { messageId: deleted.id });
        // Held back indeed: nothing of the room was read while the older transaction runs.
        await sleep(QUIET_MS);
        expect(await outboxRows(t, 'webhook:all', [room.id])).toEqual([]);
      } finally {
        await blocker.query('ROLLBACK');
        await blocker.end();
      }
      const newMessages = (): ReceivedRequest[] =>
        all.delivered().filter((r) => r.body!.chatRoomId === room.id && r.body!.type === 'newMessage');
      await all.until(() => newMessages().length === 2, 'both newMessage deliveries');
      const bySeq = (a: { eventSeq: number }, b: { eventSeq: number }): number => a.eventSeq - b.eventSeq;
      const [asEdited, asDeleted] = newMessages()
        .map((r) => r.body!.data)
        .sort(bySeq);
      expect(asEdited).toEqual(seen.find((m) => m.id === edited.id));
      // README: a message deleted before the outbox read it is erased from the log, so its newMessage is empty.
      expect(asDeleted).toEqual({
        ...seen.find((m) => m.id === deleted.id),
        content: '',
        attachments: [],
        mentionedUserIds: [],
        deletedAt: expect.any(String),
      });
    },
  );

  it("should erase a deleted message's content from a delivery not made yet, and send it empty", async () => {
    const room = await createGroup(ann, [ben], 'Erased while pending');
    messagesOnly.failAll();
    try {
      const sent = await sendText(ann, room.id, 'regretted at once');
      // Tried once (refused) with what it said.
      const [attempt] = await pollUntil(
        () => messagesOnly.requests.filter((r) => r.rawBody.includes('regretted at once')),
        (found) => found.length > 0,
        'a failed attempt',
      );
      const [pending] = await outboxRows(t, 'webhook:messages-only', [room.id]);
      expect(pending).toMatchObject({ id: attempt.deliveryId, status: 'pending' });
      await requestOk(ann.socket, 'deleteMessage', { messageId: sent.id });
      const stored = await t.prisma.$queryRawUnsafe<{ payload: unknown }[]>(
        `SELECT "payload" FROM ${t.prisma.database.table('OutboxDelivery')} WHERE "chatRoomId" = $1::uuid`,
        room.id,
      );
      expect(stored.length).toBeGreaterThan(0);
      expect(JSON.stringify(stored)).not.toContain('regretted at once');
      messagesOnly.succeedAll();
      const [delivered] = await pollUntil(
        () => messagesOnly.delivered().filter((r) => r.deliveryId === pending.id),
        (found) => found.length === 1,
        'the delivery, once the receiver answers',
      );
      expect(delivered.body!.data).toMatchObject({ id: sent.id, content: '', attachments: [], mentionedUserIds: [] });
    } finally {
      messagesOnly.succeedAll();
    }
  });

  it('should check the signature time against a tolerance and refuse a request without one', async () => {
    const room = await createGroup(ann, [ben], 'Clock');
    const sent = await sendText(ann, room.id, 'what time is it');
    await all.until(() => all.delivered().some((r) => r.body!.data.id === sent.id), 'the newMessage');
    const r = all.delivered().find((d) => d.body!.data.id === sent.id)!;
    const signedAt = Number(r.headers['x-chat-timestamp']) * 1000;
    const check = (options: { toleranceMs?: number; now?: number }) =>
      verifyWebhookSignature(SECRET, r.rawBody, r.headers, options);

    expect(check({ toleranceMs: 60_000, now: signedAt + 30_000 })).toBe(true);
    expect(check({ toleranceMs: 60_000, now: signedAt + 90_000 })).toBe(false);
    expect(check({ toleranceMs: 60_000, now: signedAt - 90_000 })).toBe(false);
    // The default tolerance is minutes, not days.
    expect(check({ now: signedAt + 24 * 3600_000 })).toBe(false);
    const { 'x-chat-signature': _signature, ...unsigned } = r.headers;
    expect(verifyWebhookSignature(SECRET, r.rawBody, unsigned)).toBe(false);
    expect(verifyWebhookSignature(SECRET, r.rawBody, { ...r.headers, 'x-chat-signature': 'v1=00' })).toBe(false);
  });

  it('should send a webhook only the event types it lists, signed with its own secret', async () => {
    const room = await createGroup(ann, [ben, cid], 'Filtered');
    const m = await sendText(ann, room.id, 'one');
    await requestOk(ann.socket, 'editMessage', { messageId: m.id, content: 'one, edited' });
    await requestOk(cid.socket, 'addReaction', { messageId: m.id, emoji: '🎉' });
    await requestOk(cid.socket, 'removeReaction', { messageId: m.id, emoji: '🎉' });
    await requestOk(ann.socket, 'pinMessage', { messageId: m.id });
    await requestOk(ann.socket, 'updateChatRoom', { chatRoomId: room.id, name: 'Filtered renamed' });
    await requestOk(ann.socket, 'addParticipants', { chatRoomId: room.id, userIds: [dan.id] });
    await requestOk(ann.socket, 'removeParticipant', { chatRoomId: room.id, userId: dan.id });
    await requestOk(ann.socket, 'deleteMessage', { messageId: m.id });
    const last = await sendText(ben, room.id, 'the last one');
    const events = await logged([room.id]);

    // The webhook that wants everything got all of it: the log was read past every event of the room.
    await all.until(() => keysOf(all.delivered().filter(inRooms([room.id]))).length === events.length, 'every event');
    await messagesOnly.until(() => messagesOnly.delivered().some((r) => r.body!.data.id === last.id), 'the last one');
    await sleep(QUIET_MS);

    const got = messagesOnly.requests.filter(inRooms([room.id]));
    expect([...new Set(got.map((r) => r.body!.type))]).toEqual(['newMessage']);
    expect(
      messagesOnly
        .delivered()
        .filter(inRooms([room.id]))
        .map((r) => r.body!.eventSeq),
    ).toEqual([m.eventSeq, last.eventSeq]);
    for (const r of got) expectSigned(r, OTHER_SECRET, 'messages-only');
    expect(verifyWebhookSignature(SECRET, got[0].rawBody, got[0].headers)).toBe(false);
    const rows = await outboxRows(t, 'webhook:messages-only', [room.id]);
    expect(rows.map((r) => [r.eventSeq, r.type])).toEqual([
      [m.eventSeq, 'newMessage'],
      [last.eventSeq, 'newMessage'],
    ]);
  });

  it('should mark a delivery failed after maxAttempts, with backoff between them and the last error kept', async () => {
    const room = await createGroup(ann, [ben], 'Broken');
    const renamed = await requestOk(ann.socket, 'updateChatRoom', { chatRoomId: room.id, name: 'Broken renamed' });
    const [row] = await pollUntil(
      () => outboxRows(t, 'webhook:broken', [room.id]),
      (rows) => rows[0]?.status === 'failed',
      'the delivery to fail',
      15_000,
    );
    expect(row).toMatchObject({
      status: 'failed',
      attempts: OUTBOX.maxAttempts,
      eventSeq: renamed.lastEventSeq,
      type: 'chatRoomUpdated',
      deliveredAt: null,
    });
    expect(row.lastError).toMatch(/500/);
    const tries = broken.requests.filter(inRooms([room.id]));
    expect(tries.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(tries.map((r) => r.deliveryId)).size).toBe(1);
    tries.slice(1).forEach((r, i) => {
      const wait = Math.min(OUTBOX.retryBaseMs * 2 ** i, OUTBOX.retryMaxMs);
      const waited = r.receivedAt - tries[i].receivedAt;
      expect(waited).toBeGreaterThanOrEqual(0.8 * wait - 10);
      // Loose: the cap must hold (uncapped, the last waits would be 1.6 s, 3.2 s…).
      expect(waited).toBeLessThanOrEqual(1.2 * wait + 500);
    });

    await sleep(OUTBOX.retryMaxMs * 2 + QUIET_MS);
    expect(broken.requests.filter(inRooms([room.id]))).toHaveLength(OUTBOX.maxAttempts);
  });
});

describe('webhooks across restarts (e2e)', () => {
  const receiver = new WebhookReceiver();
  const hook: ChatWebhook = { id: 'late', url: '', events: '*', secret: SECRET };
  let t: TestApp | undefined;

  beforeAll(async () => {
    await receiver.start();
    hook.url = receiver.url;
  });
  afterAll(async () => {
    closeAllSockets();
    await t?.close();
    await receiver.stop();
  });

  it('should skip what was logged before the webhook existed and resume a pending delivery after a restart', async () => {
    // 1. No webhook yet.
    t = await startTestApp({ chat: { outbox: OUTBOX } });
    const database = t.database;
    const [ann, ben] = await createChatUsers(t, 'ann', 'ben');
    const room = await createGroup(ann, [ben], 'Restarts');
    const early = await sendText(ann, room.id, 'before any webhook');
    closeAllSockets();
    await t.close({ keepDatabase: true });

    // 2. The webhook, answering 500 to every attempt.
    receiver.failAll();
    t = await startTestApp({ database, chat: { webhooks: [hook], outbox: { ...OUTBOX, maxAttempts: 100 } } });
    const late = await requestOk(await connectChat(t.url, ann.token), 'sendMessage', {
      chatRoomId: room.id,
      content: 'once the webhook exists',
    });
    const ofLate = (r: ReceivedRequest): boolean => r.body?.chatRoomId === room.id && r.body.eventSeq === late.eventSeq;
    await receiver.until(() => receiver.requests.filter(ofLate).length >= 2, 'two failed attempts');
    closeAllSockets();
    await t.close({ keepDatabase: true });
    const failedTries = receiver.requests.filter(ofLate);

    // 3. Restarted; the endpoint works again.
    receiver.succeedAll();
    t = await startTestApp({ database, chat: { webhooks: [hook], outbox: { ...OUTBOX, maxAttempts: 100 } } });
    await receiver.until(() => receiver.delivered().some(ofLate), 'the delivery after the restart');
    const success = receiver.delivered().find(ofLate)!;
    expect(success.deliveryId).toBe(failedTries[0].deliveryId);
    expect(success.body).toEqual(failedTries[0].body);
    // The attempts counted before the restart count on (an attempt in flight at the close may be lost).
    expect(success.attempt).toBeGreaterThanOrEqual(failedTries.length);
    expect(success.attempt).toBeLessThanOrEqual(failedTries.length + 1);
    expectSigned(success, SECRET, 'late');
    const [row] = await pollUntil(
      () => outboxRows(t!, 'webhook:late', [room.id]),
      (rows) => rows.length === 1 && rows[0].status === 'delivered',
      'the row marked delivered',
    );
    expect(row).toMatchObject({ eventSeq: late.eventSeq, attempts: success.attempt });

    await sleep(QUIET_MS);
    expect(receiver.requests.filter((r) => r.body?.chatRoomId === room.id).map((r) => r.body!.eventSeq)).not.toContain(
      early.eventSeq,
    );
    expect((await outboxRows(t, 'webhook:late', [room.id])).map((r) => r.eventSeq)).toEqual([late.eventSeq]);
  }, 60_000);
});
