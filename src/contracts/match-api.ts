/**
 * The management API of probabilistic matching between profiles: match runs
 * over the live profiles' golden traits, the review queue and its decisions,
 * and the explanation of each pair, field by field.
 */
import Type, { type Static } from 'typebox';
import { IsoTimestamp } from './common.js';
import { MatchConfig } from './matching.js';

export const MatchRunRequest = Type.Object(
  {
    config: MatchConfig,
  },
  { additionalProperties: false, description: 'Fields name golden traits (column: the trait, default the field name); thresholds.autoMerge and thresholds.review decide what merges and what waits for review' },
);
export type MatchRunRequest = Static<typeof MatchRunRequest>;

export const MatchRun = Type.Object({
  id: Type.String(),
  createdAt: IsoTimestamp,
  profiles: Type.Integer({ description: 'Live profiles matched' }),
  records: Type.Integer({ description: "Their source records (what each set of identifiers said): the model learns from these, including the records already in one profile" }),
  candidatePairs: Type.Integer({ description: 'Pairs the blocking rules chose and the model scored' }),
  merged: Type.Integer({ description: 'Pairs above autoMerge, kept together by clustering: linked as match edges' }),
  review: Type.Integer({ description: 'Pairs between review and autoMerge (or above it but split by clustering): in the review queue' }),
  remembered: Type.Integer({ description: 'Pairs found again that a decision already settled (accepted, rejected or merged): left as they are' }),
  thresholds: Type.Object({ autoMerge: Type.Number(), review: Type.Number() }),
  lambda: Type.Number({ description: 'Share of comparable pairs the model expects to match' }),
  milliseconds: Type.Number(),
});
export type MatchRun = Static<typeof MatchRun>;

export const MatchFactorExplanation = Type.Object({
  factor: Type.String({ description: 'The field, or fields scored together joined with +' }),
  values: Type.Array(Type.Object({ field: Type.String(), left: Type.Union([Type.String(), Type.Null()]), right: Type.Union([Type.String(), Type.Null()]) })),
  level: Type.Integer({ description: 'Comparison level (0 strongest); -1 when a value was missing' }),
  label: Type.String({ description: 'e.g. exact, jaro-winkler >= 0.92, else, missing' }),
  m: Type.Union([Type.Number(), Type.Null()]),
  u: Type.Union([Type.Number(), Type.Null()]),
  weight: Type.Number({ description: 'log2(m/u) of the level' }),
  termFrequencyAdjustment: Type.Number({ description: 'Added on an exact match: more for a rare value, less for a common one' }),
});

export const MatchExplanation = Type.Object({
  prior: Type.Number({ description: 'log2 odds of a match before comparing (from lambda)' }),
  weight: Type.Number({ description: 'prior + the sum of every factor weight and adjustment' }),
  probability: Type.Number(),
  factors: Type.Array(MatchFactorExplanation),
});

export const matchPairStatuses = ['merged', 'review', 'accepted', 'rejected'] as const;

export const MatchPair = Type.Object({
  id: Type.String(),
  status: Type.Enum(matchPairStatuses, { description: 'merged: linked by a run, or found already joined in the identity graph; review: waiting; accepted, rejected: decided by a person (remembered)' }),
  probability: Type.Number(),
  weight: Type.Number({ description: 'Match weight, log2 odds' }),
  profileIds: Type.Array(Type.String(), { description: 'The two profiles when scored (a merged-away id answers with its survivor)' }),
  identifiers: Type.Array(Type.String(), { description: "Each profile's highest-priority identifier when scored" }),
  runId: Type.String(),
  decidedBy: Type.Union([Type.String(), Type.Null()]),
  decidedAt: Type.Union([IsoTimestamp, Type.Null()]),
  updatedAt: IsoTimestamp,
  explanation: MatchExplanation,
});
export type MatchPair = Static<typeof MatchPair>;

export const MatchReviewQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'default 50' })),
  cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
});
export type MatchReviewQuery = Static<typeof MatchReviewQuery>;

export const MatchReviewPage = Type.Object({
  pairs: Type.Array(MatchPair),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type MatchReviewPage = Static<typeof MatchReviewPage>;

export const MatchPairParams = Type.Object({ pairId: Type.String({ minLength: 1 }) });
