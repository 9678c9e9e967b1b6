type Handler = (...args: never[]) => void;

/**
 * Typed handlers per event. A handler that throws does not stop the others,
 * nor the client: its error goes to the `error` handlers (or the console).
 */
export class Listeners<M extends { [K in keyof M]: Handler }> {
  private readonly handlers = new Map<keyof M, Set<Handler>>();

  on<K extends keyof M>(event: K, handler: M[K]): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler);
    return () => this.off(event, handler);
  }

  off<K extends keyof M>(event: K, handler: M[K]): void {
    this.handlers.get(event)?.delete(handler);
  }

  emit<K extends keyof M>(event: K, ...args: Parameters<M[K]>): void {
    for (const handler of [...(this.handlers.get(event) ?? [])]) {
      try {
        (handler as (...a: Parameters<M[K]>) => void)(...args);
      } catch (error) {
        this.report(event, error);
      }
    }
  }

  /** `emit` for an event name known only at run time (checked by the caller against the contract). */
  emitUnchecked(event: string, payload: unknown): void {
    (this.emit as unknown as (event: string, payload: unknown) => void).call(this, event, payload);
  }

  private report(event: keyof M, error: unknown): void {
    const errorHandlers = this.handlers.get('error' as keyof M);
    if (event === 'error' || !errorHandlers?.size) {
      console.error(`nest-chat-gateway client: a "${String(event)}" handler threw`, error);
      return;
    }
    const wrapped = error instanceof Error ? error : new Error(String(error));
    for (const handler of [...errorHandlers]) {
      try {
        (handler as (e: Error) => void)(wrapped);
      } catch (nested) {
        console.error('nest-chat-gateway client: an "error" handler threw', nested);
      }
    }
  }
}
