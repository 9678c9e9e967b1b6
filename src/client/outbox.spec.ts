import { ChatError } from './chat-error';
import { Outbox, type OutgoingMessage } from './outbox';
import type { ResultOf } from './types';

type MessageView = ResultOf<'sendMessage'>;

interface Attempt {
  message: OutgoingMessage;
  resolve: (view: MessageView) => void;
  reject: (error: ChatError) => void;
}

function stored(message: OutgoingMessage): MessageView {
  return { id: `id-${message.clientMessageId}`, content: message.content } as MessageView;
}

describe(Outbox.name, () => {
  let online: boolean;
  let attempts: Attempt[];
  let outbox: Outbox;

  beforeEach(() => {
    jest.useFakeTimers();
    online = true;
    attempts = [];
    outbox = new Outbox({
      connected: () => online,
      send: (message) => new Promise((resolve, reject) => attempts.push({ message, resolve, reject })),
    });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  const send = (content: string, chatRoomId = 'r1'): Promise<MessageView> =>
    outbox.add({ chatRoomId, content, clientMessageId: `c-${content}` });
  const flushPromises = (): Promise<void> => jest.advanceTimersByTimeAsync(0);

  it('should send one message per room at a time, in order, and rooms independently', async () => {
    const first = send('one');
    const second = send('two');
    void send('other', 'r2');
    expect(attempts.map((a) => a.message.content)).toEqual(['one', 'other']);

    attempts[0].resolve(stored(attempts[0].message));
    await expect(first).resolves.toMatchObject({ content: 'one' });
    expect(attempts.map((a) => a.message.content)).toEqual(['one', 'other', 'two']);
    attempts[2].resolve(stored(attempts[2].message));
    await expect(second).resolves.toMatchObject({ content: 'two' });
  });

  it('should send again with the same clientMessageId after the connection dropped, once reconnected', async () => {
    const result = send('hello');
    online = false;
    attempts[0].reject(new ChatError('DISCONNECTED', 'dropped'));
    await flushPromises();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(attempts).toHaveLength(1); // nothing while offline

    online = true;
    outbox.flush();
    expect(attempts).toHaveLength(2);
    expect(attempts[1].message.clientMessageId).toBe(attempts[0].message.clientMessageId);
    attempts[1].resolve(stored(attempts[1].message));
    await expect(result).resolves.toMatchObject({ id: 'id-c-hello' });
    expect(outbox.size).toBe(0);
  });

  it('should send again after an ack timeout, after a backoff, with the same clientMessageId', async () => {
    void send('slow');
    attempts[0].reject(new ChatError('TIMEOUT', 'no answer'));
    await flushPromises();
    expect(attempts).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1000);
    expect(attempts).toHaveLength(2);
    expect(attempts[1].message).toEqual(attempts[0].message);
  });

  it('should wait as long as RATE_LIMITED says before sending again', async () => {
    void send('burst');
    attempts[0].reject(new ChatError('RATE_LIMITED', 'slow down', { retryAfterMs: 5000 }));
    await jest.advanceTimersByTimeAsync(4999);
    expect(attempts).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(attempts).toHaveLength(2);
  });

  it('should reject a send the server refuses, and go on with the next one of the room', async () => {
    const bad = send('bad');
    const good = send('good');
    attempts[0].reject(new ChatError('FORBIDDEN', 'not a participant'));
    await expect(bad).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(attempts.map((a) => a.message.content)).toEqual(['bad', 'good']);
    attempts[1].resolve(stored(attempts[1].message));
    await expect(good).resolves.toBeDefined();
  });

  it('should fail every waiting send on rejectAll and ignore their late answers', async () => {
    const a = send('a');
    const b = send('b');
    outbox.rejectAll(new ChatError('CLOSED', 'closed'));
    await expect(a).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(b).rejects.toMatchObject({ code: 'CLOSED' });
    attempts[0].resolve(stored(attempts[0].message));
    await flushPromises();
    expect(attempts).toHaveLength(1);
    expect(outbox.size).toBe(0);
  });
});
