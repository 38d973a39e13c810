/**
 * Probabilistic matches between profiles (profiles/profile-matching.ts):
 * the runs, and every pair a run found worth keeping (auto-merged or sent to
 * review) with the decision taken on it. A pair's id comes from the two
 * profiles' anchor identifiers, so later runs find the same pair again and a
 * decision on it is remembered. Embedded: SQLite. At scale: PostgreSQL.
 */

/** merged: linked by a run above autoMerge; review: waiting for a person; accepted, rejected: decided by a person. */
export type MatchPairStatus = 'merged' | 'review' | 'accepted' | 'rejected';

export interface MatchPairRecord {
  readonly id: string;
  /** The run that last scored the pair. */
  readonly runId: string;
  /** Each side's highest-priority identifier when it was scored: it names the person on the log. */
  readonly leftKey: string;
  readonly rightKey: string;
  readonly leftProfileId: string;
  readonly rightProfileId: string;
  readonly probability: number;
  /** The match weight (log2 odds). */
  readonly weight: number;
  readonly status: MatchPairStatus;
  /** Field by field: values, level and weight contribution (JSON, as the API shows it). */
  readonly explanation: unknown;
  readonly decidedBy: string | null;
  readonly decidedAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface MatchRunRecord {
  readonly id: string;
  /** The matcher config the run used (JSON). */
  readonly config: unknown;
  /** Counts and timings (JSON, as the API shows it). */
  readonly summary: unknown;
  readonly createdAt: number;
}

export interface MatchStore {
  /** Pairs by id; absent ids are not in the map. */
  pairs(ids: readonly string[]): Promise<Map<string, MatchPairRecord>>;
  /** Pairs waiting for review, most probable first (then by id), after the cursor's position. */
  reviewQueue(limit: number, after?: { readonly probability: number; readonly id: string }): Promise<MatchPairRecord[]>;
  /** Stores a run and its pairs (replacing earlier versions of the same pairs), atomically. */
  saveRun(run: MatchRunRecord, pairs: readonly MatchPairRecord[]): Promise<void>;
  run(id: string): Promise<MatchRunRecord | undefined>;
  /** Sets a pair's status if it is still `from`; false when it was not. */
  decide(id: string, from: MatchPairStatus, to: MatchPairStatus, by: string, at: number): Promise<boolean>;
}
