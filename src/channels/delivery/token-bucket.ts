import { performance } from 'node:perf_hooks';
import type { RateLimit } from '../../contracts/index.js';

/**
 * A token bucket: `perSecond` tokens a second, at most `burst` saved up.
 * Paces real calls to a provider, so it reads the monotonic clock, not the
 * business Clock (which tests move by hours).
 */
export class TokenBucket {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  constructor(limit: RateLimit, now: () => number = () => performance.now()) {
    this.#perMs = limit.perSecond / 1000;
    this.#burst = limit.burst ?? Math.max(1, Math.ceil(limit.perSecond));
    this.#now = now;
    this.#tokens = this.#burst;
    this.#at = now();
  }

  /** Takes a token; returns how long (ms) to wait before using it (0 when one was there). */
  take(): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#perMs);
    this.#at = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : -this.#tokens / this.#perMs;
  }
}

/** One bucket per provider, so two channels on one provider share its limit. */
export class ProviderLimits {
  readonly #buckets = new Map<string, { limit: RateLimit; bucket: TokenBucket }>();
  readonly #fallback: RateLimit;

  constructor(fallback: RateLimit) {
    this.#fallback = fallback;
  }

  /** Sets a provider's limit; the bucket starts afresh only when the limit changed. */
  configure(provider: string, limit: RateLimit | null): void {
    const wanted = limit ?? this.#fallback;
    const current = this.#buckets.get(provider);
    if (current !== undefined && current.limit.perSecond === wanted.perSecond && current.limit.burst === wanted.burst) return;
    this.#buckets.set(provider, { limit: wanted, bucket: new TokenBucket(wanted) });
  }

  /** Resolves when the provider may be called. */
  async acquire(provider: string): Promise<void> {
    if (!this.#buckets.has(provider)) this.configure(provider, null);
    const wait = this.#buckets.get(provider)?.bucket.take() ?? 0;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
