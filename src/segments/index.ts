/**
 * Segments: groups of people defined by a condition over their traits, events,
 * consent, identifiers, channels and other segments, kept current in real time.
 *
 * One condition tree (contracts/segments.ts), read from a text form
 * (parser.ts) or a JSON form (check.ts), compiles two ways that mean the same:
 * to an in-memory predicate on one profile (evaluate.ts, for real time) and to
 * SQL over the event and profile stores (sql.ts, for backfills and previews).
 * Event conditions read aggregates kept in the golden record, fed message by
 * message (aggregate-history.ts); the segments stage (segment-stage.ts)
 * re-evaluates what each message could change, and timers what time alone can.
 *
 * The SQL side reads the profile mirror: every live profile's facts beside
 * the events in DuckDB, kept current by the mirror stage
 * (profile-mirror-stage.ts) from the changed profiles the identity and
 * segment stores record in their own transactions. Previews and the first
 * members of a new segment are one query over it (segment-queries.ts);
 * real-time evaluation never waits for it.
 */
export { aggregatesOfCondition } from './aggregate-history.js';
export { backfillAggregates, type BackfillDependencies } from './backfill.js';
export { SegmentCatalog } from './catalog.js';
export { ComputedTraitService, type ComputedTraitServiceOptions } from './computed-trait-service.js';
export type { CompiledTrait } from './computed-traits.js';
export { checkCondition, readDefinition, readFilters, type DefinitionProblem } from './check.js';
export { evaluate } from './evaluate.js';
export { eventList, matchesEvent } from './event-list.js';
export { factsOf, isTimeZone, type FactsContext } from './profile-facts.js';
export { consentKey, type EventFact, type ProfileFacts } from './facts.js';
export { SyntaxProblem } from './lexer.js';
export { parseCondition } from './parser.js';
export { printCondition } from './printer.js';
export { defaultExportTraits, exportIdentifierTypes } from './segment-export.js';
export { SegmentQueries, type SegmentPreview, type SegmentQueriesOptions } from './segment-queries.js';
export { SegmentService, type SegmentServiceOptions } from './segment-service.js';
export { SegmentStage, type SegmentStageOptions } from './segment-stage.js';
export { ProfileMirrorStage, type ProfileMirrorStageOptions } from './profile-mirror-stage.js';
export { compileMembershipChanges, compileToSql, type CompiledSql, type SqlRelations } from './sql.js';
