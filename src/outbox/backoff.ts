import type { OutboxOptions } from '../config/chat-options';

/** The wait before the next attempt after `attempts` failed ones: doubling from retryBaseMs, capped, ±20%. */
export function retryDelayMs(attempts: number, options: OutboxOptions, random: () => number = Math.random): number {
  const exact = Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** Math.min(attempts - 1, 40));
  return Math.round(exact * (0.8 + 0.4 * random()));
}
