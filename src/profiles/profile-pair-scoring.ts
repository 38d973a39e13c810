/**
 * The CPU-bound half of a profile match run (profile-matching.ts), kept free
 * of storage so that it can run in a worker thread: match the records,
 * then keep, for each two profiles, their strongest pair of records scored
 * at least `review`, with its explanation and whether clustering put the two
 * records together.
 */
import type { MatchConfig } from '../contracts/matching.js';
import { log2Odds, runMatching, tableFromRows, thresholds, type PairExplanation } from '../identity/matching/index.js';

/** The column numbering the records; no trait is named so (trait names do not start with two underscores). */
export const recordColumn = '__record';

export interface ProfilePairScoringInput {
  /** One row of trait text per record, numbered in `recordColumn`. */
  readonly rows: readonly Record<string, string>[];
  /** The profile (index) of each record. */
  readonly profileOf: readonly number[];
  readonly config: MatchConfig;
}

export interface ScoredProfilePair {
  /** Profile indexes. */
  readonly a: number;
  readonly b: number;
  readonly weight: number;
  /** Above autoMerge and kept together by clustering. */
  readonly merge: boolean;
  readonly explanation: PairExplanation;
}

export interface ScoredProfilePairs {
  readonly candidatePairs: number;
  readonly lambda: number;
  /** Strongest first. */
  readonly pairs: readonly ScoredProfilePair[];
}

export async function scoreProfilePairs(input: ProfilePairScoringInput): Promise<ScoredProfilePairs> {
  const { rows, profileOf, config } = input;
  const run = await runMatching(tableFromRows(rows, recordColumn), { ...config, id: recordColumn, source: {} }, { mode: 'dedupe' });
  const limits = thresholds(config);
  const reviewWeight = log2Odds(limits.review);
  const autoWeight = log2Odds(limits.autoMerge);
  // The strongest pair of records between two profiles stands for them.
  const best = new Map<string, number>();
  for (let p = 0; p < run.pairs.size; p++) {
    const weight = run.weights[p]!;
    if (weight < reviewWeight) continue;
    const a = profileOf[run.pairs.left(p)]!;
    const b = profileOf[run.pairs.right(p)]!;
    if (a === b) continue;
    const key = a < b ? `${a}:${b}` : `${b}:${a}`;
    const seen = best.get(key);
    if (seen === undefined || run.weights[seen]! < weight) best.set(key, p);
  }
  const labels = run.clustering.labels;
  const pairs = [...best.values()]
    .sort((x, y) => run.weights[y]! - run.weights[x]!)
    .map((p): ScoredProfilePair => {
      const i = run.pairs.left(p);
      const j = run.pairs.right(p);
      const weight = run.weights[p]!;
      return { a: profileOf[i]!, b: profileOf[j]!, weight, merge: weight > autoWeight && labels[i] === labels[j], explanation: run.scorer.explain(i, j) };
    });
  return { candidatePairs: run.pairs.size, lambda: run.model.lambda, pairs };
}
