/**
 * Storage ports. Stages depend on these interfaces only; the composition root
 * (src/server) picks the adapters once. Every method is async so that server
 * databases fit behind the same port as the embedded ones.
 */
export type * from './computed-trait-store.js';
export type * from './delivery-store.js';
export type * from './event-log.js';
export type * from './event-store.js';
export type * from './identity-store.js';
export type * from './import-store.js';
export type * from './inbox-store.js';
export type * from './journey-store.js';
export type * from './match-store.js';
export type * from './profile-changes.js';
export type * from './profile-mirror.js';
export type * from './push-subscription-store.js';
export type * from './rejection-store.js';
export type * from './segment-store.js';
export type * from './source-store.js';
export type * from './suppression-store.js';
export type * from './tracking-plan-store.js';
export type * from './webhook-dead-letter-store.js';

import type { ComputedTraitStore } from './computed-trait-store.js';
import type { ChannelConfigStore, DeliveryStore, TemplateStore } from './delivery-store.js';
import type { IdentityStore } from './identity-store.js';
import type { ImportStore } from './import-store.js';
import type { InboxStore } from './inbox-store.js';
import type { JourneyStore } from './journey-store.js';
import type { MatchStore } from './match-store.js';
import type { ProfileChangeFeed } from './profile-changes.js';
import type { PushSubscriptionStore } from './push-subscription-store.js';
import type { RejectionStore } from './rejection-store.js';
import type { SegmentStore } from './segment-store.js';
import type { SourceStore } from './source-store.js';
import type { SuppressionStore } from './suppression-store.js';
import type { TrackingPlanStore } from './tracking-plan-store.js';
import type { WebhookDeadLetterStore } from './webhook-dead-letter-store.js';

/** The operational (state) store: small, transactional, read on the hot path. */
export interface OperationalStore {
  readonly sources: SourceStore;
  readonly rejections: RejectionStore;
  readonly trackingPlans: TrackingPlanStore;
  readonly identity: IdentityStore;
  readonly suppressions: SuppressionStore;
  readonly segments: SegmentStore;
  readonly computedTraits: ComputedTraitStore;
  readonly journeys: JourneyStore;
  readonly imports: ImportStore;
  /** Channel state: browsers' push subscriptions, in-app inboxes, webhook dead letters. */
  readonly pushSubscriptions: PushSubscriptionStore;
  readonly inbox: InboxStore;
  readonly webhookDeadLetters: WebhookDeadLetterStore;
  /** Probabilistic matches between profiles: runs, auto-merged pairs, the review queue and its decisions. */
  readonly matches: MatchStore;
  /** The channels' outbox: one entry per journey send, created with it. */
  readonly deliveries: DeliveryStore;
  readonly templates: TemplateStore;
  readonly channelConfigs: ChannelConfigStore;
  /** Profiles changed since the profile mirror last looked; written by the identity and segment stores' commits. */
  readonly profileChanges: ProfileChangeFeed;
  close(): Promise<void>;
}
