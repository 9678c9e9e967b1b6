/** Ids and delays that work alike in browsers and Node (no Node-only API). */

/** A random UUID v4 (`crypto.randomUUID` where the page is a secure context, `getRandomValues` elsewhere). */
export function newId(): string {
  const crypto = globalThis.crypto;
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Exponential backoff with jitter: ~min, 2×min, 4×min… up to max, each between 50% and 100% of the step. */
export function backoff(attempt: number, min = 250, max = 10_000): number {
  const step = Math.min(max, min * 2 ** Math.max(0, attempt));
  return Math.round(step * (0.5 + Math.random() / 2));
}

export type Timer = ReturnType<typeof setTimeout>;
