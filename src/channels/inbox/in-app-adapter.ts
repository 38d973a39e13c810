import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import type { InboxStore } from '../../store/index.js';
import type { ChannelAdapter, DeliveryOutcome, OutgoingMessage } from '../adapter.js';

/** In-app channel: delivering is writing into the person's inbox, which their apps read through /v1/inbox. */
export class InAppAdapter implements ChannelAdapter {
  readonly channel = 'in_app' as const;
  readonly provider = 'inbox';
  /** The inbox stores a delivery once, however often it is sent. */
  readonly idempotent = true;
  readonly #store: Pick<InboxStore, 'add'>;
  readonly #clock: Clock;

  constructor(store: Pick<InboxStore, 'add'>, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  async send(message: OutgoingMessage): Promise<DeliveryOutcome> {
    const { content } = message;
    // Keyed by the delivery: a retry after a crash finds the message there and stores nothing twice.
    const stored = await this.#store.add({
      id: newId('inb'),
      deliveryId: message.deliveryId,
      profileId: message.recipient.channel === 'in_app' ? message.recipient.profileId : message.profileId,
      title: content.title ?? content.subject ?? null,
      body: content.text,
      url: content.url ?? null,
      origin: message.origin,
      createdAt: this.#clock.now(),
      readAt: null,
    });
    return { kind: 'sent', providerMessageId: stored.id };
  }

  async close(): Promise<void> {}
}
