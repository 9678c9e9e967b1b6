import {
  MessagesService,
  type BeforeSendContext,
  type BeforeSendMessage,
  type BeforeSendVerdict,
  type ChatModuleOptions,
} from '../src';
import {
  ChatUser,
  createChatUsers,
  createGroup,
  expectSilence,
  fieldsOf,
  inRoom,
  requestError,
  sendText,
} from './helpers/chat-factory';
import { http } from './helpers/http';
import { closeAllSockets, requestOk, settle, waitForEvent } from './helpers/socket';
import { startTestApp, TestApp } from './helpers/test-app';

const TIMEOUT_MS = 300;
const MAX_LENGTH = 100;

type Answer = (
  message: BeforeSendMessage,
  context: BeforeSendContext,
) => BeforeSendVerdict | Promise<BeforeSendVerdict>;

/** The app's `beforeSend`: records every call and answers as the running test says. */
class HookDouble {
  readonly calls: { message: BeforeSendMessage; signal: AbortSignal }[] = [];
  answer: Answer = () => undefined;
  /** Answers still outstanding (a hook that outlives its timeout), settled after each test. */
  private readonly pending: ((verdict: BeforeSendVerdict) => void)[] = [];

  readonly beforeSend: NonNullable<ChatModuleOptions['beforeSend']> = (message, context) => {
    this.calls.push({ message: structuredClone(message), signal: context.signal });
    return this.answer(message, context);
  };

  /** An answer that comes only when the test gives it (or after the test). */
  later(): { promise: Promise<BeforeSendVerdict>; give: (verdict: BeforeSendVerdict) => void } {
    let give!: (verdict: BeforeSendVerdict) => void;
    const promise = new Promise<BeforeSendVerdict>((resolve) => (give = resolve));
    this.pending.push(give);
    return { promise, give };
  }

  /** What the hook was shown, call by call (signals left out: jest cannot print them). */
  messages(): BeforeSendMessage[] {
    return this.calls.map((c) => c.message);
  }

  reset(): void {
    for (const give of this.pending.splice(0)) give(undefined);
    this.calls.length = 0;
    this.answer = () => undefined;
  }
}

interface Shared {
  t: TestApp;
  hook: HookDouble;
  ann: ChatUser; // OWNER of the rooms
  ben: ChatUser;
  out: ChatUser; // in none of them
}

/** Starts an app with the hook for one describe; its fields are set once beforeAll ran. */
function setUp(options: Partial<ChatModuleOptions>): Shared {
  const shared = { hook: new HookDouble() } as Shared;
  beforeAll(async () => {
    shared.t = await startTestApp({
      env: { MAX_MESSAGE_LENGTH: String(MAX_LENGTH) },
      chat: { beforeSend: shared.hook.beforeSend, beforeSendTimeoutMs: TIMEOUT_MS, ...options },
    });
    [shared.ann, shared.ben, shared.out] = await createChatUsers(shared.t, 'ann', 'ben', 'out');
  });
  beforeEach(() => shared.hook.reset());
  afterAll(async () => {
    shared.hook.reset();
    closeAllSockets();
    await shared.t.close();
  });
  return shared;
}

const storedIn = (t: TestApp, chatRoomId: string) =>
  t.prisma.message.findMany({ where: { chatRoomId }, orderBy: { seq: 'asc' }, select: { seq: true, content: true } });

