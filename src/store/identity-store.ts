import type { Checkpoint } from './event-store.js';

/** Plain JSON owned by the profiles stage (the golden record accumulators); opaque to the identity graph. */
export type StateJson = Readonly<Record<string, unknown>>;

/** The earliest message that carried a fragment's identifiers: orders fragments by event time. */
export interface Claim {
  readonly timestamp: string;
  readonly messageId: string;
}

/** Everything learned from messages that carried exactly the same identifiers. */
export interface FragmentRecord {
  /** A hash of the sorted identifier keys. */
  readonly key: string;
  /** Identifier keys (`type:value`), highest priority first. */
  readonly identifiers: readonly string[];
  readonly claim: Claim;
  /** The profile of the fragment's highest-priority identifier, where its messages belong. */
  readonly homeProfileId: string;
  readonly state: StateJson;
}

export interface ProfileRecord {
  readonly id: string;
  readonly state: StateJson;
  /** How many identifiers of each type the profile holds, for limit checks without loading them. */
  readonly identifierCounts: Readonly<Record<string, number>>;
  /** The latest claim among the profile's fragments; an earlier one arriving means re-deciding. */
  readonly maxClaim: Claim;
  /** Some of its identifiers are under a manual cannot-link constraint (from a split). */
  readonly constrained: boolean;
  /** A link involving it was refused; re-ordering its fragments could change the outcome. */
  readonly conflicted: boolean;
  /** Set once the profile was merged into another; the survivor's id. */
  readonly mergedInto: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface IdentifierRecord {
  readonly key: string;
  readonly profileId: string;
  readonly createdAt: number;
}

export type HistoryKind = 'merge' | 'split';

/** One change of the graph, for `GET /profiles/{id}/history`. */
export interface HistoryEntry {
  readonly kind: HistoryKind;
  /** The surviving profile of a merge; the profile split from. */
  readonly profileId: string;
  /** The merged-away profile; the profile that received the split identifiers. */
  readonly otherProfileId: string;
  readonly identifiers: readonly string[];
  readonly at: number;
  readonly cause: HistoryCause;
}

export type HistoryCause =
  | { readonly kind: 'message'; readonly messageId: string; readonly sourceId: string; readonly identifier: string }
  | { readonly kind: 'recompute'; readonly messageId: string; readonly sourceId: string }
  | { readonly kind: 'split'; readonly requestedBy: string }
  /** A probabilistic match linked the profiles: the "Profiles Matched" message, its pair and score. */
  | { readonly kind: 'match'; readonly messageId: string; readonly sourceId: string; readonly identifier: string; readonly pairId: string; readonly probability: number };

export interface StoredHistoryEntry extends HistoryEntry {
  readonly id: number;
}

/** A link the rules refused: the identifier stayed with another profile. */
export interface ConflictRecord {
  /** Where the message went (its highest-priority identifier's profile). */
  readonly profileId: string;
  /** Where the refused identifier is. */
  readonly otherProfileId: string;
  readonly anchor: string;
  readonly identifier: string;
  /** e.g. `limit:user_id` or `cannot_link`. */
  readonly reason: string;
  readonly fragmentKey: string;
  readonly claim: Claim;
}

/** A manual constraint: these two identifiers must never be in one profile. */
export interface CannotLink {
  readonly a: string;
  readonly b: string;
}

/** A golden scalar trait of a live profile, as the trait search index keeps it. */
export interface TraitIndexEntry {
  readonly trait: string;
  /** The value as searchable text: lower-cased, bounded in length (see profiles/trait-index.ts). */
  readonly text: string;
  /** Only strings are searched by prefix. */
  readonly kind: 'string' | 'number' | 'boolean';
}

/** The trait index entries of one profile from now on: they replace whatever was indexed for it. */
export interface TraitIndexUpdate {
  readonly profileId: string;
  readonly entries: readonly TraitIndexEntry[];
}

export interface TraitSearch {
  readonly trait: string;
  /** Normalized like `TraitIndexEntry.text`. */
  readonly text: string;
  /** exact: the indexed text equals `text`; prefix: a string trait's indexed text starts with it. */
  readonly match: 'exact' | 'prefix';
  readonly limit: number;
}

/** What stays of a person's erasure: who asked and when, and one-way hashes of their identifiers. */
export interface ErasureRecord {
  readonly id: string;
  readonly profileId: string;
  readonly mergedIds: readonly string[];
  readonly requestedBy: string;
  readonly at: number;
  readonly identifierHashes: readonly string[];
  readonly erasedEvents: number;
}

/** Everything the identity store holds about one person, to delete; and the record kept of it. */
export interface IdentityErasure {
  /** The profile and the profiles merged into it. */
  readonly profileIds: readonly string[];
  /** Their identifier keys; cannot-links naming them go too, and history entries stop naming them. */
  readonly identifiers: readonly string[];
  /** Every fragment containing one of the identifiers, wherever it is homed, with its membership rows. */
  readonly fragments: readonly { readonly key: string; readonly identifiers: readonly string[] }[];
  /** Stored with its hashes, which later messages are checked against (see `erasedIdentifierHashes`). */
  readonly record: ErasureRecord;
}

/** Everything one batch changes, committed atomically with the stage's checkpoint. */
export interface IdentityChanges {
  readonly identifiers: readonly IdentifierRecord[];
  readonly fragments: readonly FragmentRecord[];
  readonly profiles: readonly ProfileRecord[];
  readonly history: readonly HistoryEntry[];
  /** Conflicts to replace: every conflict touching these profiles is dropped, then `add` inserted. */
  readonly conflicts: { readonly replaceFor: readonly string[]; readonly add: readonly ConflictRecord[] };
  readonly cannotLinks: readonly CannotLink[];
  /**
   * A person to erase: their rows are deleted before the rest of the changes
   * (the rebuilt records of profiles that shared fragments with them) apply.
   */
  readonly erasure?: IdentityErasure;
  /**
   * Trait index entries of profiles whose golden record was recomputed; absent
   * leaves the index as it is. A profile committed as merged leaves the index
   * whether or not it is listed here.
   */
  readonly traitIndex?: readonly TraitIndexUpdate[];
  /** Recorded once every live profile was indexed under these rules (see `traitIndexRules`). */
  readonly traitIndexRules?: string;
  /**
   * Nothing the profile mirror holds changes (only event aggregates no
   * computed trait reads, as a segment's backfill writes): the profiles
   * written are not recorded as changed (see `ProfileChangeFeed`).
   */
  readonly factsUnchanged?: boolean;
}

/**
 * The identity graph and the profiles it forms. Embedded: SQLite. At scale:
 * PostgreSQL. Only one writer (the unify stage) changes it, a batch at a time.
 */
export interface IdentityStore {
  identifiers(keys: readonly string[]): Promise<Map<string, IdentifierRecord>>;
  fragments(keys: readonly string[]): Promise<Map<string, FragmentRecord>>;
  /** The home profile of each fragment that exists: what a later stage needs to place a message, without its state. */
  fragmentHomes(keys: readonly string[]): Promise<Map<string, string>>;
  /** Profiles by id, as stored (a merged one has mergedInto set). */
  profiles(ids: readonly string[]): Promise<Map<string, ProfileRecord>>;
  /** For each identifier key, the keys of the fragments that contain it. */
  fragmentsContaining(identifierKeys: readonly string[]): Promise<Map<string, string[]>>;
  /** The identifier keys a profile holds. */
  identifiersOf(profileId: string): Promise<IdentifierRecord[]>;
  /** The fragments homed in a profile. */
  fragmentsOf(profileId: string): Promise<FragmentRecord[]>;
  /** Cannot-link constraints involving any of the keys. */
  cannotLinks(identifierKeys: readonly string[]): Promise<CannotLink[]>;
  /** Conflicts recorded for a profile. */
  conflictsOf(profileId: string): Promise<ConflictRecord[]>;
  /** Merges and splits involving a profile, oldest first. */
  historyOf(profileId: string): Promise<StoredHistoryEntry[]>;
  /** For each of these profiles that survived merges, the ids of the messages that caused them. */
  mergeCauses(survivorIds: readonly string[]): Promise<Map<string, string[]>>;
  /** Ids of the profiles merged into `survivorId`. */
  mergedInto(survivorId: string): Promise<string[]>;
  /** Identifier keys starting with `prefix` (e.g. `email:jane`), with their profiles. */
  searchIdentifiers(prefix: string, limit: number): Promise<IdentifierRecord[]>;
  /**
   * Ids of the live profiles whose indexed trait matches, ordered by indexed
   * text then id, at most `limit`. The index holds what the profiles stage
   * computed at commit time: callers re-check the golden value they read.
   */
  searchTraits(search: TraitSearch): Promise<string[]>;
  /** The rules last recorded with `IdentityChanges.traitIndexRules`; null when the index was never built whole. */
  traitIndexRules(): Promise<string | null>;
  /** Live (not merged) profiles with an id after `afterId`, in id order: for rebuilding what derives from them. */
  liveProfiles(afterId: string, limit: number): Promise<ProfileRecord[]>;

  /** Hashes of every erased identifier (see `IdentityChanges.erasure`), for the check made on each message. */
  erasedIdentifierHashes(): Promise<string[]>;

  /**
   * Applies a batch's changes and moves the checkpoint, atomically. In the
   * same transaction it records as changed (see `ProfileChangeFeed`) every
   * profile written, and as changed in make-up the profiles that gained,
   * lost or moved fragments, merged (both sides), split or were erased.
   */
  commit(changes: IdentityChanges, checkpoint?: Checkpoint): Promise<void>;
  checkpoint(consumer: string, partition: number): Promise<number>;
}
