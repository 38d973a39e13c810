import type { EventsPage, EventsQuery, StoredEvent } from '../contracts/index.js';

/** Where a projection has got to in one log partition. */
export interface Checkpoint {
  readonly consumer: string;
  readonly partition: number;
  readonly offset: number;
}

/** A stored event plus what the event store needs but the API does not show. */
export interface EventRow extends StoredEvent {
  /** The identity fragment the message belongs to (see identity/resolver.ts); null without identifiers. */
  readonly fragmentKey: string | null;
}

/** A logged message to store as an event, as the log holds it. */
export interface LoggedEvent {
  readonly offset: number;
  /** The identity fragment the message belongs to; null without identifiers. */
  readonly fragmentKey: string | null;
  /**
   * The logged message (a CollectedMessage) as JSON text, with its timestamps
   * as Date#toISOString writes them, which is how the log holds them.
   */
  readonly json: string;
}

/** An event as a backfill reads it: enough to replay it into an aggregate. */
export interface ScannedEvent {
  readonly offset: number;
  readonly fragmentKey: string;
  readonly messageId: string;
  readonly type: StoredEvent['type'];
  readonly event: string;
  readonly timestamp: string;
  readonly properties: StoredEvent['properties'];
}

export interface ScanFilter {
  /** Event names (track events, page and screen names). */
  readonly events: readonly string[];
  /** Only events logged at or before this offset (a cut in the log). */
  readonly maxOffset: number;
  /** Only events after this time (ms), when older ones cannot matter. */
  readonly after?: number;
}

/** Limits a listing to the events of some fragments: one person's timeline. */
export interface EventScope {
  readonly fragmentKeys: readonly string[];
}

/** The events to erase: those of some fragments, and those at some log offsets. */
export interface EventErasure {
  readonly fragmentKeys: readonly string[];
  readonly offsets: readonly number[];
}

/**
 * The event store: every accepted message, queryable for timelines and analytics.
 * Embedded: DuckDB. At scale: PostgreSQL, time-partitioned.
 */
export interface EventStore {
  /**
   * Stores `events` and moves `checkpoint` forward in one atomic step, so that a
   * crash never leaves events stored without their checkpoint or the reverse.
   */
  insert(events: readonly EventRow[], checkpoint: Checkpoint): Promise<void>;

  /**
   * Stores logged messages as events, like `insert` with each row made by
   * `toEventRow` (src/profiles/event-projection.ts): the event name is `event`
   * or else `name`; absent properties and traits are `{}`, absent violations
   * `[]`, other absent fields null. The message's JSON is taken as it is, so
   * an adapter can do the mapping where it is cheapest (in the database).
   */
  insertLogged(events: readonly LoggedEvent[], checkpoint: Checkpoint): Promise<void>;

  /**
   * Streams the events matching `filter` that belong to a fragment, grouped
   * by fragment (all of a fragment's events in one batch), to `onBatch`.
   */
  scan(filter: ScanFilter, onBatch: (events: readonly ScannedEvent[]) => Promise<void>, batchSize?: number): Promise<void>;

  /** The last log offset applied by `consumer` in `partition`, or 0. */
  checkpoint(consumer: string, partition: number): Promise<number>;

  /** Events matching the query, newest first (by event time, then offset), one page at a time. */
  list(query: EventsQuery, scope?: EventScope): Promise<EventsPage>;

  /**
   * Deletes, durably, the events of the given fragments and the events at the
   * given log offsets (one person's, being erased). Returns the offsets of the
   * events it deleted.
   */
  erase(scope: EventErasure): Promise<number[]>;

  close(): Promise<void>;
}
