import type { DeadLetterView } from '../../contracts/index.js';
import type { Clock } from '../../lib/clock.js';
import { TesseraError, notFound } from '../../lib/errors.js';
import type { DeliveryRecord, DeliveryStore, WebhookDeadLetterStore } from '../../store/index.js';

export interface WebhookDeadLettersOptions {
  readonly store: WebhookDeadLetterStore;
  readonly deliveries: Pick<DeliveryStore, 'get' | 'retryAt'>;
  /** Wakes the dispatcher: a replayed delivery is due at once. */
  readonly notify: () => void;
  readonly clock: Clock;
}

/**
 * Webhook deliveries nobody received: those the dispatcher gave up on (a
 * permanent answer, or transient ones until its retries ran out). Retries
 * are the dispatcher's (exponential backoff with jitter, Retry-After
 * honoured); this is the list on top, and the replay an operator starts once
 * the receiver is fixed: the entry goes back to the outbox, due now, for one
 * more attempt, signed afresh and with the same delivery id as
 * Idempotency-Key; failing again puts it back on the list.
 */
export class WebhookDeadLetters {
  readonly #o: WebhookDeadLettersOptions;

  constructor(options: WebhookDeadLettersOptions) {
    this.#o = options;
  }

  /** What the dispatcher calls when it gives up on a delivery; only webhooks are listed. */
  async onFailed(entry: DeliveryRecord, reason: string): Promise<void> {
    if (entry.channel !== 'webhook') return;
    await this.#o.store.put({ deliveryId: entry.id, reason, attempts: entry.attempts, failedAt: this.#o.clock.now(), replayedAt: null });
  }

  async list(limit: number): Promise<DeadLetterView[]> {
    const letters = await this.#o.store.waiting(limit);
    const views: DeadLetterView[] = [];
    for (const letter of letters) {
      const entry = await this.#o.deliveries.get(letter.deliveryId);
      if (entry === undefined) continue;
      views.push({
        deliveryId: letter.deliveryId,
        url: entry.recipient ?? '',
        profileId: entry.profileId,
        journeyId: entry.journeyId,
        step: entry.step,
        template: entry.template,
        reason: letter.reason,
        attempts: letter.attempts,
        failedAt: new Date(letter.failedAt).toISOString(),
      });
    }
    return views;
  }

  /** Sends the delivery back to the outbox, due now; it leaves the list. */
  async replay(deliveryId: string): Promise<void> {
    const letter = await this.#o.store.get(deliveryId);
    if (letter === undefined || (await this.#o.deliveries.get(deliveryId)) === undefined) throw notFound('dead letter', deliveryId);
    if (letter.replayedAt !== null) throw new TesseraError('TESSERA_ERR_CONFLICT', `dead letter ${deliveryId} was replayed already; it is back on the list only if it fails again`);
    const now = this.#o.clock.now();
    // Off the list first: the dispatcher may fail it again at once, which must put it back.
    await this.#o.store.markReplayed(deliveryId, now);
    await this.#o.deliveries.retryAt(deliveryId, now, `replayed by hand after: ${letter.reason}`, now);
    this.#o.notify();
  }
}
