/** Retry policy for transient failures: exponential from `baseMs`, capped, with "equal jitter" so retries of a burst spread out. */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
  /** Attempts in all, the first included; after the last, the entry fails. */
  readonly maxAttempts: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 30_000, maxMs: 3_600_000, maxAttempts: 8 };

/** The wait before the attempt after `attempts` failed ones: half fixed, half random, never below the provider's Retry-After. */
export function retryDelayMs(policy: BackoffPolicy, attempts: number, random: number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  const delay = ceiling / 2 + (ceiling / 2) * random;
  return Math.max(Math.round(delay), retryAfterMs ?? 0);
}
