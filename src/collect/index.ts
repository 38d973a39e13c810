/**
 * Collect: the first stage. Speaks the Segment / RudderStack HTTP Tracking API:
 * authenticates write keys, validates and normalizes messages, enforces
 * tracking plans, and appends accepted messages to the durable log.
 *
 * Invariants: a message is acknowledged only once it is on disk; a message
 * repeated with the same (source, messageId) is stored once; a rejected message
 * is kept with its reasons, never silently dropped.
 */
export { Collector, type BuiltOutcome, type CollectorOptions } from './collector.js';
export { ImportService, type ImportServiceOptions } from './imports.js';
export type { IdentifierPaths } from './import-mapping.js';
export { trackingLimits } from './limits.js';
export type { ReceiveContext } from './normalize.js';
export { originAllowed } from './origins.js';
export { SourceService, authFailureMessages, systemSourceId, type AuthFailure } from './sources.js';
export { TrackingPlanService } from './tracking-plans.js';
