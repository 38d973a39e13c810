import type { MessageOrigin } from '../channels/adapter.js';

/** One in-app message in a person's inbox. */
export interface InboxMessageRecord {
  readonly id: string;
  /** The outbox entry that put it there: delivering it twice stores it once. */
  readonly deliveryId: string;
  /** The profile it was sent to; after a merge the survivor's inbox shows it too. */
  readonly profileId: string;
  readonly title: string | null;
  readonly body: string;
  readonly url: string | null;
  readonly origin: MessageOrigin;
  readonly createdAt: number;
  readonly readAt: number | null;
}

/** The in-app inbox of every profile. */
export interface InboxStore {
  /** Stores the message unless its delivery is stored already; returns the stored one. */
  add(message: InboxMessageRecord): Promise<InboxMessageRecord>;
  /** The messages of these profiles, newest first. */
  ofProfiles(profileIds: readonly string[], limit: number): Promise<InboxMessageRecord[]>;
  /** How many messages of these profiles are not read yet. */
  unread(profileIds: readonly string[]): Promise<number>;
  get(id: string): Promise<InboxMessageRecord | undefined>;
  /** Deletes every message of these profiles (erasure). */
  removeOf(profileIds: readonly string[]): Promise<void>;
  /** Marks it read at `at` unless it was already; false when there is no such message. */
  markRead(id: string, at: number): Promise<boolean>;
}
