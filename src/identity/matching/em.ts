/**
 * Expectation maximisation for the Fellegi-Sunter mixture: pairs are either
 * matches (levels drawn from m) or not (from u), fields independent given the
 * class, or rather factors (factors.ts). Pairs are first grouped by their
 * pattern of levels, so an iteration costs the number of distinct patterns,
 * not of pairs.
 */
import { NULL_LEVEL } from './comparators.js';
import { factorCode, type Factor } from './factors.js';

export interface PatternSet {
  readonly fieldCount: number;
  /** Levels of pattern p at p * fieldCount + f (NULL_LEVEL when missing). */
  readonly levels: Uint8Array;
  /** How many pairs have each pattern. */
  readonly counts: Float64Array;
}

/** Groups level vectors into patterns with counts. Fields outside `keep` are stored as NULL_LEVEL. */
export class PatternCounter {
  readonly #fieldCount: number;
  readonly #radix: number[];
  readonly #numeric: boolean;
  readonly #keep: readonly boolean[];
  readonly #index = new Map<number | string, number>();
  readonly #levels: number[] = [];
  readonly #counts: number[] = [];

  constructor(levelCounts: readonly number[], keep: readonly boolean[]) {
    this.#fieldCount = levelCounts.length;
    this.#radix = levelCounts.map((n) => n + 1);
    this.#numeric = this.#radix.reduce((p, r) => p * r, 1) < 2 ** 52;
    this.#keep = keep;
  }

  /** Adds one pair whose levels are `levels[offset .. offset + fieldCount)`. */
  add(levels: ArrayLike<number>, offset: number, weight = 1): void {
    let key: number | string = this.#numeric ? 0 : '';
    for (let f = 0; f < this.#fieldCount; f++) {
      const raw = levels[offset + f]!;
      const level = !this.#keep[f] || raw === NULL_LEVEL ? this.#radix[f]! - 1 : raw;
      if (typeof key === 'number') key = key * this.#radix[f]! + level;
      else key += String.fromCharCode(65 + level);
    }
    const p = this.#index.get(key);
    if (p !== undefined) {
      this.#counts[p]! += weight;
      return;
    }
    this.#index.set(key, this.#counts.length);
    this.#counts.push(weight);
    for (let f = 0; f < this.#fieldCount; f++) {
      const raw = levels[offset + f]!;
      this.#levels.push(!this.#keep[f] || raw === NULL_LEVEL ? NULL_LEVEL : raw);
    }
  }

  get total(): number {
    return this.#counts.reduce((s, c) => s + c, 0);
  }

