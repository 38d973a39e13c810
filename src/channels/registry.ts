import type { JourneyChannel } from '../contracts/index.js';
import type { ChannelAdapter, Recipient } from './adapter.js';

/** Where a channel reaches a person: from their golden record, or from a channel's own store (push subscriptions). */
export type RecipientLookup = (profile: RecipientProfile) => Promise<Recipient | undefined>;

/** What a lookup gets to know about the person. */
export interface RecipientProfile {
  readonly id: string;
  /** Identifier keys (`type:value`), as the identity graph stores them. */
  readonly identifiers: readonly string[];
}

const firstOfType = (profile: RecipientProfile, type: string): string | undefined =>
  profile.identifiers.find((key) => key.startsWith(`${type}:`))?.slice(type.length + 1);

/** Lookups that need nothing but the golden record. */
const builtInLookups: Partial<Record<JourneyChannel, RecipientLookup>> = {
  email: async (profile) => {
    const email = firstOfType(profile, 'email');
    return email === undefined ? undefined : { channel: 'email', email };
  },
  sms: async (profile) => {
    const phone = firstOfType(profile, 'phone');
    return phone === undefined ? undefined : { channel: 'sms', phone };
  },
  in_app: async (profile) => ({ channel: 'in_app', profileId: profile.id }),
};

/**
 * Which adapter delivers each journey channel, and how a channel finds its
 * recipient. Adapters register here at start (from the environment) or when a
 * channel is configured through the API; registering again replaces (and
 * closes) the previous adapter of the channel.
 */
export class ChannelRegistry {
  readonly #adapters = new Map<JourneyChannel, ChannelAdapter>();
  readonly #lookups = new Map<JourneyChannel, RecipientLookup>(Object.entries(builtInLookups) as [JourneyChannel, RecipientLookup][]);

  async register(adapter: ChannelAdapter): Promise<void> {
    const previous = this.#adapters.get(adapter.channel);
    this.#adapters.set(adapter.channel, adapter);
    if (previous !== undefined && previous !== adapter) await previous.close();
  }

  async unregister(channel: JourneyChannel): Promise<void> {
    const previous = this.#adapters.get(channel);
    this.#adapters.delete(channel);
    await previous?.close();
  }

  adapter(channel: JourneyChannel): ChannelAdapter | undefined {
    return this.#adapters.get(channel);
  }

  /** Sets how a channel finds its recipient (push: the profile's subscriptions; webhook: a configured URL). */
  registerRecipients(channel: JourneyChannel, lookup: RecipientLookup): void {
    this.#lookups.set(channel, lookup);
  }

  /** The recipient on `channel`, or undefined when the person cannot be reached there. */
  async recipient(channel: JourneyChannel, profile: RecipientProfile): Promise<Recipient | undefined> {
    return this.#lookups.get(channel)?.(profile);
  }

  async close(): Promise<void> {
    const adapters = [...this.#adapters.values()];
    this.#adapters.clear();
    await Promise.all(adapters.map((a) => a.close()));
  }
}
