/**
 * u probabilities: how often each comparison level occurs among pairs of
 * different people. Nearly every random pair is a non-match, so u is
 * measured on pairs drawn at random from all comparable pairs (or on all of
 * them when there are few). The exact level's u is computed exactly from the
 * value counts, so a rare agreement is not left to the luck of the sample.
 */
import type { PairScope } from './blocking.js';
import type { FieldComparator } from './comparators.js';
import { factorCode, type Factor, type FactorValues } from './factors.js';
import { PairBuffer } from './pair-buffer.js';
import { seededRandom } from './random.js';

/** Pairs the scope allows among `size` records. */
export function comparablePairs(size: number, scope: PairScope): number {
  if (!scope.crossSourceOnly || !scope.sources) return (size * (size - 1)) / 2;
  const perSource = new Map<number, number>();
  for (const s of scope.sources) perSource.set(s, (perSource.get(s) ?? 0) + 1);
  let same = 0;
  for (const n of perSource.values()) same += n * n;
  return (size * size - same) / 2;
}

/** The share of comparable pairs (both values present) whose values are equal. */
export function exactAgreement(values: Pick<FactorValues, 'ids' | 'counts'>, scope: PairScope): number {
  const { ids, counts } = values;
  if (!scope.crossSourceOnly || !scope.sources) {
    let agree = 0;
    let present = 0;
    for (const c of counts) {
      agree += c * (c - 1);
      present += c;
    }
    return present < 2 ? 0 : agree / (present * (present - 1));
  }
  const sources = scope.sources;
  const bySourceValue = new Map<number, number>();
  const presentBySource = new Map<number, number>();
  let stride = 1;
  for (const s of sources) stride = Math.max(stride, s + 1);
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (v < 0) continue;
    const key = v * stride + sources[i]!;
    bySourceValue.set(key, (bySourceValue.get(key) ?? 0) + 1);
    presentBySource.set(sources[i]!, (presentBySource.get(sources[i]!) ?? 0) + 1);
  }
  let agree = 0;
  for (const c of counts) agree += c * c;
  for (const c of bySourceValue.values()) agree -= c * c;
  let present = 0;
  let sameSource = 0;
  for (const n of presentBySource.values()) {
    present += n;
    sameSource += n * n;
  }
  const pairs = present * present - sameSource;
  return pairs <= 0 ? 0 : agree / pairs;
}

export interface RandomPairs {
  /** The pairs drawn, with their levels. */
  readonly sample: PairBuffer;
  /** True when the sample is every comparable pair. */
  readonly exhaustive: boolean;
}

/** Draws `sampleSize` random comparable pairs (all of them when there are fewer) and compares them. */
export function sampleRandomPairs(comparators: readonly FieldComparator[], size: number, scope: PairScope, sampleSize: number, seed: number): RandomPairs {
  const F = comparators.length;
  const sample = new PairBuffer(F, Math.min(sampleSize, 1 << 20));
  const add = (i: number, j: number): void => {
    const p = sample.push(i, j);
    for (let f = 0; f < F; f++) sample.setLevel(p, f, comparators[f]!.compare(i, j));
  };
  const sources = scope.crossSourceOnly ? scope.sources : undefined;
  const exhaustive = comparablePairs(size, scope) <= sampleSize;
  if (exhaustive) {
    for (let i = 0; i < size; i++) {
      for (let j = i + 1; j < size; j++) if (!sources || sources[i] !== sources[j]) add(i, j);
    }
  } else {
    const random = seededRandom(seed);
    while (sample.size < sampleSize) {
      const i = Math.floor(random() * size);
      const j = Math.floor(random() * size);
      if (i !== j && (!sources || sources[i] !== sources[j])) add(i, j);
    }
  }
  return { sample, exhaustive };
}

/** u of every code of a factor from the random pairs, with its exact code computed from the value counts. */
export function factorU(factor: Factor, values: FactorValues, random: RandomPairs, scope: PairScope): Float64Array {
  const counts = new Float64Array(factor.size);
  const { levels } = random.sample.arrays();
  const F = random.sample.fieldCount;
  for (let p = 0; p < random.sample.size; p++) {
    const code = factorCode(factor, levels, p * F);
    if (code >= 0) counts[code]! += 1;
  }
  const u = new Float64Array(factor.size);
  const smoothing = 0.5;
  if (factor.exactCode < 0) {
    const n = counts.reduce((s, x) => s + x, 0);
    for (let c = 0; c < factor.size; c++) u[c] = (counts[c]! + smoothing) / (n + smoothing * factor.size);
    return u;
  }
  // Exact from the counts; the other codes share the rest in their sampled proportions.
  const exact = factor.exactCode;
  u[exact] = Math.max(exactAgreement(values, scope), smoothing / Math.max(1, random.sample.size));
  let rest = 0;
  for (let c = 0; c < factor.size; c++) if (c !== exact) rest += counts[c]! + smoothing;
  for (let c = 0; c < factor.size; c++) if (c !== exact) u[c] = ((1 - u[exact]) * (counts[c]! + smoothing)) / rest;
  return u;
}
