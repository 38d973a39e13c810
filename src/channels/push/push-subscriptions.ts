import { createHash } from 'node:crypto';
import type { CollectedMessage, PushSubscriptionCreate } from '../../contracts/index.js';
import type { Clock } from '../../lib/clock.js';
import { invalid } from '../../lib/errors.js';
import type { PushSubscriptionStore } from '../../store/index.js';
import type { PushSubscription } from '../adapter.js';

/** The identifier type that says a profile can be reached by push (journeys check it). */
export const pushSubscriptionType = 'push_subscription';

export interface PushSubscriptionsOptions {
  readonly store: PushSubscriptionStore;
  /** Appends Tessera's own messages to the log, durably (the identify that links a subscription). */
  readonly announce: (messages: readonly CollectedMessage[]) => Promise<void>;
  readonly clock: Clock;
}

/**
 * Browsers' push subscriptions and how they belong to people. The endpoint
 * and keys are kept here; the link to a person is an identifier,
 * `push_subscription:<id>`, sent through the log in an identify naming the
 * subscriber. So identity resolution owns the link like any other: when
 * profiles merge, the subscription follows the survivor; when the person is
 * erased, so is the link; and journeys see the type among the profile's
 * identifiers, which is how they know the person can be reached by push.
 */
export class PushSubscriptions {
  readonly #o: PushSubscriptionsOptions;

  constructor(options: PushSubscriptionsOptions) {
    this.#o = options;
  }

  /**
   * Stores the subscription and links it to the subscriber. The id is fixed by
   * subscriber and endpoint: subscribing again changes nothing, and a browser
   * shared by another user gets a new id (its old one no longer reaches anyone),
   * so one person's messages never land in the next user's browser.
   */
  async register(sourceId: string, input: PushSubscriptionCreate): Promise<{ id: string }> {
    const who = input.userId !== undefined ? { userId: input.userId } : input.anonymousId !== undefined ? { anonymousId: input.anonymousId } : undefined;
    if (who === undefined) throw invalid([{ field: 'userId', rule: 'required', message: 'userId or anonymousId is required: whose subscription it is' }]);
    const owner = 'userId' in who ? `user_id:${who.userId}` : `anonymous_id:${who.anonymousId}`;
    const { endpoint, keys } = input.subscription;
    const id = createHash('sha256').update(`${owner}\n${endpoint}`).digest('base64url').slice(0, 22);
    const now = this.#o.clock.now();
    await this.#o.store.put({ id, endpoint, p256dh: keys.p256dh, auth: keys.auth, owner, createdAt: now });
    const at = new Date(now).toISOString();
    await this.#o.announce([
      {
        v: 1,
        messageId: `push-subscription:${id}`,
        type: 'identify',
        sourceId,
        channel: 'push',
        ...who,
        traits: {},
        context: { tessera: { identifiers: [`${pushSubscriptionType}:${id}`] } },
        timestamp: at,
        receivedAt: at,
      },
    ]);
    return { id };
  }

  /** Erasure: deletes the subscriptions behind these identifiers (the links go with the identity graph). */
  async forget(identifierKeys: readonly string[]): Promise<void> {
    for (const subscription of await this.ofIdentifiers(identifierKeys)) await this.#o.store.remove(subscription.id);
  }

  /** The subscriptions behind a profile's identifiers (those the push service has not withdrawn). */
  async ofIdentifiers(identifierKeys: readonly string[]): Promise<PushSubscription[]> {
    const prefix = `${pushSubscriptionType}:`;
    const ids = identifierKeys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
    return (await this.#o.store.byIds(ids)).map((r) => ({ id: r.id, endpoint: r.endpoint, keys: { p256dh: r.p256dh, auth: r.auth } }));
  }
}
