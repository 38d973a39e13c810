import type { InboxMessageView } from '../../contracts/index.js';
import { IdentityWorkspace } from '../../identity/index.js';
import type { Clock } from '../../lib/clock.js';
import { notFound } from '../../lib/errors.js';
import type { IdentityStore, InboxMessageRecord, InboxStore } from '../../store/index.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const view = (m: InboxMessageRecord): InboxMessageView => ({
  id: m.id,
  title: m.title,
  body: m.body,
  url: m.url,
  journeyId: m.origin.journeyId,
  template: m.origin.template,
  createdAt: new Date(m.createdAt).toISOString(),
  readAt: iso(m.readAt),
});

/**
 * The inbox as a person's apps see it, by their user id. Messages stay under
 * the profile they were sent to; reading goes through the identity graph, so
 * after a merge the survivor's inbox holds the messages of every profile
 * merged into it.
 */
export class InboxService {
  readonly #store: InboxStore;
  readonly #identity: IdentityStore;
  readonly #clock: Clock;

  constructor(store: InboxStore, identity: IdentityStore, clock: Clock) {
    this.#store = store;
    this.#identity = identity;
    this.#clock = clock;
  }

  async list(userId: string, limit: number): Promise<{ messages: InboxMessageView[]; unread: number }> {
    const profileIds = await this.#profileIdsOf(userId);
    return { messages: (await this.#store.ofProfiles(profileIds, limit)).map(view), unread: await this.#store.unread(profileIds) };
  }

  /** Marks one of the user's messages read; a message of anybody else is as unknown as a missing one. */
  async markRead(userId: string, messageId: string): Promise<InboxMessageView> {
    const message = await this.#store.get(messageId);
    if (message === undefined || !(await this.#profileIdsOf(userId)).includes(message.profileId)) throw notFound('inbox message', messageId);
    await this.#store.markRead(messageId, this.#clock.now());
    const read = await this.#store.get(messageId);
    if (read === undefined) throw notFound('inbox message', messageId);
    return view(read);
  }

  async #profileIdsOf(userId: string): Promise<string[]> {
    const ws = new IdentityWorkspace(this.#identity);
    const profile = await ws.profileOf(`user_id:${userId}`);
    return profile === undefined ? [] : [profile.id, ...(await ws.mergedIntoIds(profile.id))];
  }
}
