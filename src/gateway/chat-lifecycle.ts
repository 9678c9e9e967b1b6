import { Injectable } from '@nestjs/common';

/**
 * Whether this node is draining for shutdown, and how many socket events are
 * being handled. Draining refuses new connections and new events (clients
 * reconnect elsewhere) while the events already running finish and are acked.
 */
@Injectable()
export class ChatLifecycle {
  private inFlight = 0;
  private draining = false;
  private idleWaiters: (() => void)[] = [];

  get isDraining(): boolean {
    return this.draining;
  }

  startDraining(): void {
    this.draining = true;
  }

  enter(): void {
    this.inFlight += 1;
  }

  leave(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Resolves when no event is in flight, or after `timeoutMs`. */
  whenIdle(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
