/**
 * The fitted Fellegi-Sunter model and the scoring of pairs with it. A pair's
 * match weight is the prior weight log2(lambda / (1 - lambda)) plus, for each
 * factor (a field, or fields that go together), log2(m / u) of its level,
 * plus a term-frequency adjustment on exact agreement, log2(u_exact / tf),
 * where tf is the share of records holding the agreed value: agreeing on a
 * rare value counts for more than on a common one. The match probability is
 * 2^w / (1 + 2^w).
 */
import type { FieldComparator } from './comparators.js';
import { codeLabel, factorCode, type Factor, type FactorValues } from './factors.js';

export interface TermFrequencySetting {
  readonly weight: number;
  readonly min: number;
}

export interface FactorModel {
  readonly factor: Factor;
  /** Label of each code (level). */
  readonly labels: readonly string[];
  readonly m: readonly number[];
  readonly u: readonly number[];
  readonly termFrequency: TermFrequencySetting | null;
}

export interface MatchModel {
  /** Share of all comparable pairs that are matches. */
  readonly lambda: number;
  readonly factors: readonly FactorModel[];
}

export const log2Odds = (p: number): number => Math.log2(p / (1 - p));
export const probabilityOf = (weight: number): number => (weight === -Infinity ? 0 : 1 / (1 + 2 ** -weight));
export const priorWeight = (model: MatchModel): number => log2Odds(model.lambda);

export interface FactorContribution {
  /** The field, or fields joined with `+`. */
  readonly factor: string;
  /** Each member field's values in the two records (null: missing). */
  readonly values: readonly { readonly field: string; readonly left: string | null; readonly right: string | null }[];
  /** The level (code), or -1 when values were missing. */
  readonly level: number;
  readonly label: string;
  readonly m: number | null;
  readonly u: number | null;
  /** log2(m / u) of the level (0 when values were missing). */
  readonly weight: number;
  /** Term-frequency adjustment added on an exact match. */
  readonly termFrequencyAdjustment: number;
}

export interface PairExplanation {
  readonly prior: number;
  readonly weight: number;
  readonly probability: number;
  readonly factors: readonly FactorContribution[];
}

/** Scores pairs of one table's records with a model. */
export class PairScorer {
  readonly model: MatchModel;
  readonly comparators: readonly FieldComparator[];
  readonly prior: number;
  readonly #factors: readonly Factor[];
  readonly #values: readonly FactorValues[];
  /** log2(m/u) at [factor][code]. */
  readonly #weights: Float64Array[];
  readonly #levels: Uint8Array;

  constructor(model: MatchModel, comparators: readonly FieldComparator[], values: readonly FactorValues[]) {
    this.model = model;
    this.comparators = comparators;
    this.prior = priorWeight(model);
    this.#factors = model.factors.map((f) => f.factor);
    this.#values = values;
    this.#weights = model.factors.map((f) => Float64Array.from(f.m.map((m, l) => Math.log2(m / f.u[l]!))));
    this.#levels = new Uint8Array(comparators.length);
  }

  /** Weight of factor `k` at `code`; `i` is one of the records, for term frequencies. */
  factorWeight(k: number, code: number, i: number): number {
    if (code < 0) return 0;
    return this.#weights[k]![code]! + this.#adjustment(k, code, i);
  }

  #adjustment(k: number, code: number, i: number): number {
    const factor = this.model.factors[k]!;
    const tf = factor.termFrequency;
    if (tf === null || code !== factor.factor.exactCode) return 0;
    const values = this.#values[k]!;
    const id = values.ids[i]!;
    if (id < 0 || values.present === 0) return 0;
    const frequency = Math.max(values.counts[id]! / values.present, tf.min, 1e-12);
    return tf.weight * Math.log2(factor.u[code]! / frequency);
  }

  /** Match weight from stored field levels (`levels[offset + f]`), including the prior. */
  weightOfLevels(levels: ArrayLike<number>, offset: number, i: number): number {
    let w = this.prior;
    for (let k = 0; k < this.#factors.length; k++) w += this.factorWeight(k, factorCode(this.#factors[k]!, levels, offset), i);
    return w;
  }

  /** Compares two records and returns their match weight. */
  weight(i: number, j: number): number {
    const levels = this.#levels;
    for (let f = 0; f < this.comparators.length; f++) levels[f] = this.comparators[f]!.compare(i, j);
    return this.weightOfLevels(levels, 0, i);
  }

  /** Each factor's level and contribution to the pair's weight. */
  explain(i: number, j: number): PairExplanation {
    const levels = this.comparators.map((c) => c.compare(i, j));
    let weight = this.prior;
    const factors = this.model.factors.map((fm, k): FactorContribution => {
      const factor = fm.factor;
      const values = factor.fields.map((f) => {
        const c = this.comparators[f]!;
        const value = (r: number): string | null => {
          const id = c.values.ids[r]!;
          return id < 0 ? null : c.values.values[id]!;
        };
        return { field: c.name, left: value(i), right: value(j) };
      });
      const code = factorCode(factor, levels, 0);
      if (code < 0) return { factor: factor.name, values, level: -1, label: 'missing', m: null, u: null, weight: 0, termFrequencyAdjustment: 0 };
      const adjustment = this.#adjustment(k, code, i);
      const w = this.#weights[k]![code]!;
      weight += w + adjustment;
      return { factor: factor.name, values, level: code, label: codeLabel(factor, code, this.comparators), m: fm.m[code]!, u: fm.u[code]!, weight: w, termFrequencyAdjustment: adjustment };
    });
    return { prior: this.prior, weight, probability: probabilityOf(weight), factors };
  }
}
