import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './backoff.js';
import { TokenBucket } from './token-bucket.js';

describe('retryDelayMs', () => {
  const policy = { baseMs: 1_000, maxMs: 60_000, maxAttempts: 5 };

  it('doubles per attempt, with half of each delay random, up to the cap', () => {
    expect([1, 2, 3].map((n) => retryDelayMs(policy, n, 0))).toEqual([500, 1_000, 2_000]);
    expect([1, 2, 3].map((n) => retryDelayMs(policy, n, 1))).toEqual([1_000, 2_000, 4_000]);
    expect(retryDelayMs(policy, 20, 1)).toBe(60_000);
  });

  it('never retries before the provider asked', () => {
    expect(retryDelayMs(policy, 1, 0, 30_000)).toBe(30_000);
  });
});

describe('TokenBucket', () => {
  it('lets a burst through, then paces at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket({ perSecond: 10, burst: 2 }, () => now);
    expect([bucket.take(), bucket.take()]).toEqual([0, 0]);
    expect(bucket.take()).toBeCloseTo(100);
    expect(bucket.take()).toBeCloseTo(200);
    now = 1_000;
    expect(bucket.take()).toBe(0);
  });
});
