import { AppError } from '../common/app-error';
import { ChatConfig } from '../config/chat-config';
import type { BeforeSendMessage, ChatModuleOptions } from '../config/chat-options';
import { BeforeSend } from './before-send';

const message: BeforeSendMessage = {
  chatRoomId: '0b6f7f0e-2f5c-4a3e-9a53-3f1d2c4b5a69',
  senderId: 'u1',
  content: 'hello',
  type: 'TEXT',
  attachments: [],
  replyToId: null,
  threadId: null,
  mentions: ['u2'],
  clientMessageId: null,
};

function hook(options: Partial<ChatModuleOptions>): BeforeSend {
  return new BeforeSend(
    new ChatConfig({
      authenticate: () => null,
      users: { findByIds: async () => [] },
      database: { dataDir: '/tmp/before-send-spec' },
      beforeSendTimeoutMs: 50,
      ...options,
    }),
  );
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return `${(error as AppError).code}: ${(error as AppError).message}`;
}

describe(BeforeSend.name, () => {
  it('should keep the content when the hook answers nothing or true, and use a rewrite', async () => {
    expect(await hook({ beforeSend: () => undefined }).contentOf(message)).toBe('hello');
    expect(await hook({ beforeSend: async () => true }).contentOf(message)).toBe('hello');
    expect(await hook({ beforeSend: () => ({ content: 'h***o' }) }).contentOf(message)).toBe('h***o');
  });

  it('should refuse with MESSAGE_REJECTED, with the hook’s reason when it gives one', async () => {
    expect(await codeOf(hook({ beforeSend: () => false }).contentOf(message))).toBe(
      'MESSAGE_REJECTED: The message was rejected',
    );
    expect(await codeOf(hook({ beforeSend: () => ({ reject: 'no links' }) }).contentOf(message))).toBe(
      'MESSAGE_REJECTED: no links',
    );
  });

  it('should apply the fallback when the hook is late, throws or answers nonsense, and abort its signal', async () => {
    let signal: AbortSignal | undefined;
    const late = (_: BeforeSendMessage, context: { signal: AbortSignal }) => {
      signal = context.signal;
      return new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 200));
    };
    expect(await hook({ beforeSend: late }).contentOf(message)).toBe('hello');
    expect(signal?.aborted).toBe(true);
    expect(await codeOf(hook({ beforeSend: late, beforeSendOnTimeout: 'reject' }).contentOf(message))).toMatch(
      /^UNAVAILABLE/,
    );
    const throws = () => {
      throw new Error('moderation API down');
    };
    expect(await hook({ beforeSend: throws }).contentOf(message)).toBe('hello');
    expect(await codeOf(hook({ beforeSend: throws, beforeSendOnTimeout: 'reject' }).contentOf(message))).toMatch(
      /^UNAVAILABLE/,
    );
    const nonsense = () => 'yes' as unknown as boolean;
    expect(await codeOf(hook({ beforeSend: nonsense, beforeSendOnTimeout: 'reject' }).contentOf(message))).toMatch(
      /^UNAVAILABLE/,
    );
  });

  it('should show the hook a copy: changing it changes nothing stored', async () => {
    const original = { ...message, mentions: ['u2'] };
    await hook({
      beforeSend: (m) => {
        m.mentions.push('u3');
        m.content = 'changed';
      },
    }).contentOf(original);
    expect(original).toMatchObject({ content: 'hello', mentions: ['u2'] });
  });
});
