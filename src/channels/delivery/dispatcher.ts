import type { SuppressionCreate } from '../../contracts/index.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { DeliveryRecord, DeliveryStore } from '../../store/index.js';
import type { DeliveryOutcome } from '../adapter.js';
import { anchorOf } from '../engagement/engagement-service.js';
import type { EngagementRecorder } from '../engagement/recorder.js';
import type { PersonReader } from '../person.js';
import type { ChannelRegistry } from '../registry.js';
import { retryDelayMs, type BackoffPolicy } from './backoff.js';
import type { MessageComposer } from './composer.js';
import type { ProviderLimits } from './token-bucket.js';

export interface DispatcherOptions {
  readonly store: DeliveryStore;
  readonly registry: ChannelRegistry;
  readonly composer: MessageComposer;
  readonly recorder: EngagementRecorder;
  readonly people: PersonReader;
  readonly limits: ProviderLimits;
  readonly backoff: BackoffPolicy;
  /** Puts an address on the suppression list (hard bounces, complaints). */
  readonly suppress: (entry: SuppressionCreate) => Promise<unknown>;
  /** Told of each delivery given up on (the webhook channel keeps them as dead letters). */
  readonly onFailed?: (entry: DeliveryRecord, reason: string) => Promise<void>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Entries delivered at once; each provider's rate limit still applies. */
  readonly concurrency?: number;
  readonly idleWaitMs?: number;
  readonly random?: () => number;
}

/** Why an entry left in `sending` by a crash is not sent again. */
export const interruptedReason = 'interrupted during the provider call (the process stopped); whether it went out is unknown, and the provider has no idempotency key, so it is not sent again';

/**
 * Delivers the outbox: claims due entries, composes each message, waits for
 * the provider's rate limit, marks the entry `sending` on disk, calls the
 * adapter once and records the outcome (sent; retry later with backoff and
 * jitter; or failed, suppressing the address on a hard bounce). Every outcome
 * goes back into the log as an engagement event.
 *
 * At most one provider call per attempt, across crashes: an entry found in
 * `sending` at start was interrupted mid-call. With an idempotent provider it
 * is queued again (the provider drops the duplicate by the delivery id);
 * otherwise it is failed with the reason, never re-sent blindly.
 */
export class DeliveryDispatcher {
  readonly #o: DispatcherOptions;
  readonly #concurrency: number;
  #running: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;

  constructor(options: DispatcherOptions) {
    this.#o = options;
    this.#concurrency = options.concurrency ?? 8;
  }

  /** Settles entries interrupted by a crash, then delivers until stopped. */
  async start(): Promise<void> {
    await this.recoverInterrupted();
    this.#running ??= this.#loop();
  }

  /** Says entries may be due, so the loop does not wait for its next round. */
  notify(): void {
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#running;
  }

