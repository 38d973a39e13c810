import type { ContactPolicies, JourneyChannel, JourneyDefinition, JourneyStatus, MessageCategory } from '../contracts/index.js';
import type { Checkpoint } from './event-store.js';

export interface JourneyRecord {
  readonly id: string;
  readonly name: string;
  readonly status: JourneyStatus;
  /** The version new entries use; drafts have none live. */
  readonly liveVersion: number | null;
  /** The newest version (the draft being edited when it is above liveVersion). */
  readonly latestVersion: number;
  /** When a scheduled entry last ran. */
  readonly scheduledAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface JourneyVersionRecord {
  readonly journeyId: string;
  readonly version: number;
  readonly definition: JourneyDefinition;
  readonly publishedAt: number | null;
}

/** Stored instance state; see journeys/instance.ts for what each field means. */
export interface InstanceRecord {
  readonly id: string;
  readonly journeyId: string;
  readonly version: number;
  readonly profileId: string;
  readonly status: 'active' | 'completed' | 'exited';
  readonly step: string | null;
  readonly visit: number;
  readonly stepEnteredAt: number;
  readonly wakeAt: number | null;
  readonly waitingFor: string | null;
  readonly entry: { readonly event: string | null; readonly properties: Readonly<Record<string, unknown>>; readonly messageId: string | null; readonly at: number };
  readonly variant: string | null;
  readonly holdout: boolean;
  readonly converted: boolean;
  readonly enteredAt: number;
  readonly endedAt: number | null;
  readonly exitReason: string | null;
}

export interface InstanceHistoryRecord {
  readonly instanceId: string;
  readonly at: number;
  readonly step: string | null;
  readonly kind: string;
  readonly detail: string;
}

/** A message a journey decided to send: queued for the channels, counted by frequency caps. */
export interface SendRecord {
  readonly idempotencyKey: string;
  readonly instanceId: string;
  readonly journeyId: string;
  readonly profileId: string;
  readonly step: string;
  readonly channel: JourneyChannel;
  readonly category: MessageCategory;
  readonly template: string;
  readonly variant: string | null;
  readonly at: number;
}

/** A webhook call as a journey decided it (templates rendered), kept until it has an outcome. */
export interface WebhookRequest {
  readonly step: string;
  readonly method: 'POST' | 'PUT' | 'PATCH';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
  readonly timeoutMs: number;
  /** Retries of a transient failure after the first attempt. */
  readonly retries: number;
  /** The instance waits at the step for the outcome, and goes on by it. */
  readonly waits: boolean;
  /** Why the templates could not be rendered: nothing is called and the outcome is a failure. */
  readonly renderError: string | null;
}

/** How a webhook call ended: the answer it got last, or no answer at all. */
export type WebhookOutcome =
  | { readonly kind: 'response'; readonly status: number; readonly body: unknown; readonly attempts: number }
  | { readonly kind: 'failure'; readonly error: string; readonly attempts: number };

/** A webhook call without an outcome yet. */
export interface PendingWebhook {
  readonly idempotencyKey: string;
  readonly instanceId: string;
  readonly request: WebhookRequest;
  /** Attempts begun so far (one interrupted by a crash counts). */
  readonly attempts: number;
}

/** Everything one pass of the journeys stage changes, committed atomically. */
export interface JourneyChanges {
  readonly instances: readonly InstanceRecord[];
  readonly history: readonly InstanceHistoryRecord[];
  /** Sends: a second one with the same idempotency key is ignored. */
  readonly sends: readonly SendRecord[];
  /** Effects other than sends (profile updates, webhooks, jumps), for their performers. */
  readonly effects: readonly { readonly idempotencyKey: string; readonly instanceId: string; readonly kind: string; readonly payload: unknown }[];
  /** Webhook calls that ended, with their outcome: they are never made again. */
  readonly settledWebhooks?: readonly { readonly idempotencyKey: string; readonly outcome: WebhookOutcome }[];
}

export interface JourneyStats {
  readonly entered: number;
  readonly active: number;
  readonly completed: number;
  readonly exited: number;
  readonly converted: number;
  readonly steps: readonly { readonly step: string; readonly variant: string | null; readonly arrived: number; readonly here: number; readonly converted: number }[];
  readonly variants: readonly { readonly variant: string; readonly entered: number; readonly converted: number }[];
}

/** Journeys, their versions, instances, sends and the global contact policies. Embedded: SQLite (state.db). */
export interface JourneyStore {
  createJourney(journey: JourneyRecord, version: JourneyVersionRecord): Promise<void>;
  updateJourney(journey: JourneyRecord): Promise<void>;
  putVersion(version: JourneyVersionRecord): Promise<void>;
  journey(id: string): Promise<JourneyRecord | undefined>;
  journeyByName(name: string): Promise<JourneyRecord | undefined>;
  journeys(): Promise<JourneyRecord[]>;
  version(journeyId: string, version: number): Promise<JourneyVersionRecord | undefined>;
  /** Every version of every journey. */
  versions(): Promise<JourneyVersionRecord[]>;

  /** Instances of the profiles (all statuses), oldest first. */
  instancesOf(profileIds: readonly string[]): Promise<InstanceRecord[]>;
  instance(id: string): Promise<InstanceRecord | undefined>;
  /** Active instances of these journeys whose timer is due, soonest first (a paused journey's timers wait without holding up others'). */
  dueInstances(now: number, limit: number, journeyIds: readonly string[]): Promise<InstanceRecord[]>;
  historyOf(instanceId: string): Promise<InstanceHistoryRecord[]>;
  /** Active instances of a journey at a version, for migrating them to a new one. */
  activeInstances(journeyId: string, version: number, afterId: string, limit: number): Promise<InstanceRecord[]>;

  /** The profile's sends since `since`, for frequency caps. */
  sendsOf(profileId: string, since: number): Promise<SendRecord[]>;
  /** Sends, newest first, optionally for one profile. */
  listSends(page: { profileId?: string | undefined; limit: number; before?: number | undefined }): Promise<SendRecord[]>;
  stats(journeyId: string): Promise<JourneyStats>;

  policies(): Promise<ContactPolicies>;
  putPolicies(policies: ContactPolicies): Promise<void>;

  commit(changes: JourneyChanges, checkpoint?: Checkpoint): Promise<void>;

  /** Webhook calls without an outcome whose next attempt is due by `now`, soonest first. */
  dueWebhooks(now: number, limit: number): Promise<PendingWebhook[]>;
  /**
   * Records, before an attempt is made or after one failed, how many attempts
   * have begun and when to try next: the lease of an attempt in flight (so a
   * call interrupted by a crash is made again then), or the backoff of a retry.
   */
  scheduleWebhook(idempotencyKey: string, attempts: number, dueAt: number, lastError: string | null): Promise<void>;
  checkpoint(consumer: string, partition: number): Promise<number>;
}
