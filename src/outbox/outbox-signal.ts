import { Injectable } from '@nestjs/common';

/**
 * Tells the outbox that this process has just logged room events, so it
 * reads the log now rather than at its next poll. A hint only: the events
 * may not be committed yet, and the polls find what a hint misses.
 */
@Injectable()
export class OutboxSignal {
  private readonly listeners: (() => void)[] = [];

  onLogged(listener: () => void): void {
    this.listeners.push(listener);
  }

  logged(): void {
    for (const listener of this.listeners) listener();
  }
}
