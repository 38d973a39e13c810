import type { CollectedMessage, Condition } from '../contracts/index.js';
import type { Checkpoint } from './event-store.js';

/** backfilling: aggregates filled from history; evaluating: first members being decided; then live, or failed. */
export type SegmentStatus = 'backfilling' | 'evaluating' | 'live' | 'failed';

export interface SegmentRecord {
  readonly id: string;
  /** Unique; conditions refer to other segments by name. */
  readonly name: string;
  readonly condition: Condition;
  /** The definition in canonical text form. */
  readonly text: string;
  readonly status: SegmentStatus;
  /** Why backfilling failed, when it did. */
  readonly error: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface Membership {
  readonly segmentId: string;
  readonly profileId: string;
  /** When the profile entered. */
  readonly since: number;
}

/** Everything one evaluation pass changes, committed atomically (with the stage's checkpoint when it follows the log). */
export interface SegmentChanges {
  readonly entered: readonly Membership[];
  readonly exited: readonly { readonly segmentId: string; readonly profileId: string }[];
  /** When each profile must be looked at again because time alone could change a membership; null: never. */
  readonly timers: readonly { readonly profileId: string; readonly dueAt: number | null }[];
  /** Messages (Segment Entered / Exited) for the log, written in the same transaction. */
  readonly outbox: readonly CollectedMessage[];
}

/** Part of a segment's first memberships, decided for many profiles at once (segments/sql.ts), written without announcing them. */
export interface InitialMemberships {
  readonly segmentId: string;
  /** Profiles already in keep their `since`. */
  readonly entered: readonly Membership[];
  readonly exited: readonly string[];
  /** Profiles to look at again no later than `dueAt`: a timer already due earlier stays. */
  readonly timers: readonly { readonly profileId: string; readonly dueAt: number }[];
}

export interface OutboxEntry {
  readonly id: number;
  readonly message: CollectedMessage;
}

/**
 * Segments, who is in them, when to look again, and the messages membership
 * changes owe the log. Embedded: SQLite (state.db). At scale: PostgreSQL.
 */
export interface SegmentStore {
  /** Stores a new segment; rejects when the id or name is taken. */
  create(segment: SegmentRecord): Promise<void>;
  /** Replaces a segment; undefined when there is none. */
  update(segment: SegmentRecord): Promise<SegmentRecord | undefined>;
  get(id: string): Promise<SegmentRecord | undefined>;
  getByName(name: string): Promise<SegmentRecord | undefined>;
  /** All segments, oldest first. */
  list(): Promise<SegmentRecord[]>;
  /** Deletes a segment and its memberships (its members are recorded as changed profiles); false when there was none. */
  delete(id: string): Promise<boolean>;

  /** Current memberships of the profiles, by profile id. */
  membershipsOf(profileIds: readonly string[]): Promise<Map<string, Membership[]>>;
  /** The ids of the segments each profile is in, by profile id: what evaluating them needs, read faster. */
  segmentIdsOf(profileIds: readonly string[]): Promise<Map<string, string[]>>;
  /** A segment's members, by profile id, one page at a time. */
  members(segmentId: string, page: { limit: number; after?: string | undefined }): Promise<Membership[]>;
  size(segmentId: string): Promise<number>;

  /** Profiles whose timer is due at `now`, soonest first. */
  dueTimers(now: number, limit: number): Promise<string[]>;

  /**
   * Applies an evaluation pass atomically, with the checkpoint when given.
   * Profiles that entered or exited are recorded as changed profiles (see
   * `ProfileChangeFeed`) in the same transaction.
   */
  commit(changes: SegmentChanges, checkpoint?: Checkpoint): Promise<void>;
  /** Writes part of a segment's first memberships atomically, recording the profiles as changed like `commit`. */
  initialize(changes: InitialMemberships): Promise<void>;
  checkpoint(consumer: string, partition: number): Promise<number>;

  /** The oldest messages waiting to be appended to the log. */
  outbox(limit: number): Promise<OutboxEntry[]>;
  /** Removes appended messages from the outbox. */
  clearOutbox(ids: readonly number[]): Promise<void>;
}
