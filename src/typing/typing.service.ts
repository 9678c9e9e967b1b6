import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ChatConfig } from '../config/chat-config';
import { ChatEmitter } from '../realtime/chat.emitter';
import { TypingStore } from './typing.store';

/**
 * Typing indicators, never written to the database. `start` broadcasts once
 * and afterwards only renews; the indicator ends by `stop`, by the timeout
 * (TYPING_TIMEOUT_MS since the last renewal), when the user sends a message
 * in the room, or when their last socket goes. Each end broadcasts
 * `isTyping: false` exactly once, also across nodes (see TypingStore).
 */
@Injectable()
export class TypingService implements OnModuleDestroy {
  private readonly logger = new Logger(TypingService.name);
  /** This node's expiry timers, for the renewals it received. */
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly store: TypingStore,
    private readonly emitter: ChatEmitter,
    private readonly config: ChatConfig,
  ) {}

  /** True when the user was not typing before (and so it was broadcast). */
  async start(userId: string, chatRoomId: string): Promise<boolean> {
    const token = randomUUID();
    const key = keyOf(chatRoomId, userId);
    clearTimeout(this.timers.get(key));
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.store
        .expire(chatRoomId, userId, token)
        .then((ended) => ended && this.broadcast(userId, chatRoomId, false))
        .catch((error: unknown) => this.logger.warn(`typing expiry failed: ${(error as Error).message}`));
    }, this.config.typingTimeoutMs);
    timer.unref();
    this.timers.set(key, timer);
    const fresh = await this.store.start(chatRoomId, userId, token);
    if (fresh) this.broadcast(userId, chatRoomId, true);
    return fresh;
  }

  /** True when the user was typing (and the end was broadcast). */
  async stop(userId: string, chatRoomId: string): Promise<boolean> {
    const key = keyOf(chatRoomId, userId);
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    const ended = await this.store.stop(chatRoomId, userId);
    if (ended) this.broadcast(userId, chatRoomId, false);
    return ended;
  }

  async stopAllFor(userId: string): Promise<void> {
    for (const chatRoomId of await this.store.roomsOf(userId)) await this.stop(userId, chatRoomId);
  }

  onModuleDestroy(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private broadcast(userId: string, chatRoomId: string, isTyping: boolean): void {
    this.emitter.toRoomExceptUser(chatRoomId, userId, 'userTyping', { chatRoomId, userId, isTyping });
  }
}

const keyOf = (chatRoomId: string, userId: string): string => `${chatRoomId}|${userId}`;
