import type { ConsentChannel, ConsentUpdate, JourneyChannel, SuppressionCreate } from '../../contracts/index.js';
import type { Logger } from '../../lib/logger.js';
import type { DeliveryRecord, DeliveryStore } from '../../store/index.js';
import type { PersonReader } from '../person.js';
import type { EngagementRecorder } from './recorder.js';
import type { LinkPayload, LinkSigner } from './signed-links.js';

/** The identifier type a channel's recipient is; other channels name the person by their first identifier. */
const addressTypeOf: Partial<Record<JourneyChannel, string>> = { email: 'email', sms: 'phone' };
const consentChannelOf: Partial<Record<JourneyChannel, ConsentChannel>> = { email: 'email', sms: 'sms', push: 'push', in_app: 'in_app' };

export interface EngagementServiceOptions {
  readonly deliveries: Pick<DeliveryStore, 'get'>;
  readonly people: PersonReader;
  readonly recorder: EngagementRecorder;
  readonly signer: LinkSigner;
  readonly setConsent: (profileId: string, update: ConsentUpdate) => Promise<unknown>;
  readonly suppress: (entry: SuppressionCreate) => Promise<unknown>;
  readonly logger: Logger;
}

/** What a provider reports later about a message it accepted (SMS status callbacks, email feedback loops). */
export type ProviderReport =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'bounced'; readonly reason: string }
  | { readonly kind: 'complained'; readonly reason: string };

export type Verified = { readonly ok: true; readonly payload: LinkPayload; readonly delivery: DeliveryRecord } | { readonly ok: false };

/**
 * What the public tracking routes do: check the signed token, then record the
 * open or click, or carry out an unsubscribe (consent denied for the
 * channel's marketing and the address suppressed, at once, then the event).
 */
export class EngagementService {
  readonly #o: EngagementServiceOptions;

  constructor(options: EngagementServiceOptions) {
    this.#o = options;
  }

  /** The token's payload and delivery, when the token is Tessera's own and of the expected kind. */
  async verify(token: string, kind: LinkPayload['kind']): Promise<Verified> {
    const payload = this.#o.signer.verify(token);
    if (payload === undefined || payload.kind !== kind) return { ok: false };
    const delivery = await this.#o.deliveries.get(payload.deliveryId);
    return delivery === undefined ? { ok: false } : { ok: true, payload, delivery };
  }

  async opened(delivery: DeliveryRecord): Promise<void> {
    await this.#record('Message Opened', delivery, {}, true);
  }

  async clicked(delivery: DeliveryRecord, url: string): Promise<void> {
    await this.#record('Message Clicked', delivery, { url }, true);
  }

  async unsubscribe(delivery: DeliveryRecord, method: 'link' | 'one-click'): Promise<void> {
    const consentChannel = consentChannelOf[delivery.channel];
    if (consentChannel !== undefined) {
      await this.#o.setConsent(delivery.profileId, {
        consent: [{ channel: consentChannel, purpose: 'marketing', state: 'denied' }],
        source: `unsubscribe:${delivery.id}`,
      });
    }
    const type = addressTypeOf[delivery.channel];
    if (type !== undefined && delivery.recipient !== null) {
      await this.#o.suppress({ identifier: `${type}:${delivery.recipient}`, reason: 'unsubscribed', note: `${method} unsubscribe from ${delivery.template}` });
    }
    await this.#record('Unsubscribed', delivery, { method }, false);
  }

  /**
   * Records what a provider reported about a delivery: `Message Delivered`;
   * or a late bounce or a complaint, which also suppress the address. False
   * when there is no such delivery. Reports of one kind are recorded once.
   */
  async report(deliveryId: string, report: ProviderReport): Promise<boolean> {
    const delivery = await this.#o.deliveries.get(deliveryId);
    if (delivery === undefined) return false;
    if (report.kind === 'delivered') {
      await this.#record('Message Delivered', delivery, {}, false);
      return true;
    }
    const type = addressTypeOf[delivery.channel];
    if (type !== undefined && delivery.recipient !== null) {
      await this.#o.suppress({
        identifier: `${type}:${delivery.recipient}`,
        reason: report.kind,
        note: `${delivery.provider ?? delivery.channel}: ${report.reason}`.slice(0, 1000),
      });
    }
    await this.#record(report.kind === 'bounced' ? 'Message Bounced' : 'Message Complained', delivery, { reason: report.reason }, false);
    return true;
  }

  async #record(event: 'Message Opened' | 'Message Clicked' | 'Unsubscribed' | 'Message Delivered' | 'Message Bounced' | 'Message Complained', delivery: DeliveryRecord, extra: Record<string, unknown>, repeatable: boolean): Promise<void> {
    const anchor = await anchorOf(delivery, this.#o.people);
    if (anchor === undefined) {
      this.#o.logger.warn({ deliveryId: delivery.id, event }, 'engagement of a person no longer known; not recorded');
      return;
    }
    await this.#o.recorder.record(event, delivery, anchor, extra, repeatable);
  }
}

/** The identifier key engagement events name the person by: the address delivered to, else their first identifier. */
export async function anchorOf(delivery: DeliveryRecord, people: PersonReader): Promise<string | undefined> {
  const type = addressTypeOf[delivery.channel];
  if (type !== undefined && delivery.recipient !== null) return `${type}:${delivery.recipient}`;
  return (await people(delivery.profileId))?.identifiers[0];
}
