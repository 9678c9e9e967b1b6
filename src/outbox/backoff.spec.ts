import { retryDelayMs } from './backoff';

describe('retryDelayMs', () => {
  const options = { pollIntervalMs: 500, maxAttempts: 12, retryBaseMs: 1000, retryMaxMs: 60_000, leaseMs: 15_000 };
  const middle = (): number => 0.5;

  it('should double from retryBaseMs after each failed attempt', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, options, middle))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('should stop at retryMaxMs, also after very many attempts', () => {
    expect(retryDelayMs(7, options, middle)).toBe(60_000);
    expect(retryDelayMs(5000, options, middle)).toBe(60_000);
  });

  it('should spread retries by ±20% so failed deliveries do not all come back at once', () => {
    expect(retryDelayMs(2, options, () => 0)).toBe(1600);
    expect(retryDelayMs(2, options, () => 0.999999)).toBe(2400);
  });
});
