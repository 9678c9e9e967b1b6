/**
 * Runs `work` one run at a time: on a timer, and whenever `trigger()` is
 * called. A trigger during a run starts one more run after it, so nothing
 * asked for while running is missed. `work` handles its own errors.
 */
export class SerialRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly work: () => Promise<void>) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Runs now, then every `intervalMs`. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => this.trigger(), intervalMs);
    this.timer.unref();
    this.trigger();
  }

  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.work().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.trigger();
      }
    });
  }

  /** Runs (or joins the run going on); resolves when no run is going. */
  async drain(): Promise<void> {
    this.trigger();
    while (this.running) await this.running.catch(() => undefined);
  }

  /** No more runs; waits for the one going on, at most `waitMs` (what it left undone is done again later). */
  async stop(waitMs: number): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await settledWithin(this.running, waitMs);
  }
}

/** Waits for `promise` to settle, at most `ms`; never rejects. */
export async function settledWithin(promise: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!promise) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise((resolve) => (timer = setTimeout(resolve, ms))),
  ]).finally(() => clearTimeout(timer));
}
