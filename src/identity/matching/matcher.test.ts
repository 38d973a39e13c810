import { describe, expect, it } from 'vitest';
import type { MatchConfig } from '../../contracts/matching.js';
import { evaluateClusters } from './evaluation.js';
import { runMatching } from './matcher.js';
import { seededRandom } from './random.js';
import { tableFromRows } from './record-table.js';

const firsts = ['james', 'mary', 'robert', 'patricia', 'john', 'jennifer', 'michael', 'linda', 'william', 'elizabeth', 'aisha', 'sven', 'priya', 'mateo'];
const lasts = ['smith', 'johnson', 'williams', 'brown', 'jones', 'okafor', 'lindqvist', 'quenneville', 'nakamura', 'oduya', 'garcia', 'martin'];

/** 600 people, each in one to three records with typos, swapped day/month and missing values. */
function people(seed: number): { rows: Record<string, string>[]; truth: string[] } {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const typo = (s: string): string => {
    const at = 1 + Math.floor(random() * (s.length - 1));
    return s.slice(0, at) + s.slice(at + 1);
  };
  const rows: Record<string, string>[] = [];
  const truth: string[] = [];
  for (let p = 0; p < 600; p++) {
    const person = {
      first: pick(firsts),
      last: pick(lasts) + (random() < 0.7 ? pick(['', 'son', 'ley', 'ton', 'er', 'man']) : ''),
      dob: `19${50 + Math.floor(random() * 50)}-${String(1 + Math.floor(random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}`,
      zip: String(10000 + Math.floor(random() * 300)),
    };
    const copies = 1 + Math.floor(random() * 3);
    for (let c = 0; c < copies; c++) {
      const row = { ...person };
      if (c > 0) {
        const r = random();
        if (r < 0.25) row.first = typo(row.first);
        else if (r < 0.5) row.last = typo(row.last);
        else if (r < 0.6) row.dob = `${row.dob.slice(0, 4)}-${row.dob.slice(8, 10)}-${row.dob.slice(5, 7)}`;
        else if (r < 0.7) row.zip = '';
      }
      rows.push({ id: `r${rows.length}`, ...row });
      truth.push(String(p));
    }
  }
  return { rows, truth };
}

const config: MatchConfig = {
  id: 'id',
  fields: [
    { name: 'first', kind: 'name' },
    { name: 'last', kind: 'name' },
    { name: 'dob', kind: 'date' },
    { name: 'zip', kind: 'postcode' },
  ],
  blocking: [{ on: ['first', 'last'] }, { on: ['dob'] }, { on: ['last', 'zip'] }],
};

describe('runMatching', () => {
  const { rows, truth } = people(5);

  it('finds the duplicates of a generated set without labels', async () => {
    const run = await runMatching(tableFromRows(rows, 'id'), config, { mode: 'dedupe' });
    const accuracy = evaluateClusters(run.clustering.labels, truth);
    expect(accuracy.precision).toBeGreaterThan(0.95);
    expect(accuracy.recall).toBeGreaterThan(0.9);
    expect(run.training.expectedMatches).toBeGreaterThan(0.5 * accuracy.truePairs);
    expect(run.training.expectedMatches).toBeLessThan(2 * accuracy.truePairs);
  });

  it('explains every pair: the prior and the factor contributions sum to its weight', async () => {
    const run = await runMatching(tableFromRows(rows, 'id'), config, { mode: 'dedupe' });
    expect(run.pairs.size).toBeGreaterThan(1000);
    for (let p = 0; p < run.pairs.size; p++) {
      const explanation = run.scorer.explain(run.pairs.left(p), run.pairs.right(p));
      const sum = explanation.factors.reduce((s, f) => s + f.weight + f.termFrequencyAdjustment, explanation.prior);
      expect(sum).toBeCloseTo(explanation.weight, 9);
      expect(explanation.weight).toBeCloseTo(run.weights[p]!, 9);
    }
  });

  it('gives the same clusters on every run', async () => {
    const a = await runMatching(tableFromRows(rows, 'id'), config, { mode: 'dedupe' });
    const b = await runMatching(tableFromRows(rows, 'id'), config, { mode: 'dedupe' });
    expect(Array.from(a.clustering.labels)).toEqual(Array.from(b.clustering.labels));
  });

  it('links only across sources in link mode', async () => {
    const table = tableFromRows(rows.map((r, i) => ({ ...r, file: i % 2 === 0 ? 'a' : 'b' })), 'id');
    const run = await runMatching({ ...table, sources: Int32Array.from(rows.map((_, i) => i % 2)), sourceNames: ['a', 'b'] }, config, { mode: 'link' });
    for (let p = 0; p < run.pairs.size; p++) expect(run.pairs.left(p) % 2).not.toBe(run.pairs.right(p) % 2);
  });
});
