import { createHash } from 'node:crypto';
import { internalContextKey, type Channel, type CollectedMessage, type EngagementEvent, type JourneyChannel } from '../../contracts/index.js';
import type { Clock } from '../../lib/clock.js';
import { newMessageId } from '../../lib/ids.js';
import type { DeliveryRecord, EventLog } from '../../store/index.js';

/** The source channel engagement events are recorded under. */
const sourceChannelOf: Record<JourneyChannel, Channel> = { email: 'email', sms: 'sms', push: 'push', in_app: 'other', webhook: 'server' };

export interface EngagementRecorderOptions {
  readonly log: Pick<EventLog, 'append'>;
  /** The source of the messages Tessera writes about people. */
  readonly internalSourceId: string;
  readonly clock: Clock;
}

/**
 * Writes engagement (Message Sent, Opened, Clicked, Bounced, Unsubscribed...)
 * back into the log as track events of the person, so it lands on their
 * timeline and feeds segments and journeys like any event. Events that happen
 * once per delivery have a message id derived from it, so recording one again
 * (a retried request, a restart) stores nothing twice.
 */
export class EngagementRecorder {
  readonly #o: EngagementRecorderOptions;

  constructor(options: EngagementRecorderOptions) {
    this.#o = options;
  }

  /**
   * Records `event` about the delivery's person, who is named by `anchor`
   * (an identifier key such as email:jane@example.com). `repeatable` events
   * (opens, clicks) get a fresh message id each time.
   */
  async record(event: EngagementEvent, delivery: DeliveryRecord, anchor: string, extra: Record<string, unknown> = {}, repeatable = false): Promise<void> {
    const at = new Date(this.#o.clock.now()).toISOString();
    const messageId = repeatable ? newMessageId() : `delivery-${createHash('sha256').update(`${delivery.id}\n${event}`).digest('hex').slice(0, 32)}`;
    const message: CollectedMessage = {
      v: 1,
      messageId,
      type: 'track',
      event,
      sourceId: this.#o.internalSourceId,
      channel: sourceChannelOf[delivery.channel],
      properties: {
        channel: delivery.channel,
        journeyId: delivery.journeyId,
        step: delivery.step,
        template: delivery.template,
        variant: delivery.variant,
        category: delivery.category,
        deliveryId: delivery.id,
        ...extra,
      },
      context: { [internalContextKey]: { identifiers: [anchor] } },
      timestamp: at,
      receivedAt: at,
    };
    await this.#o.log.append([{ partitionKey: anchor, dedupeKey: `${message.sourceId}:${message.messageId}`, message }]);
  }
}
