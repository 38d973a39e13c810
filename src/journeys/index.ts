/**
 * Journeys: how Tessera reacts to each person over time and across channels.
 * A journey is a versioned graph of steps (waits, branches, splits, sends...);
 * each person in it is an instance with explicit state in the operational
 * store. The engine (engine.ts) is deterministic and performs nothing: the
 * stage (journey-stage.ts) commits instance state and the sends it decided in
 * one transaction, each send named by an idempotency key (instance, step,
 * visit), and contact policies (policies.ts) are checked at the moment of
 * sending. Webhook calls are performed after the commit by the
 * WebhookPerformer, at least once towards the receiver (with an
 * Idempotency-Key) and exactly once on Tessera's side.
 */
export { bestChannelOrder, bestChannelTrait } from './best-channel.js';
export { JourneyCatalog } from './catalog.js';
export { compileJourney, type CompiledJourney } from './compile.js';
export { decideSend, type SendContext, type SendDecision } from './policies.js';
export { JourneyScheduler, type SchedulerOptions } from './scheduler.js';
export { JourneyService, type JourneyServiceOptions } from './journey-service.js';
export { JourneyStage, type JourneyStageOptions } from './journey-stage.js';
export { WebhookPerformer, type WebhookPerformerOptions } from './webhook-performer.js';
