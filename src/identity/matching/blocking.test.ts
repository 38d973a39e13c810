import { describe, expect, it } from 'vitest';
import type { BlockingRule, MatchField } from '../../contracts/matching.js';
import { blockedTogether, compileRule, forEachCandidatePair } from './blocking.js';
import { fieldValues } from './field-values.js';
import { tableFromRows } from './record-table.js';

const rows = [
  { first: 'ann', last: 'lee', zip: '10001', src: 'a' },
  { first: 'ann', last: 'leigh', zip: '10001', src: 'b' },
  { first: 'anne', last: 'lee', zip: '20002', src: 'b' },
  { first: 'bob', last: 'lee', zip: '10001', src: 'a' },
  { first: 'bob', last: 'ray', zip: '', src: 'b' },
  { first: 'ann', last: 'lee', zip: '30003', src: 'a' },
];
const fields: MatchField[] = [
  { name: 'first', kind: 'name' },
  { name: 'last', kind: 'name' },
  { name: 'zip', kind: 'postcode' },
];

function compile(rules: BlockingRule[]) {
  const table = tableFromRows(rows);
  const values = new Map(fields.map((f) => [f.name, fieldValues(table, f)]));
  return rules.map((r) => compileRule(r, table, values));
}

const pairsOf = (rules: BlockingRule[], crossSourceOnly = false, sources?: Int32Array): string[] => {
  const pairs: string[] = [];
  forEachCandidatePair(compile(rules), { crossSourceOnly, ...(sources && { sources }) }, (i, j) => pairs.push(`${i}-${j}`));
  return pairs;
};

/** Every pair some rule's keys put together, by brute force. */
function union(rules: BlockingRule[]): string[] {
  const compiled = compile(rules);
  const pairs: string[] = [];
  for (let i = 0; i < rows.length; i++) for (let j = i + 1; j < rows.length; j++) if (compiled.some((r) => blockedTogether(r, i, j))) pairs.push(`${i}-${j}`);
  return pairs;
}

describe('blocking', () => {
  const rules: BlockingRule[] = [{ on: ['first'] }, { on: ['last'] }, { on: ['zip'] }, { on: [{ field: 'first', transform: 'prefix', length: 3 }, 'last'] }];

  it('yields the union of the rules, each pair once', () => {
    const pairs = pairsOf(rules);
    expect(new Set(pairs).size).toBe(pairs.length);
    expect([...pairs].sort()).toEqual(union(rules).sort());
    // 4 (bob, ray) shares no key with anyone but 3 (bob).
    expect(pairs.filter((p) => p.split('-').includes('4'))).toEqual(['3-4']);
  });

  it('puts no record with a missing key term in a block', () => {
    const [rule] = compile([{ on: ['zip'] }]);
    expect(rule!.keys[4]).toBe(-1);
  });

  it('skips blocks above maxBlockSize and reports them', () => {
    const stats = forEachCandidatePair(compile([{ on: ['last'], maxBlockSize: 3 }]), { crossSourceOnly: false }, () => undefined);
    expect(stats[0]).toMatchObject({ pairs: 0, skippedBlocks: 1, skippedRecords: 4 });
  });

  it('pairs only records of different sources when asked', () => {
    const sources = Int32Array.from(rows.map((r) => (r.src === 'a' ? 0 : 1)));
    const pairs = pairsOf(rules, true, sources);
    expect(pairs.length).toBeGreaterThan(0);
    for (const p of pairs) {
      const [i, j] = p.split('-').map(Number);
      expect(sources[i!]).not.toBe(sources[j!]);
    }
  });
});
