import type { EngagementEvent } from '../../contracts/index.js';
import { TesseraError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { DeliveryStore } from '../../store/index.js';
import { anchorOf } from '../engagement/engagement-service.js';
import type { EngagementRecorder } from '../engagement/recorder.js';
import type { PersonReader } from '../person.js';
import type { ChannelRegistry } from '../registry.js';
import { TwilioSmsAdapter } from './twilio-adapter.js';

/** Twilio's final statuses that become events; the others (queued, sending, sent...) are steps on the way. */
const eventOf: Readonly<Record<string, EngagementEvent>> = { delivered: 'Message Delivered', failed: 'Message Failed', undelivered: 'Message Failed' };

export interface SmsStatusCallbacksOptions {
  readonly registry: Pick<ChannelRegistry, 'adapter'>;
  readonly deliveries: Pick<DeliveryStore, 'get'>;
  readonly recorder: EngagementRecorder;
  readonly people: PersonReader;
  readonly logger: Logger;
}

export type CallbackResult = 'recorded' | 'ignored';

/**
 * Twilio's status callbacks: checked against the configured account's auth
 * token (X-Twilio-Signature over the URL Twilio called and the posted
 * parameters), then a final status becomes `Message Delivered` or `Message
 * Failed` on the person's timeline, like every engagement event. The event's
 * message id comes from the delivery and the event, so Twilio's retries of a
 * callback record it once.
 */
export class SmsStatusCallbacks {
  readonly #o: SmsStatusCallbacksOptions;

  constructor(options: SmsStatusCallbacksOptions) {
    this.#o = options;
  }

  /** `url` is the full URL Twilio called (public base + path + query); `deliveryId` is from its query. */
  async twilio(url: string, deliveryId: string, params: Readonly<Record<string, string>>, signature: string | undefined): Promise<CallbackResult> {
    const adapter = this.#o.registry.adapter('sms');
    if (!(adapter instanceof TwilioSmsAdapter)) throw new TesseraError('TESSERA_ERR_FORBIDDEN', 'the sms channel is not configured with Twilio');
    if (!adapter.verifyCallback(url, params, signature)) throw new TesseraError('TESSERA_ERR_FORBIDDEN', 'X-Twilio-Signature does not match this URL and parameters');
    const event = eventOf[params.MessageStatus ?? ''];
    if (event === undefined) return 'ignored';
    const delivery = await this.#o.deliveries.get(deliveryId);
    if (delivery?.channel !== 'sms') return 'ignored';
    const anchor = await anchorOf(delivery, this.#o.people);
    if (anchor === undefined) {
      this.#o.logger.warn({ deliveryId, event }, 'SMS status of a person no longer known; not recorded');
      return 'ignored';
    }
    await this.#o.recorder.record(event, delivery, anchor, {
      status: params.MessageStatus,
      providerMessageId: params.MessageSid ?? null,
      ...(params.ErrorCode !== undefined && { errorCode: params.ErrorCode }),
    });
    return 'recorded';
  }
}
