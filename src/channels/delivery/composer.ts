import type { RenderedContent } from '../adapter.js';
import type { OutgoingMessage, Recipient } from '../adapter.js';
import type { DeliveryRecord, JourneyStore, TemplateRecord } from '../../store/index.js';
import type { LinkSigner } from '../engagement/signed-links.js';
import { trackHtml } from '../engagement/tracked-html.js';
import type { PersonReader } from '../person.js';
import type { ChannelRegistry } from '../registry.js';
import { renderTemplate, scopeOf } from '../templates/template-service.js';

export interface ComposerOptions {
  readonly people: PersonReader;
  readonly templates: { byName(name: string): Promise<TemplateRecord | undefined> };
  readonly journeys: Pick<JourneyStore, 'instance' | 'journey'>;
  readonly registry: ChannelRegistry;
  /** Whether any of these identifier keys is on the suppression list (or erased). */
  readonly isSuppressed: (identifierKeys: readonly string[]) => Promise<boolean>;
  readonly signer: LinkSigner;
  /** Public base URL of the tracking routes, e.g. https://cdp.example.com */
  readonly publicUrl: () => string;
}

export type Composed =
  | { readonly ok: true; readonly message: OutgoingMessage; readonly address: string; readonly anchor: string; readonly locale: string | null }
  | { readonly ok: false; readonly status: 'failed' | 'suppressed'; readonly reason: string; readonly anchor: string | undefined };

/** The address a recipient is recorded under. */
const addressOf = (recipient: Recipient): string => {
  switch (recipient.channel) {
    case 'email':
      return recipient.email;
    case 'sms':
      return recipient.phone;
    case 'push':
      return recipient.subscription.id;
    case 'in_app':
      return recipient.profileId;
    case 'webhook':
      return recipient.url;
  }
};

/** The identifier key of the address, for suppression checks and engagement events. */
const keyOf = (recipient: Recipient): string | undefined =>
  recipient.channel === 'email' ? `email:${recipient.email}` : recipient.channel === 'sms' ? `phone:${recipient.phone}` : undefined;

/**
 * Turns an outbox entry into the message an adapter sends: finds the person
 * and their address on the channel, checks the address is not suppressed
 * since the journey decided, renders the named template for them, and (for
 * marketing email) adds the unsubscribe link and the tracking. Side-effect
 * free: the same entry composes the same message again.
 */
export class MessageComposer {
  readonly #o: ComposerOptions;

  constructor(options: ComposerOptions) {
    this.#o = options;
  }

  async compose(delivery: DeliveryRecord): Promise<Composed> {
    const person = await this.#o.people(delivery.profileId);
    if (person === undefined) return { ok: false, status: 'failed', reason: 'the profile no longer exists (erased)', anchor: undefined };
    const first = person.identifiers[0];
    const recipient = await this.#o.registry.recipient(delivery.channel, person);
    if (recipient === undefined) return { ok: false, status: 'failed', reason: `the person has no address on ${delivery.channel}`, anchor: first };
    const key = keyOf(recipient);
    const anchor = key ?? first ?? `${delivery.channel}:${addressOf(recipient)}`;
    if (key !== undefined && (await this.#o.isSuppressed([key]))) return { ok: false, status: 'suppressed', reason: `${key} is on the suppression list`, anchor };
    const template = await this.#o.templates.byName(delivery.template);
    if (template === undefined) return { ok: false, status: 'failed', reason: `template '${delivery.template}' does not exist`, anchor };

    const marketing = delivery.category === 'marketing';
    const base = this.#o.publicUrl();
    const link = (path: string, token: string): string => `${base}/t/${path}?t=${token}`;
    const unsubscribeUrl = marketing ? link('u', this.#o.signer.sign({ kind: 'unsubscribe', deliveryId: delivery.id })) : undefined;
    const instance = await this.#o.journeys.instance(delivery.instanceId);
    const journey = await this.#o.journeys.journey(delivery.journeyId);
    const scope = scopeOf(person, delivery.channel, {
      event: { name: instance?.entry.event ?? null, properties: instance?.entry.properties ?? {} },
      journey: { id: delivery.journeyId, name: journey?.name ?? null, step: delivery.step, variant: delivery.variant },
      messageId: delivery.id,
      unsubscribeUrl: unsubscribeUrl ?? '',
    });
    const rendered = renderTemplate(template, delivery.channel, scope);
    if (!rendered.ok) return { ok: false, status: 'failed', reason: `template '${delivery.template}': ${rendered.error}`, anchor };

    let content: RenderedContent = rendered.value.content;
    if (delivery.channel === 'email' && content.html !== undefined) {
      const html = trackHtml(content.html, {
        click: (url) => link('c', this.#o.signer.sign({ kind: 'click', deliveryId: delivery.id, url })),
        pixel: link('o', `${this.#o.signer.sign({ kind: 'open', deliveryId: delivery.id })}`),
        unsubscribeUrl: unsubscribeUrl ?? '',
      });
      content = { ...content, html };
    }
    const message: OutgoingMessage = {
      deliveryId: delivery.id,
      profileId: person.id,
      recipient,
      content,
      origin: { journeyId: delivery.journeyId, step: delivery.step, template: delivery.template, variant: delivery.variant, category: delivery.category },
      unsubscribeUrl,
    };
    return { ok: true, message, address: addressOf(recipient), anchor, locale: rendered.value.locale };
  }
}
