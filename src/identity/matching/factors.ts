/**
 * Factors: the independent parts of the model. Usually one field each; but
 * fields whose agreement goes together among random pairs (town and
 * postcode: people of one town share both) would count the same evidence
 * twice, so they are joined into one factor whose levels are the
 * combinations of theirs. Dependence is measured on the random pairs drawn
 * for u, never on labels; a config may also name the groups.
 */
import { NULL_LEVEL, type FieldComparator } from './comparators.js';
import type { PairBuffer } from './pair-buffer.js';

export interface Factor {
  readonly name: string;
  /** Comparator indexes of the member fields. */
  readonly fields: readonly number[];
  /** Per member: its levels (+1 for missing, in a group). */
  readonly radix: readonly number[];
  /** Number of codes (joint levels). */
  readonly size: number;
  /** The code where every member agrees exactly (-1 when a member has no exact first level). */
  readonly exactCode: number;
}

/** Values of a factor per record (the combination of its members' values), for term frequencies. */
export interface FactorValues {
  /** Combination id per record; -1 when a member value is missing. */
  readonly ids: Int32Array;
  readonly counts: Int32Array;
  readonly present: number;
}

export function makeFactor(fields: readonly number[], comparators: readonly FieldComparator[]): Factor {
  const single = fields.length === 1;
  const radix = fields.map((f) => comparators[f]!.levels.length + (single ? 0 : 1));
  const size = radix.reduce((p, r) => p * r, 1);
  const exactCode = fields.every((f) => comparators[f]!.exactLevel === 0) ? 0 : -1;
  return { name: fields.map((f) => comparators[f]!.name).join('+'), fields, radix, size, exactCode };
}

/** The factor's code for a pair's field levels at `levels[offset + f]`; -1 when it says nothing (all missing). */
export function factorCode(factor: Factor, levels: ArrayLike<number>, offset: number): number {
  const fields = factor.fields;
  if (fields.length === 1) {
    const level = levels[offset + fields[0]!]!;
    return level === NULL_LEVEL ? -1 : level;
  }
  let code = 0;
  let missing = 0;
  for (let k = 0; k < fields.length; k++) {
    const level = levels[offset + fields[k]!]!;
    const radix = factor.radix[k]!;
    if (level === NULL_LEVEL) {
      missing++;
      code = code * radix + radix - 1;
    } else code = code * radix + level;
  }
  return missing === fields.length ? -1 : code;
}

/** Human label of a code: `exact` or `suburb: exact, postcode: levenshtein <= 1`. */
export function codeLabel(factor: Factor, code: number, comparators: readonly FieldComparator[]): string {
  if (factor.fields.length === 1) return comparators[factor.fields[0]!]!.levels[code]?.label ?? '?';
  const parts: string[] = [];
  let rest = code;
  for (let k = factor.fields.length - 1; k >= 0; k--) {
    const radix = factor.radix[k]!;
    const level = rest % radix;
    rest = Math.floor(rest / radix);
    const comparator = comparators[factor.fields[k]!]!;
    parts.unshift(`${comparator.name}: ${level === radix - 1 ? 'missing' : comparator.levels[level]!.label}`);
  }
  return parts.join(', ');
}

export function factorValues(factor: Factor, comparators: readonly FieldComparator[]): FactorValues {
  if (factor.fields.length === 1) {
    const values = comparators[factor.fields[0]!]!.values;
    return { ids: values.ids, counts: values.counts, present: values.present };
  }
  const members = factor.fields.map((f) => comparators[f]!.values.ids);
  const size = members[0]!.length;
  const ids = new Int32Array(size);
  const index = new Map<string, number>();
  const counts: number[] = [];
  let present = 0;
  for (let i = 0; i < size; i++) {
    let key = '';
    let missing = false;
    for (const m of members) {
      const v = m[i]!;
      if (v < 0) {
        missing = true;
        break;
      }
      key += `${v},`;
    }
    if (missing) {
      ids[i] = -1;
      continue;
    }
    let id = index.get(key);
    if (id === undefined) {
      id = counts.length;
      index.set(key, id);
      counts.push(0);
    }
    counts[id]! += 1;
    ids[i] = id;
    present++;
  }
  return { ids, counts: Int32Array.from(counts), present };
}