describe('beforeSend (e2e)', () => {
  const ctx = setUp({});

  it('should show the hook the checked message and store it as sent when it answers nothing or true', async () => {
    const { t, hook, ann, ben } = ctx;
    const room = await createGroup(ann, [ben], 'Allowed');
    const root = await sendText(ann, room.id, 'the root');
    hook.reset();
    const attachments = [{ url: 'https://files.example.com/1.png', name: '1.png', mimeType: 'image/png', size: 3 }];
    const seen = waitForEvent(ben.socket, 'newMessage', 5000, (m) => m.clientMessageId === 'allowed-1');
    const ack = await requestOk(ann.socket, 'sendMessage', {
      chatRoomId: room.id,
      content: '  hello hook \n',
      type: 'IMAGE',
      attachments,
      replyToId: root.id,
      mentions: [ben.id],
      clientMessageId: 'allowed-1',
    });
    expect(hook.messages()).toEqual([
      {
        chatRoomId: room.id,
        senderId: ann.id,
        content: 'hello hook',
        type: 'IMAGE',
        attachments,
        replyToId: root.id,
        threadId: null,
        mentions: [ben.id],
        clientMessageId: 'allowed-1',
      },
    ]);
    expect(hook.calls[0].signal).toBeInstanceOf(AbortSignal);
    expect(ack).toMatchObject({
      content: 'hello hook',
      seq: 2,
      clientMessageId: 'allowed-1',
      replyTo: { id: root.id },
    });
    expect(await seen).toEqual(ack);

    hook.answer = () => true;
    const reply = await requestOk(ben.socket, 'sendMessage', {
      chatRoomId: room.id,
      content: 'yes',
      threadId: root.id,
    });
    expect(hook.calls[1].message).toMatchObject({ senderId: ben.id, threadId: root.id, clientMessageId: null });
    expect(reply).toMatchObject({ content: 'yes', seq: 3 });
    expect((await storedIn(t, room.id)).map((m) => m.content)).toEqual(['the root', 'hello hook', 'yes']);
  });

  it('should refuse what the hook refuses, storing and broadcasting nothing and taking no seq', async () => {
    const { t, hook, ann, ben } = ctx;
    const room = await createGroup(ann, [ben], 'Refused');
    const first = await sendText(ann, room.id, 'first');
    const silent = await expectSilence(ben.socket, 'newMessage', inRoom(room.id));

    hook.answer = () => false;
    const refused = { chatRoomId: room.id, content: 'buy now', clientMessageId: 'refused-1' };
    await requestError(ann.socket, 'sendMessage', refused, 'MESSAGE_REJECTED');
    hook.answer = async () => ({ reject: 'No ads, please.' });
    const error = await requestError(ann.socket, 'sendMessage', refused, 'MESSAGE_REJECTED');
    expect(error.message).toBe('No ads, please.');
    await silent.verify();
    expect(await storedIn(t, room.id)).toEqual([{ seq: 1, content: 'first' }]);
    expect(await t.prisma.chatRoom.findUniqueOrThrow({ where: { id: room.id } })).toMatchObject({
      lastSeq: 1,
      lastEventSeq: 1,
    });

    // Nothing of the refused send was kept: its clientMessageId sends anew, with the next seq.
    hook.answer = () => undefined;
    const next = await requestOk(ann.socket, 'sendMessage', { ...refused, content: 'not an ad' });
    expect(next).toMatchObject({ seq: first.seq + 1, eventSeq: first.eventSeq + 1, content: 'not an ad' });
    expect(hook.messages().map((m) => m.content)).toEqual(['first', 'buy now', 'buy now', 'not an ad']);
  });

  it('should store and broadcast the content the hook rewrites to', async () => {
    const { t, hook, ann, ben } = ctx;
    const room = await createGroup(ann, [ben], 'Rewritten');
    hook.answer = (m) => ({ content: m.content.replace(/darn/g, '****') });
    const seen = waitForEvent(ben.socket, 'newMessage', 5000, inRoom(room.id));
    const ack = await requestOk(ann.socket, 'sendMessage', { chatRoomId: room.id, content: 'darn it, darn' });
    expect(ack.content).toBe('**** it, ****');
    expect((await seen).content).toBe('**** it, ****');
    expect(await storedIn(t, room.id)).toEqual([{ seq: 1, content: '**** it, ****' }]);
  });

  it('should refuse a rewrite that is not valid content with VALIDATION_FAILED naming content, storing nothing', async () => {
    const { t, hook, ann, ben } = ctx;
    const room = await createGroup(ann, [ben], 'Bad rewrite');
    const silent = await expectSilence(ben.socket, 'newMessage', inRoom(room.id));
    for (const content of ['', 'x'.repeat(MAX_LENGTH + 1)]) {
      hook.answer = () => ({ content });
      const error = await requestError(
        ann.socket,
        'sendMessage',
        { chatRoomId: room.id, content: 'fine as sent' },
        'VALIDATION_FAILED',
      );
      expect(fieldsOf(error)).toEqual(['content']);
    }
    await silent.verify();
    expect(await storedIn(t, room.id)).toEqual([]);
  });

  it('should store the message as sent when the hook throws (beforeSendOnTimeout: allow by default)', async () => {
    const { t, hook, ann, ben } = ctx;
    const room = await createGroup(ann, [ben], 'Hook throws');
    hook.answer = () => {
      throw new Error('moderation service down');
    };
    expect(await sendText(ann, room.id, 'thrown at')).toMatchObject({ content: 'thrown at', seq: 1 });
    hook.answer = () => Promise.reject(new Error('moderation service down'));
    expect(await sendText(ann, room.id, 'rejected at')).toMatchObject({ content: 'rejected at', seq: 2 });
    expect((await storedIn(t, room.id)).map((m) => m.content)).toEqual(['thrown at', 'rejected at']);
  });

  it('should store the message as sent once beforeSendTimeoutMs passed, abort the signal and ignore a late answer', async () => {
    const { t, hook, ann, ben } = ctx;
    const room = await createGroup(ann, [ben], 'Hook too slow');
    const late = hook.later();
    let abortedAfter: number | undefined;
    const started = Date.now();
    hook.answer = (_m, { signal }) => {
      signal.addEventListener('abort', () => (abortedAfter = Date.now() - started));
      return late.promise;
    };
    const ack = await sendText(ann, room.id, 'waited for');
    const took = Date.now() - started;

    expect(ack).toMatchObject({ content: 'waited for', seq: 1 });
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(took).toBeLessThan(TIMEOUT_MS + 3000);
    expect(hook.calls[0].signal.aborted).toBe(true);
    expect(abortedAfter).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);

    const untouched = await expectSilence(ben.socket, 'messageUpdated', inRoom(room.id));
    late.give({ content: 'too late' });
    await settle(ann.socket, 100);
    await untouched.verify();
    expect(await storedIn(t, room.id)).toEqual([{ seq: 1, content: 'waited for' }]);
  });

  it('should pass REST and host-code sends through the hook, and not SYSTEM messages', async () => {
    const { t, hook, ann, ben } = ctx;
    const room = await createGroup(ann, [ben], 'Every way in');
    hook.answer = (m) =>
      m.content.includes('forbidden') ? { reject: 'forbidden word' } : { content: `${m.content}!` };
    const path = `/chat-rooms/${room.id}/messages`;

    const refused = await http(t.url, 'POST', path, { token: ann.token, body: { content: 'a forbidden thing' } });
    expect(refused).toMatchObject({ status: 422, body: { code: 'MESSAGE_REJECTED', message: 'forbidden word' } });
    const rest = await http(t.url, 'POST', path, { token: ann.token, body: { content: 'over REST' } });
    expect(rest).toMatchObject({ status: 201, body: { content: 'over REST!', seq: 1 } });

    const messages = t.app.get(MessagesService);
    await expect(messages.send(ben.id, { chatRoomId: room.id, content: 'forbidden from host' })).rejects.toMatchObject({
      code: 'MESSAGE_REJECTED',
      message: 'forbidden word',
    });
    const host = await messages.send(ben.id, { chatRoomId: room.id, content: 'from host code' });
    expect(host).toMatchObject({ created: true, message: { content: 'from host code!', seq: 2 } });
    const asked = ['a forbidden thing', 'over REST', 'forbidden from host', 'from host code'];
    expect(hook.messages().map((m) => m.content)).toEqual(asked);

    const system = await messages.send(ann.id, {
      chatRoomId: room.id,
      content: 'forbidden, but SYSTEM',
      type: 'SYSTEM',
    });
    expect(system.message).toMatchObject({ type: 'SYSTEM', content: 'forbidden, but SYSTEM', seq: 3 });
    expect(hook.messages().map((m) => m.content)).toEqual(asked);
  });

  it('should answer a resend of a stored clientMessageId with the stored message, without asking the hook again', async () => {
    const { t, hook, ann, ben } = ctx;
    const room = await createGroup(ann, [ben], 'Resent');
    hook.answer = () => ({ content: 'as rewritten' });
    const payload = { chatRoomId: room.id, content: 'original', clientMessageId: 'resent-1' };
    const first = await requestOk(ann.socket, 'sendMessage', payload);
    expect(first.content).toBe('as rewritten');

    hook.answer = () => ({ reject: 'would refuse it now' });
    const silent = await expectSilence(ben.socket, 'newMessage', inRoom(room.id));
    expect(await requestOk(ann.socket, 'sendMessage', payload)).toEqual(first);
    const rest = await http(t.url, 'POST', `/chat-rooms/${room.id}/messages`, {
      token: ann.token,
      body: { content: 'original', clientMessageId: 'resent-1' },
    });
    expect(rest).toMatchObject({ status: 200, body: { id: first.id, content: 'as rewritten' } });
    await silent.verify();
    expect(hook.messages().map((m) => m.content)).toEqual(['original']);
  });

  it('should not show the hook a send refused by the input checks or from outside the room', async () => {
    const { hook, ann, ben, out } = ctx;
    const room = await createGroup(ann, [ben], 'Not asked');
    await requestError(ann.socket, 'sendMessage', { chatRoomId: room.id, content: '' }, 'VALIDATION_FAILED');
    const tooLong = { chatRoomId: room.id, content: 'x'.repeat(MAX_LENGTH + 1) };
    await requestError(ann.socket, 'sendMessage', tooLong, 'VALIDATION_FAILED');
    await requestError(out.socket, 'sendMessage', { chatRoomId: room.id, content: 'hi' }, 'FORBIDDEN');
    expect(hook.messages()).toEqual([]);
  });
});

