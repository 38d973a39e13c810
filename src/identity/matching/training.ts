/**
 * Unsupervised training of the model: no labels are used anywhere.
 *
 * 1. Random comparable pairs are drawn and compared. They give u (the level
 *    frequencies among non-matches, which random pairs nearly all are) and
 *    show which fields agree together more than chance; those are joined into
 *    one factor (factors.ts) so their shared evidence is counted once.
 * 2. m (and lambda) by expectation maximisation over every comparable pair:
 *    the candidate pairs as they are, and the rest stood for by the random
 *    pairs outside every block, each weighted by how many pairs it represents.
 * 3. lambda, the share of comparable pairs that match, by expectation
 *    maximisation of lambda alone over the scored candidate pairs with the
 *    final m and u (pairs outside every block count as non-matches).
 */
import type { MatchField } from '../../contracts/matching.js';
import { blockedTogether, type CompiledRule, type PairScope } from './blocking.js';
import type { FieldComparator } from './comparators.js';
import { codePatterns, expectationMaximisation, initialM, PatternCounter } from './em.js';
import { codeLabel, detectDependence, factorValues, makeFactor, type Factor, type FactorValues, type FieldDependence } from './factors.js';
import { PairScorer, type FactorModel, type MatchModel, type TermFrequencySetting } from './model.js';
import type { PairBuffer } from './pair-buffer.js';
import { comparablePairs, factorU, sampleRandomPairs } from './u-estimation.js';

export interface TrainingSettings {
  readonly maxIterations: number;
  readonly tolerance: number;
  readonly uSampleSize: number;
  readonly fixU: boolean;
  readonly seed: number;
  /** Fields to score jointly: detected, none, or named groups. */
  readonly jointFields: 'auto' | readonly (readonly string[])[];
}

/** How the expectation maximisation of m went. */
export interface EmTraining {
  /** Pattern-weighted pairs it ran over: the candidates plus those the random pairs outside the blocks stand for. */
  readonly pairs: number;
  readonly iterations: number;
  readonly converged: boolean;
}

export interface TrainingReport {
  readonly randomPairs: number;
  readonly exhaustive: boolean;
  readonly dependence: readonly FieldDependence[];
  readonly factors: readonly string[];
  readonly em: EmTraining;
  readonly lambda: number;
  readonly comparablePairs: number;
  /** lambda times the comparable pairs: how many matching pairs the model expects. */
  readonly expectedMatches: number;
}

export interface TrainingInput {
  readonly fields: readonly MatchField[];
  readonly comparators: readonly FieldComparator[];
  /** Candidate pairs with their levels. */
  readonly pairs: PairBuffer;
  /** The blocking rules: every pair they block together is in `pairs`. */
  readonly blockingRules: readonly CompiledRule[];
  readonly scope: PairScope;
  readonly size: number;
  readonly settings: TrainingSettings;
}

export interface TrainedModel {
  readonly model: MatchModel;
  readonly factorValues: readonly FactorValues[];
  readonly report: TrainingReport;
}

function termFrequencySetting(field: MatchField): TermFrequencySetting | null {
  const tf = field.termFrequency ?? field.kind !== 'number';
  if (tf === false) return null;
  if (tf === true) return { weight: 1, min: 0 };
  return { weight: tf.weight ?? 1, min: tf.min ?? 0 };
}

function chooseFactors(input: TrainingInput, sample: PairBuffer): { factors: Factor[]; dependence: FieldDependence[] } {
  const { comparators, settings } = input;
  if (settings.jointFields === 'auto') {
    const { groups, measured } = detectDependence(comparators, sample);
    return { factors: groups.map((g) => makeFactor(g, comparators)), dependence: measured };
  }
  const index = new Map(comparators.map((c, f) => [c.name, f]));
  const grouped = new Set<number>();
  const factors: Factor[] = [];
  for (const group of settings.jointFields) {
    const members = group.map((name) => index.get(name)).filter((f): f is number => f !== undefined && !grouped.has(f));
    members.forEach((f) => grouped.add(f));
    if (members.length > 0) factors.push(makeFactor(members, comparators));
  }
  comparators.forEach((_, f) => {
    if (!grouped.has(f)) factors.push(makeFactor([f], comparators));
  });
  factors.sort((a, b) => a.fields[0]! - b.fields[0]!);
  return { factors, dependence: [] };
}