export interface DependenceOptions {
  /** Fields join when agreeing on both is this many times likelier than chance. */
  readonly minLift: number;
  /** ... and at least this many random pairs agree on both. */
  readonly minPairs: number;
  readonly maxGroupSize: number;
  /** Largest number of joint levels a group may have. */
  readonly maxCodes: number;
}

export const defaultDependence: DependenceOptions = { minLift: 8, minPairs: 20, maxGroupSize: 3, maxCodes: 160 };

export interface FieldDependence {
  readonly a: string;
  readonly b: string;
  readonly lift: number;
  readonly together: number;
}

/**
 * Groups fields whose agreements (any level above `else`) go together among
 * random pairs far more than chance. A few random pairs are true matches,
 * which agree on everything; so for each two fields only pairs that agree
 * on few of the other fields are counted (at most a third of them), which
 * leaves the non-matches. With fewer than three fields nothing is grouped.
 */
export function detectDependence(
  comparators: readonly FieldComparator[],
  sample: PairBuffer,
  options: DependenceOptions = defaultDependence,
): { groups: number[][]; measured: FieldDependence[] } {
  const F = comparators.length;
  const elseLevel = comparators.map((c) => c.levels.length - 1);
  const { levels } = sample.arrays();
  const measured: FieldDependence[] = [];
  const parent = comparators.map((_, f) => f);
  const find = (f: number): number => (parent[f] === f ? f : (parent[f] = find(parent[f]!)));
  const groupOf = (root: number): number[] => parent.map((_, f) => f).filter((f) => find(f) === root);
  const candidates: { a: number; b: number; lift: number }[] = [];
  const agreeing = new Uint8Array(sample.size);
  for (let p = 0; p < sample.size; p++) {
    let n = 0;
    for (let f = 0; f < F; f++) {
      const l = levels[p * F + f]!;
      if (l !== NULL_LEVEL && l < elseLevel[f]!) n++;
    }
    agreeing[p] = n;
  }
  const allowed = Math.floor((F - 2) / 3);
  for (let a = 0; a < F && F >= 3; a++) {
    for (let b = a + 1; b < F; b++) {
      let both = 0;
      let agreeA = 0;
      let agreeB = 0;
      let together = 0;
      for (let p = 0; p < sample.size; p++) {
        const la = levels[p * F + a]!;
        const lb = levels[p * F + b]!;
        if (la === NULL_LEVEL || lb === NULL_LEVEL) continue;
        const xa = la < elseLevel[a]!;
        const xb = lb < elseLevel[b]!;
        if (agreeing[p]! - (xa ? 1 : 0) - (xb ? 1 : 0) > allowed) continue;
        both++;
        if (xa) agreeA++;
        if (xb) agreeB++;
        if (xa && xb) together++;
      }
      if (agreeA === 0 || agreeB === 0) continue;
      const lift = (together * both) / (agreeA * agreeB);
      measured.push({ a: comparators[a]!.name, b: comparators[b]!.name, lift, together });
      if (lift >= options.minLift && together >= options.minPairs) candidates.push({ a, b, lift });
    }
  }
  candidates.sort((x, y) => y.lift - x.lift);
  for (const { a, b } of candidates) {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) continue;
    const members = [...groupOf(ra), ...groupOf(rb)];
    const size = members.reduce((p, f) => p * (comparators[f]!.levels.length + 1), 1);
    if (members.length > options.maxGroupSize || size > options.maxCodes) continue;
    parent[rb] = ra;
  }
  const groups = new Map<number, number[]>();
  comparators.forEach((_, f) => {
    const root = find(f);
    const list = groups.get(root);
    if (list) list.push(f);
    else groups.set(root, [f]);
  });
  return { groups: [...groups.values()], measured };
}
