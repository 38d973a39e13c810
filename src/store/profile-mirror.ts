/** One profile's facts as segment queries read them (see segments/sql.ts). */
export interface MirroredProfile {
  readonly profileId: string;
  /** Golden values, computed traits included. */
  readonly traits: Readonly<Record<string, unknown>>;
  /** `channel:purpose` -> granted or denied. */
  readonly consent: Readonly<Record<string, string>>;
  /** Identifier types the profile holds at least one of. */
  readonly identifierTypes: readonly string[];
  readonly channels: readonly string[];
  /** Names of the segments the profile is in. */
  readonly segments: readonly string[];
  /** A valid IANA time zone. */
  readonly timeZone: string;
}

/** What one pass of the mirror stage changes, applied atomically. */
export interface MirrorBatch {
  /** Facts to write, replacing the profiles' rows. */
  readonly upserts: readonly MirroredProfile[];
  /** Profiles gone (merged away or erased): their rows and fragment mappings are deleted. */
  readonly removals: readonly string[];
  /**
   * Every fragment of profiles whose make-up changed: they replace whatever
   * was mapped to those profiles, and a fragment listed moves to its profile.
   */
  readonly fragments: readonly { readonly profileId: string; readonly fragmentKeys: readonly string[] }[];
  /** When the facts were read (ms), kept as `updated_at`. */
  readonly at: number;
  /** Some removal is an erasure: nothing of it may stay in the store's files (logs included). */
  readonly purge: boolean;
}

/** A query compiled for the mirror's SQL dialect (segments/sql.ts compiles for DuckDB). */
export interface MirrorQuery {
  readonly sql: string;
  readonly params: Readonly<Record<string, string | number | boolean>>;
}

/**
 * The profile mirror: every live profile's facts beside the event store, so
 * that a segment condition runs over all profiles at once as one query
 * (previews, first memberships, exports). It offers three relations:
 *
 *   profile_facts(profile_id, traits JSON, consent JSON, identifier_types VARCHAR[],
 *                 channels VARCHAR[], segments VARCHAR[], time_zone VARCHAR, updated_at TIMESTAMP)
 *   fragment_profiles(fragment_key, profile_id)
 *   profile_events(profile_id, event, timestamp, properties): the stored events of each profile's fragments
 *
 * A projection of the operational store fed by the `ProfileChangeFeed`, it
 * can be rebuilt from nothing at any time. Embedded: DuckDB, in the event
 * store's database.
 */
export interface ProfileMirror {
  /** Applies one batch of changes atomically. */
  apply(batch: MirrorBatch): Promise<void>;

  /** Deletes every row (before a rebuild). */
  clear(): Promise<void>;

  /** What the mirror was last built whole under (see `setBuiltFor`); null when never. */
  builtFor(): Promise<string | null>;
  /** Records the rules and definitions the rows are computed under; other ones mean rebuilding. */
  setBuiltFor(key: string): Promise<void>;

  /** How many rows `query` selects and the `sampleSize` smallest profile ids among them. */
  preview(query: MirrorQuery, sampleSize: number): Promise<{ count: number; sample: string[] }>;

  /** Streams the rows of `query` to `onRows`, `batchSize` at a time, as plain JS values. */
  stream(query: MirrorQuery, onRows: (rows: readonly Readonly<Record<string, unknown>>[]) => Promise<void>, batchSize?: number): Promise<void>;

  /** Live profiles mirrored. */
  size(): Promise<number>;

  close(): Promise<void>;
}
