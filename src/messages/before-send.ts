import { Injectable, Logger } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/app-error';
import { ChatConfig } from '../config/chat-config';
import type { BeforeSendMessage, BeforeSendVerdict } from '../config/chat-options';

const NO_ANSWER = Symbol('no answer');

/**
 * The host's `beforeSend` hook, bounded in time: the content to store, or
 * an AppError (MESSAGE_REJECTED when the hook refused; UNAVAILABLE when it
 * failed or took too long and `beforeSendOnTimeout` is `reject`).
 */
@Injectable()
export class BeforeSend {
  private readonly logger = new Logger('ChatBeforeSend');

  constructor(private readonly config: ChatConfig) {}

  get enabled(): boolean {
    return this.config.beforeSend !== undefined;
  }

  /** The content to store (the message's own, or the hook's rewrite, unchecked). */
  async contentOf(message: BeforeSendMessage): Promise<string> {
    const verdict = await this.ask(message);
    if (verdict === NO_ANSWER) {
      if (this.config.beforeSendOnTimeout === 'allow') return message.content;
      throw new AppError(ErrorCode.UNAVAILABLE, 'The message could not be checked in time; try again');
    }
    if (verdict === undefined || verdict === true) return message.content;
    if (verdict === false) throw new AppError(ErrorCode.MESSAGE_REJECTED, 'The message was rejected');
    if ('reject' in verdict) {
      throw new AppError(ErrorCode.MESSAGE_REJECTED, String(verdict.reject || 'The message was rejected'));
    }
    return verdict.content;
  }

  /** The hook's verdict, or NO_ANSWER when it threw, answered nonsense or took longer than allowed. */
  private async ask(message: BeforeSendMessage): Promise<BeforeSendVerdict | typeof NO_ANSWER> {
    const controller = new AbortController();
    const ms = this.config.beforeSendTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof NO_ANSWER>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error(`beforeSend took longer than ${ms} ms`));
        resolve(NO_ANSWER);
      }, ms);
    });
    // A copy: what the hook does to its argument changes nothing here.
    const copy = {
      ...message,
      attachments: message.attachments.map((a) => ({ ...a })),
      mentions: [...message.mentions],
    };
    try {
      const verdict = await Promise.race([
        Promise.resolve().then(() => this.config.beforeSend!(copy, { signal: controller.signal })),
        timeout,
      ]);
      if (verdict === NO_ANSWER) this.logger.warn(`beforeSend took longer than ${ms} ms`);
      else if (!isVerdict(verdict)) {
        this.logger.error(`beforeSend answered ${JSON.stringify(verdict)}: not a verdict`);
        return NO_ANSWER;
      }
      return verdict;
    } catch (error) {
      this.logger.error(`beforeSend threw: ${(error as Error)?.message ?? String(error)}`);
      return NO_ANSWER;
    } finally {
      clearTimeout(timer);
    }
  }
}

function isVerdict(value: unknown): value is BeforeSendVerdict {
  if (value === undefined || typeof value === 'boolean') return true;
  if (typeof value !== 'object' || value === null) return false;
  return 'reject' in value || typeof (value as { content?: unknown }).content === 'string';
}
