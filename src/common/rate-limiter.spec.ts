import { RateLimiter } from './rate-limiter';

describe(RateLimiter.name, () => {
  it('should allow `count` in a burst, then refuse with the wait until the next token', () => {
    const limiter = new RateLimiter(3, 3000);
    expect([0, 1, 2].map(() => limiter.take('u', 1000))).toEqual([0, 0, 0]);
    expect(limiter.take('u', 1000)).toBe(1000);
    expect(limiter.take('u', 2000)).toBe(0);
  });

  it('should keep keys apart', () => {
    const limiter = new RateLimiter(1, 1000);
    expect(limiter.take('a', 0)).toBe(0);
    expect(limiter.take('a', 0)).toBeGreaterThan(0);
    expect(limiter.take('b', 0)).toBe(0);
  });

  it('should forget idle keys once their bucket is full again', () => {
    const limiter = new RateLimiter(2, 100);
    for (let i = 0; i < 50; i++) limiter.take(`k${i}`, 0);
    expect(limiter.size).toBe(50);
    limiter.take('fresh', 500);
    expect(limiter.size).toBe(1);
  });
});
