/** A profile whose mirrored facts may be out of date. */
export interface ProfileChange {
  /** Grows with every recording: a profile recorded again while waiting gets a new one. */
  readonly seq: number;
  readonly profileId: string;
  /**
   * Its make-up changed, not only its facts: fragments added, moved (a merge,
   * a split, a re-decision) or erased, or the profile itself merged away or
   * erased. The mirror then re-reads which fragments are the profile's.
   */
  readonly structural: boolean;
}

/**
 * The profiles changed since the profile mirror (the copy of every profile's
 * facts beside the events, for segment queries) last looked. It is written in
 * the same transaction as the changes themselves, so none is ever lost:
 * `IdentityStore.commit` records every profile it writes, merges away or
 * erases, and `SegmentStore.commit` (and `initialize`, `delete`) every profile
 * whose memberships changed. A profile recorded twice before it is read waits
 * once. Embedded: a SQLite table in the operational store.
 */
export interface ProfileChangeFeed {
  /** The longest-waiting changes, at most `limit`, oldest first. */
  next(limit: number): Promise<ProfileChange[]>;

  /**
   * Removes changes once the mirror has applied them. A profile recorded
   * again since it was read (with a newer `seq`) stays, to be read again.
   */
  acknowledge(changes: readonly ProfileChange[]): Promise<void>;

  /** How many profiles are waiting. */
  size(): Promise<number>;

  /** The `seq` of the latest change recorded so far; 0 before any. */
  lastSeq(): Promise<number>;

  /** Whether a change recorded with a `seq` at or below `seq` is still waiting. */
  pendingUpTo(seq: number): Promise<boolean>;

  /** Records every live profile as changed in make-up, for a mirror rebuilt from nothing; returns how many. */
  recordAllLive(): Promise<number>;
}
