/**
 * Profiles: what Tessera knows about each person. The unify stage folds every
 * message into the golden record of its profile (traits with survivorship and
 * lineage, consent, channels, first and last seen); the event projection keeps
 * the cross-channel timeline in the event store. Both drop the messages of
 * erased people. Consent stated through the API, the suppression list and
 * erasure (with its audit record) are the privacy use cases.
 */
export { ErasureService, type ErasureServiceOptions } from './erasure.js';
export {
  accumulateObservation,
  emptyRegistry,
  mergeAggregates,
  observationsIn,
  type AggregateAccumulator,
  type AggregateDefinition,
  type AggregateRegistry,
  type KeepRule,
  type Observation,
} from './aggregates.js';
export { canonicalJson, compareJson, toJsonValue, type JsonValue } from './plain-data.js';
export { EventStoreProjection, toEventRow, toStoredEvent } from './event-projection.js';
export {
  consentOf,
  contributionOf,
  emptyState,
  goldenTraits,
  mergeStates,
  resolveProfileRules,
  type ConsentEntry,
  type GoldenTrait,
  type Lineage,
  type ProfileRules,
  type ProfileState,
} from './state.js';
export { historyView, type DerivedTraits, type TraitView } from './profile-view.js';
export { ProfileMatchingService, type ProfileMatchingOptions } from './profile-matching.js';
export { ProfileService, type ProfileServiceOptions } from './profile-service.js';
export { SuppressionService, type SuppressionServiceOptions } from './suppressions.js';
export { UnifyProjection, asJson, asState, changesOf, rebuildProfileState, type UnifyOptions } from './unify-projection.js';