describe('beforeSend with beforeSendOnTimeout: reject (e2e)', () => {
  const ctx = setUp({ beforeSendOnTimeout: 'reject' });

  it('should refuse with UNAVAILABLE when the hook throws, storing nothing', async () => {
    const { t, hook, ann, ben } = ctx;
    const room = await createGroup(ann, [ben], 'Strict throws');
    const silent = await expectSilence(ben.socket, 'newMessage', inRoom(room.id));
    hook.answer = () => {
      throw new Error('moderation service down');
    };
    await requestError(ann.socket, 'sendMessage', { chatRoomId: room.id, content: 'unchecked' }, 'UNAVAILABLE');
    hook.answer = () => Promise.reject(new Error('moderation service down'));
    await requestError(ann.socket, 'sendMessage', { chatRoomId: room.id, content: 'unchecked' }, 'UNAVAILABLE');
    await silent.verify();
    expect(await storedIn(t, room.id)).toEqual([]);
  });

  it('should refuse with UNAVAILABLE once beforeSendTimeoutMs passed, abort the signal, and take no seq', async () => {
    const { t, hook, ann, ben } = ctx;
    const room = await createGroup(ann, [ben], 'Strict too slow');
    const silent = await expectSilence(ben.socket, 'newMessage', inRoom(room.id));
    const late = hook.later();
    hook.answer = () => late.promise;
    const started = Date.now();
    await requestError(ann.socket, 'sendMessage', { chatRoomId: room.id, content: 'unchecked' }, 'UNAVAILABLE');
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(hook.calls[0].signal.aborted).toBe(true);
    // A late "yes" stores nothing either.
    late.give(true);
    await silent.verify(100);
    expect(await storedIn(t, room.id)).toEqual([]);

    hook.answer = () => undefined;
    expect(await sendText(ann, room.id, 'checked in time')).toMatchObject({ seq: 1, eventSeq: 1 });
  });
});