export function trainModel(input: TrainingInput): TrainedModel {
  const { comparators, pairs, settings } = input;
  const F = comparators.length;
  const levelCounts = comparators.map((c) => c.levels.length);
  const random = sampleRandomPairs(comparators, input.size, input.scope, settings.uSampleSize, settings.seed);
  const total = comparablePairs(input.size, input.scope);
  const { factors, dependence } = chooseFactors(input, random.sample);
  const values = factors.map((factor) => factorValues(factor, comparators));
  const u = factors.map((factor, k) => factorU(factor, values[k]!, random, input.scope));

  // Every comparable pair: the candidates, and the random pairs outside every block standing for the rest.
  const counter = new PatternCounter(levelCounts, comparators.map(() => true));
  const levels = pairs.arrays().levels;
  for (let p = 0; p < pairs.size; p++) counter.add(levels, p * F);
  const sample = random.sample;
  const sampleLevels = sample.arrays().levels;
  const outside: number[] = [];
  for (let p = 0; p < sample.size; p++) {
    const i = sample.left(p);
    const j = sample.right(p);
    if (!input.blockingRules.some((rule) => blockedTogether(rule, i, j))) outside.push(p);
  }
  const weight = outside.length === 0 ? 0 : Math.max(0, total - pairs.size) / outside.length;
  for (const p of outside) counter.add(sampleLevels, p * F, weight);
  const fitted = expectationMaximisation(
    codePatterns(counter.build(), factors),
    factors.map(() => true),
    { lambda: Math.min(0.5, pairs.size / Math.max(1, total) / 10), m: factors.map(initialM), u },
    { maxIterations: settings.maxIterations, tolerance: settings.tolerance, fixU: settings.fixU },
  );

  const factorModels: FactorModel[] = factors.map((factor, k) => ({
    factor,
    labels: Array.from({ length: factor.size }, (_, code) => codeLabel(factor, code, comparators)),
    m: Array.from(fitted.m[k]!),
    u: Array.from(u[k]!),
    termFrequency: factor.exactCode >= 0 ? jointTermFrequency(factor, input.fields) : null,
  }));

  const lambda = estimateLambda({ lambda: 0.5, factors: factorModels }, comparators, values, pairs, total, settings);
  return {
    model: { lambda, factors: factorModels },
    factorValues: values,
    report: {
      randomPairs: random.sample.size,
      exhaustive: random.exhaustive,
      dependence,
      factors: factors.map((f) => f.name),
      em: { pairs: counter.total, iterations: fitted.iterations, converged: fitted.converged },
      lambda,
      comparablePairs: total,
      expectedMatches: lambda * total,
    },
  };
}

/** A joint factor adjusts by term frequency when any member asks for it (the strongest setting wins). */
function jointTermFrequency(factor: Factor, fields: readonly MatchField[]): TermFrequencySetting | null {
  const settings = factor.fields.map((f) => termFrequencySetting(fields[f]!)).filter((s): s is TermFrequencySetting => s !== null);
  if (settings.length === 0) return null;
  return { weight: Math.max(...settings.map((s) => s.weight)), min: Math.min(...settings.map((s) => s.min)) };
}

const BIN = 1 / 32;

/**
 * lambda by EM with m and u held: E-step, each candidate pair's match
 * probability under the current lambda; M-step, their sum over all comparable
 * pairs. Weights are binned (1/32 bit) so an iteration costs the bins, not
 * the pairs.
 */
function estimateLambda(
  model: MatchModel,
  comparators: readonly FieldComparator[],
  values: readonly FactorValues[],
  pairs: PairBuffer,
  total: number,
  settings: TrainingSettings,
): number {
  const scorer = new PairScorer(model, comparators, values);
  const levels = pairs.arrays().levels;
  const F = comparators.length;
  const bins = new Map<number, number>();
  for (let p = 0; p < pairs.size; p++) {
    const w = scorer.weightOfLevels(levels, p * F, pairs.left(p)) - scorer.prior;
    const bin = Math.round(w / BIN);
    bins.set(bin, (bins.get(bin) ?? 0) + 1);
  }
  const weights = Float64Array.from(bins.keys(), (b) => b * BIN);
  const counts = Float64Array.from(bins.values());
  let lambda = Math.min(0.5, Math.max(1e-12, (0.1 * pairs.size) / Math.max(total, 1)));
  for (let iteration = 0; iteration < 10 * settings.maxIterations; iteration++) {
    const prior = Math.log2(lambda / (1 - lambda));
    let expected = 0;
    for (let b = 0; b < weights.length; b++) expected += counts[b]! / (1 + 2 ** -(weights[b]! + prior));
    const next = Math.min(0.5, Math.max(1e-12, expected / Math.max(total, 1)));
    const done = Math.abs(next - lambda) <= lambda * 1e-6;
    lambda = next;
    if (done) break;
  }
  return lambda;
}