  async recoverInterrupted(): Promise<number> {
    const interrupted = await this.#o.store.interrupted();
    for (const entry of interrupted) {
      const now = this.#o.clock.now();
      if (this.#o.registry.adapter(entry.channel)?.idempotent === true) {
        await this.#o.store.retryAt(entry.id, now, 'interrupted during the provider call; sent again with the same idempotency key', now);
        continue;
      }
      await this.#o.store.finish(entry.id, 'failed', interruptedReason, now);
      this.#o.logger.warn({ deliveryId: entry.id, channel: entry.channel }, 'delivery interrupted by a stop during its provider call; failed, not re-sent');
      const anchor = await anchorOf(entry, this.#o.people);
      if (anchor !== undefined) await this.#o.recorder.record('Message Failed', entry, anchor, { reason: interruptedReason });
    }
    return interrupted.length;
  }

  /** Delivers the entries due now, `concurrency` at a time; returns how many were looked at. */
  async runDue(limit = 200): Promise<number> {
    const due = await this.#o.store.due(this.#o.clock.now(), limit);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < due.length && !this.#stopping) {
        const entry = due[next++];
        if (entry !== undefined) await this.#deliver(entry);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, due.length) }, worker));
    return due.length;
  }

  async #loop(): Promise<void> {
    const idle = this.#o.idleWaitMs ?? 250;
    while (!this.#stopping) {
      try {
        if ((await this.runDue()) > 0) continue;
      } catch (error) {
        this.#o.logger.error({ err: error }, 'delivering the outbox failed; retrying');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, idle);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  async #deliver(entry: DeliveryRecord): Promise<void> {
    const { store, clock } = this.#o;
    const adapter = this.#o.registry.adapter(entry.channel);
    if (adapter === undefined) {
      await this.#fail(entry, `no ${entry.channel} channel is configured`, undefined);
      return;
    }
    const composed = await this.#o.composer.compose(entry);
    if (!composed.ok) {
      if (composed.status === 'suppressed') await store.finish(entry.id, 'suppressed', composed.reason, clock.now());
      else await this.#fail(entry, composed.reason, composed.anchor);
      return;
    }
    await this.#o.limits.acquire(adapter.provider);
    if (!(await store.claim(entry.id, { recipient: composed.address, provider: adapter.provider, now: clock.now() }))) return;
    const claimed: DeliveryRecord = { ...entry, status: 'sending', attempts: entry.attempts + 1, recipient: composed.address, provider: adapter.provider };
    let outcome: DeliveryOutcome;
    try {
      outcome = await adapter.send(composed.message);
    } catch (error) {
      // Adapters classify provider answers themselves; a throw is a bug or a network surprise, worth one more try.
      outcome = { kind: 'transient', reason: `adapter error: ${(error as Error).message}` };
    }
    await this.#settle(claimed, outcome, composed.anchor, composed.locale);
  }

  async #settle(entry: DeliveryRecord, outcome: DeliveryOutcome, anchor: string, locale: string | null): Promise<void> {
    const { store, clock, recorder } = this.#o;
    const now = clock.now();
    switch (outcome.kind) {
      case 'sent':
        // The event first: a crash between the two leaves the entry in `sending`, failed as unknown at restart.
        await recorder.record('Message Sent', entry, anchor, { provider: entry.provider, providerMessageId: outcome.providerMessageId ?? null, locale });
        await store.markSent(entry.id, outcome.providerMessageId ?? null, now);
        return;
      case 'transient': {
        if (entry.attempts >= this.#o.backoff.maxAttempts) {
          await this.#fail(entry, `gave up after ${entry.attempts} attempts: ${outcome.reason}`, anchor);
          return;
        }
        const delay = retryDelayMs(this.#o.backoff, entry.attempts, (this.#o.random ?? Math.random)(), outcome.retryAfterMs);
        await store.retryAt(entry.id, now + delay, outcome.reason, now);
        return;
      }
      case 'permanent': {
        await store.finish(entry.id, 'failed', outcome.reason, now);
        await this.#o.onFailed?.(entry, outcome.reason);
        const type = entry.channel === 'email' ? 'email' : entry.channel === 'sms' ? 'phone' : undefined;
        if (outcome.bounce === 'hard' || outcome.bounce === 'complaint') {
          if (type !== undefined && entry.recipient !== null) {
            await this.#o.suppress({
              identifier: `${type}:${entry.recipient}`,
              reason: outcome.bounce === 'hard' ? 'bounced' : 'complained',
              note: `${entry.provider ?? entry.channel}: ${outcome.reason}`.slice(0, 1000),
            });
          }
          await recorder.record(outcome.bounce === 'hard' ? 'Message Bounced' : 'Message Complained', entry, anchor, { reason: outcome.reason, bounceType: outcome.bounce });
          return;
        }
        await recorder.record('Message Failed', entry, anchor, { reason: outcome.reason, ...(outcome.bounce === 'gone' && { bounceType: 'gone' }) });
        return;
      }
    }
  }

  async #fail(entry: DeliveryRecord, reason: string, anchor: string | undefined): Promise<void> {
    await this.#o.store.finish(entry.id, 'failed', reason, this.#o.clock.now());
    await this.#o.onFailed?.(entry, reason);
    this.#o.logger.info({ deliveryId: entry.id, channel: entry.channel, reason }, 'delivery failed');
    if (anchor !== undefined) await this.#o.recorder.record('Message Failed', entry, anchor, { reason });
  }
}
