import type { Clock } from '../../lib/clock.js';
import type { ChannelAdapter, DeliveryOutcome, OutgoingMessage } from '../adapter.js';
import { bodyExcerpt, failureOutcome, networkFailure } from './http-outcome.js';
import { signWebhook } from './signature.js';

export interface WebhookAdapterOptions {
  /** The shared secret receivers verify signatures with. */
  readonly secret: string;
  readonly clock: Clock;
  /** How long to wait for an answer before counting the attempt as transient. */
  readonly timeoutMs?: number;
}

/** What a receiver gets: who the message is for, where it comes from, and the rendered JSON. */
export interface WebhookBody {
  readonly deliveryId: string;
  readonly profileId: string;
  readonly journeyId: string | null;
  readonly step: string | null;
  readonly template: string;
  readonly variant: string | null;
  readonly category: string;
  readonly data: unknown;
}

export function webhookBodyOf(message: OutgoingMessage): WebhookBody {
  const { origin, content } = message;
  return {
    deliveryId: message.deliveryId,
    profileId: message.profileId,
    journeyId: origin.journeyId,
    step: origin.step,
    template: origin.template,
    variant: origin.variant,
    category: origin.category,
    data: content.json ?? { text: content.text },
  };
}

/**
 * Webhook channel: one signed JSON POST per attempt. The delivery id goes as
 * `Idempotency-Key` so a receiver can drop the copy a retry after a lost
 * answer brings. Redirects are not followed: a webhook goes where it was
 * configured to go, never where an answer points.
 */
export class WebhookAdapter implements ChannelAdapter {
  readonly channel = 'webhook' as const;
  readonly provider = 'webhook';
  /** Receivers get the delivery id as Idempotency-Key, so an attempt a crash interrupted may be sent again. */
  readonly idempotent = true;
  readonly #o: WebhookAdapterOptions;

  constructor(options: WebhookAdapterOptions) {
    this.#o = options;
  }

  async send(message: OutgoingMessage): Promise<DeliveryOutcome> {
    if (message.recipient.channel !== 'webhook') return { kind: 'permanent', reason: `a webhook cannot reach a ${message.recipient.channel} recipient` };
    const body = JSON.stringify(webhookBodyOf(message));
    let response: Response;
    try {
      response = await fetch(message.recipient.url, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Tessera-Webhook/1',
          'idempotency-key': message.deliveryId,
          ...signWebhook(this.#o.secret, body, this.#o.clock.now()),
        },
        body,
        signal: AbortSignal.timeout(this.#o.timeoutMs ?? 10_000),
      });
    } catch (error) {
      return networkFailure(error);
    }
    if (response.ok) {
      await response.body?.cancel();
      return { kind: 'sent' };
    }
    return failureOutcome(response.status, response.headers.get('retry-after'), this.#o.clock.now(), await bodyExcerpt(response));
  }

  async close(): Promise<void> {}
}