  build(): PatternSet {
    return { fieldCount: this.#fieldCount, levels: Uint8Array.from(this.#levels), counts: Float64Array.from(this.#counts) };
  }
}

/** Patterns as factor codes: code of factor k of pattern p at p * factors + k (-1: says nothing). */
export interface CodedPatterns {
  readonly factors: number;
  readonly codes: Int32Array;
  readonly counts: Float64Array;
}

/** Turns field-level patterns into factor codes (see factors.ts). */
export function codePatterns(patterns: PatternSet, factors: readonly Factor[]): CodedPatterns {
  const P = patterns.counts.length;
  const K = factors.length;
  const codes = new Int32Array(P * K);
  for (let p = 0; p < P; p++) {
    for (let k = 0; k < K; k++) codes[p * K + k] = factorCode(factors[k]!, patterns.levels, p * patterns.fieldCount);
  }
  return { factors: K, codes, counts: patterns.counts };
}

export interface MixtureParameters {
  /** Share of pairs that are matches. */
  readonly lambda: number;
  /** Per factor, per code. */
  readonly m: readonly Float64Array[];
  readonly u: readonly Float64Array[];
}

export interface EmOptions {
  readonly maxIterations: number;
  readonly tolerance: number;
  /** Keep u as given; estimate only lambda and m. */
  readonly fixU: boolean;
  /** Pseudo-count added to every level, so an unseen level keeps a small probability. */
  readonly smoothing?: number;
}

export interface EmResult extends MixtureParameters {
  readonly iterations: number;
  readonly converged: boolean;
}

/**
 * Fits lambda, m (and u unless fixed) to the patterns, for the factors marked
 * active; inactive factors keep their initial values and do not enter the
 * likelihood. Starts from `init`, which should put agreement on the match side.
 */
export function expectationMaximisation(patterns: CodedPatterns, active: readonly boolean[], init: MixtureParameters, options: EmOptions): EmResult {
  const K = patterns.factors;
  const P = patterns.counts.length;
  const smoothing = options.smoothing ?? 0.5;
  let lambda = init.lambda;
  const m = init.m.map((a) => Float64Array.from(a));
  const u = init.u.map((a) => Float64Array.from(a));
  const mNum = m.map((a) => new Float64Array(a.length));
  const uNum = u.map((a) => new Float64Array(a.length));
  const logRatios = m.map((a) => new Float64Array(a.length));
  let iterations = 0;
  let converged = false;
  while (iterations < options.maxIterations && !converged) {
    iterations++;
    for (let k = 0; k < K; k++) {
      mNum[k]!.fill(0);
      uNum[k]!.fill(0);
      for (let c = 0; c < m[k]!.length; c++) logRatios[k]![c] = Math.log(m[k]![c]!) - Math.log(u[k]![c]!);
    }
    let matches = 0;
    let total = 0;
    const logPrior = Math.log(lambda / (1 - lambda));
    for (let p = 0; p < P; p++) {
      let logRatio = logPrior;
      const base = p * K;
      for (let k = 0; k < K; k++) {
        const code = patterns.codes[base + k]!;
        if (code >= 0 && active[k]) logRatio += logRatios[k]![code]!;
      }
      const g = logRatio > 700 ? 1 : 1 / (1 + Math.exp(-logRatio));
      const c = patterns.counts[p]!;
      matches += c * g;
      total += c;
      for (let k = 0; k < K; k++) {
        const code = patterns.codes[base + k]!;
        if (code < 0 || !active[k]) continue;
        mNum[k]![code]! += c * g;
        uNum[k]![code]! += c * (1 - g);
      }
    }
    const nextLambda = Math.min(1 - 1e-9, Math.max(1e-12, matches / Math.max(total, 1e-12)));
    let change = Math.abs(nextLambda - lambda) / Math.max(lambda, 1e-12);
    lambda = nextLambda;
    for (let k = 0; k < K; k++) {
      if (!active[k]) continue;
      change = Math.max(change, normalizeInto(m[k]!, mNum[k]!, smoothing));
      if (!options.fixU) change = Math.max(change, normalizeInto(u[k]!, uNum[k]!, smoothing));
    }
    converged = change < options.tolerance;
  }
  return { lambda, m, u, iterations, converged };
}

/** Sets `target` to the smoothed shares of `numerators`; returns the largest change. */
function normalizeInto(target: Float64Array, numerators: Float64Array, smoothing: number): number {
  let sum = 0;
  for (const x of numerators) sum += x;
  let change = 0;
  for (let l = 0; l < target.length; l++) {
    const next = (numerators[l]! + smoothing) / (sum + smoothing * target.length);
    change = Math.max(change, Math.abs(next - target[l]!));
    target[l] = next;
  }
  return change;
}

/** Starting m of a factor: most matches agree exactly on every member, fewer at each weaker level. */
export function initialM(factor: Factor): Float64Array {
  const m = new Float64Array(factor.size);
  let sum = 0;
  for (let code = 0; code < factor.size; code++) {
    // Decode the members' levels; weaker levels (and missing) get geometrically less.
    let rest = code;
    let weight = 1;
    for (let k = factor.radix.length - 1; k >= 0; k--) {
      const radix = factor.radix[k]!;
      const level = rest % radix;
      rest = Math.floor(rest / radix);
      weight *= level === 0 ? 0.8 : 0.2 * 0.5 ** level;
    }
    m[code] = weight;
    sum += weight;
  }
  for (let code = 0; code < factor.size; code++) m[code]! /= sum;
  return m;
}
