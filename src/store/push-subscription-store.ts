/** A browser's push subscription (RFC 8030 endpoint and RFC 8291 keys) and who registered it. */
export interface PushSubscriptionRecord {
  /** Stable for the endpoint and its owner; the value of the profile's `push_subscription` identifier. */
  readonly id: string;
  readonly endpoint: string;
  /** The browser's P-256 public key and auth secret, base64url, as the Push API gives them. */
  readonly p256dh: string;
  readonly auth: string;
  /** The identifier key of who subscribed (`user_id:…` or `anonymous_id:…`). */
  readonly owner: string;
  readonly createdAt: number;
}

/** Web push subscriptions: one per endpoint, the latest registration of a browser wins. */
export interface PushSubscriptionStore {
  /** Stores the subscription, replacing any earlier one of the same endpoint (a browser shared by another user). */
  put(record: PushSubscriptionRecord): Promise<void>;
  /** The subscriptions with these ids that still exist. */
  byIds(ids: readonly string[]): Promise<PushSubscriptionRecord[]>;
  /** Forgets a subscription (the push service said it is gone); false when there was none. */
  remove(id: string): Promise<boolean>;
}
