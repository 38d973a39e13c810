import type { DeliveryStatus, JourneyChannel, MessageCategory, RateLimit, TemplateContent } from '../contracts/index.js';

/**
 * One outbox entry: a journey send on its way to a provider. Created in the
 * same transaction as the journey_sends row it delivers (its id is the send's
 * idempotency key), so no send is decided without an entry to deliver it.
 */
export interface DeliveryRecord {
  readonly id: string;
  readonly instanceId: string;
  readonly journeyId: string;
  readonly profileId: string;
  readonly step: string;
  readonly channel: JourneyChannel;
  readonly category: MessageCategory;
  readonly template: string;
  readonly variant: string | null;
  readonly status: DeliveryStatus;
  /** Provider calls started so far. */
  readonly attempts: number;
  /** When a queued entry is due; null once it is final. */
  readonly nextAttemptAt: number | null;
  /** The address used (email, phone...), as sent to; null before the first attempt. */
  readonly recipient: string | null;
  readonly provider: string | null;
  readonly providerMessageId: string | null;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The outbox of the channels stage. Embedded: SQLite (state.db), fed by a trigger on journey_sends. */
export interface DeliveryStore {
  /** Queued entries due at `now`, oldest due first. */
  due(now: number, limit: number): Promise<DeliveryRecord[]>;
  /**
   * Moves a queued entry to `sending` and counts the attempt, durably, before
   * the provider is called; false when it was not queued (another worker has it).
   */
  claim(id: string, attempt: { recipient: string; provider: string; now: number }): Promise<boolean>;
  /** A `sending` entry the provider accepted. */
  markSent(id: string, providerMessageId: string | null, now: number): Promise<void>;
  /** Back to `queued` for another attempt at `at`, with the reason this one failed. */
  retryAt(id: string, at: number, error: string, now: number): Promise<void>;
  /** Final: `failed` (with why) or `suppressed` (not sent on purpose, with why). */
  finish(id: string, status: 'failed' | 'suppressed', reason: string, now: number): Promise<void>;
  /** Entries left in `sending`: a process stopped during their provider call. */
  interrupted(): Promise<DeliveryRecord[]>;
  get(id: string): Promise<DeliveryRecord | undefined>;
  /** Newest first. */
  list(filter: { profileId?: string | undefined; status?: DeliveryStatus | undefined; limit: number }): Promise<DeliveryRecord[]>;
  /** Erasure: deletes the profiles' entries, which hold their addresses (as recipients and in errors). */
  removeOf(profileIds: readonly string[]): Promise<void>;
}

export interface TemplateRecord {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly content: TemplateContent;
  readonly locales: Readonly<Record<string, TemplateContent>>;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Message templates, by id and by unique name. */
export interface TemplateStore {
  /** False when the name is taken. */
  create(template: TemplateRecord): Promise<boolean>;
  /** False when the new name is taken by another template. */
  update(template: TemplateRecord): Promise<boolean>;
  get(id: string): Promise<TemplateRecord | undefined>;
  byName(name: string): Promise<TemplateRecord | undefined>;
  list(): Promise<TemplateRecord[]>;
  /** False when there was none. */
  remove(id: string): Promise<boolean>;
}

/** A channel's provider configuration as stored; settings may hold secrets, so it never leaves the server as is. */
export interface ChannelConfigRecord {
  readonly channel: JourneyChannel;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly rateLimit: RateLimit | null;
  readonly updatedAt: number;
}

export interface ChannelConfigStore {
  all(): Promise<ChannelConfigRecord[]>;
  put(config: ChannelConfigRecord): Promise<void>;
  /** False when there was none. */
  remove(channel: JourneyChannel): Promise<boolean>;
}
