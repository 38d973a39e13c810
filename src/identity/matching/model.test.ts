import { describe, expect, it } from 'vitest';
import type { MatchField } from '../../contracts/matching.js';
import { fieldComparator } from './comparators.js';
import { factorValues, makeFactor } from './factors.js';
import { fieldValues } from './field-values.js';
import { PairScorer, probabilityOf, type MatchModel } from './model.js';
import { nicknameIndex } from './nicknames.js';
import { tableFromRows } from './record-table.js';

/** 1,000 surnames: 200 Smiths, two Quennevilles, and the rest each held by one record. */
const surnames = [...Array.from({ length: 200 }, () => 'Smith'), 'Quenneville', 'Quenneville', ...Array.from({ length: 798 }, (_, i) => `name${i}`)];
const field: MatchField = { name: 'surname', kind: 'name', levels: [{ type: 'exact' }, { type: 'levenshtein', max: 1 }] };

function scorer(termFrequency: MatchModel['factors'][number]['termFrequency']): PairScorer {
  const table = tableFromRows(surnames.map((surname) => ({ surname })));
  const values = fieldValues(table, field);
  const comparator = fieldComparator(field, values, { nicknames: nicknameIndex(), fields: new Map([['surname', values]]) });
  const factor = makeFactor([0], [comparator]);
  const model: MatchModel = { lambda: 0.001, factors: [{ factor, labels: ['exact', 'levenshtein <= 1', 'else'], m: [0.9, 0.05, 0.05], u: [0.04, 0.01, 0.95], termFrequency }] };
  return new PairScorer(model, [comparator], [factorValues(factor, [comparator])]);
}

describe('term-frequency adjustment', () => {
  const smiths: [number, number] = [0, 1];
  const quennevilles: [number, number] = [200, 201];

  it('makes agreement on a rare surname weigh more than on Smith', () => {
    const adjusted = scorer({ weight: 1, min: 0 });
    const smith = adjusted.explain(...smiths).factors[0]!;
    const rare = adjusted.explain(...quennevilles).factors[0]!;
    expect(smith.label).toBe('exact');
    expect(rare.label).toBe('exact');
    // Smith is held by 20% of records: log2(0.04 / 0.2) < 0; Quenneville by 0.2%: log2(0.04 / 0.002) > 0.
    expect(smith.termFrequencyAdjustment).toBeCloseTo(Math.log2(0.04 / 0.2), 6);
    expect(rare.termFrequencyAdjustment).toBeCloseTo(Math.log2(0.04 / 0.002), 6);
    expect(adjusted.weight(...quennevilles) - adjusted.weight(...smiths)).toBeCloseTo(Math.log2(0.2 / 0.002), 6);
  });

  it('is absent when switched off, and scaled by its weight', () => {
    const plain = scorer(null);
    expect(plain.weight(...quennevilles)).toBe(plain.weight(...smiths));
    const half = scorer({ weight: 0.5, min: 0 });
    expect(half.explain(...quennevilles).factors[0]!.termFrequencyAdjustment).toBeCloseTo(0.5 * Math.log2(0.04 / 0.002), 6);
  });

  it('counts frequencies below min as min', () => {
    const floored = scorer({ weight: 1, min: 0.01 });
    expect(floored.explain(...quennevilles).factors[0]!.termFrequencyAdjustment).toBeCloseTo(Math.log2(0.04 / 0.01), 6);
  });

  it('applies only to exact agreement', () => {
    const adjusted = scorer({ weight: 1, min: 0 });
    const name1 = surnames.indexOf('name1');
    // name1 vs name10: one edit, no adjustment.
    const near = adjusted.explain(name1, surnames.indexOf('name10')).factors[0]!;
    expect(near.label).toBe('levenshtein <= 1');
    expect(near.termFrequencyAdjustment).toBe(0);
  });
});

describe('probabilityOf', () => {
  it('turns a match weight (log2 odds) into a probability', () => {
    expect(probabilityOf(0)).toBe(0.5);
    expect(probabilityOf(Math.log2(9))).toBeCloseTo(0.9, 12);
    expect(probabilityOf(-Infinity)).toBe(0);
  });
});
