/** A webhook delivery the dispatcher gave up on: its outbox entry (store/delivery-store.ts) is `failed`. */
export interface WebhookDeadLetterRecord {
  /** The outbox entry's id. */
  readonly deliveryId: string;
  /** Why the last attempt failed. */
  readonly reason: string;
  readonly attempts: number;
  readonly failedAt: number;
  /** When an operator sent it back to the outbox; null while it waits on the list. */
  readonly replayedAt: number | null;
}

/** The dead-letter list of the webhook channel. */
export interface WebhookDeadLetterStore {
  /** Puts the delivery on the list; one that failed again after a replay is back on it with the new reason. */
  put(record: WebhookDeadLetterRecord): Promise<void>;
  get(deliveryId: string): Promise<WebhookDeadLetterRecord | undefined>;
  /** Deliveries still waiting (not replayed), oldest failure first. */
  waiting(limit: number): Promise<WebhookDeadLetterRecord[]>;
  /** Takes the delivery off the list: it was sent back to the outbox. */
  markReplayed(deliveryId: string, at: number): Promise<void>;
}
