import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { ChatEmitter } from '../chat.emitter';

/**
 * Typing indicators, in memory only (no database write per keystroke).
 * `start` broadcasts once and then only renews a timer; the indicator ends
 * by `stop`, by the timeout (TYPING_TIMEOUT_MS), when the user sends a
 * message in the room, or when their last socket goes. Every end broadcasts
 * `isTyping: false` exactly once.
 */
@Injectable()
export class TypingService implements OnModuleDestroy {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly emitter: ChatEmitter,
    private readonly config: AppConfig,
  ) {}

  /** True when this changed the state (and so was broadcast). */
  start(userId: string, chatRoomId: string): boolean {
    const key = keyOf(chatRoomId, userId);
    const wasTyping = this.timers.has(key);
    clearTimeout(this.timers.get(key));
    const timer = setTimeout(() => this.stop(userId, chatRoomId), this.config.typingTimeoutMs);
    timer.unref();
    this.timers.set(key, timer);
    if (!wasTyping) this.broadcast(userId, chatRoomId, true);
    return !wasTyping;
  }

  stop(userId: string, chatRoomId: string): boolean {
    const key = keyOf(chatRoomId, userId);
    const timer = this.timers.get(key);
    if (!timer) return false;
    clearTimeout(timer);
    this.timers.delete(key);
    this.broadcast(userId, chatRoomId, false);
    return true;
  }

  stopAllFor(userId: string): void {
    for (const key of [...this.timers.keys()]) {
      const [chatRoomId, typist] = key.split('|');
      if (typist === userId) this.stop(userId, chatRoomId);
    }
  }

  isTyping(userId: string, chatRoomId: string): boolean {
    return this.timers.has(keyOf(chatRoomId, userId));
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
