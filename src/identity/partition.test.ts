import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Claim } from '../store/index.js';
import { partition, type PartitionFragment } from './partition.js';

const limits: Record<string, number | null> = { user_id: 1, email: 5, anonymous_id: null };
const limitOf = (type: string) => limits[type] ?? null;
const at = (second: number, id = `m${second}`): Claim => ({ timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(), messageId: id });
const fragment = (key: string, identifiers: string[], second: number): PartitionFragment => ({ key, identifiers, claim: at(second) });

/** The partition as a canonical set of sorted groups, comparable across runs. */
const canonical = (groups: readonly (readonly string[])[]): string[][] =>
  groups.map((g) => [...g].sort()).sort((a, b) => (a.join() < b.join() ? -1 : 1));

describe('partition', () => {
  it('joins identifiers that appear together', () => {
    const result = partition([fragment('f1', ['user_id:u1', 'anonymous_id:a1'], 1), fragment('f2', ['email:e@x', 'anonymous_id:a1'], 2)], limitOf);
    expect(canonical(result.groups)).toEqual([['anonymous_id:a1', 'email:e@x', 'user_id:u1']]);
    expect(result.conflicts).toEqual([]);
  });

  it('keeps two user ids that share a household email apart, the email with whoever had it first', () => {
    const result = partition(
      [fragment('mum', ['user_id:mum', 'email:family@x'], 1), fragment('dad', ['user_id:dad', 'email:family@x'], 2)],
      limitOf,
    );
    expect(canonical(result.groups)).toEqual([['email:family@x', 'user_id:mum'], ['user_id:dad']]);
    expect(result.conflicts).toEqual([
      { fragmentKey: 'dad', claim: at(2), anchor: 'user_id:dad', identifier: 'email:family@x', reason: 'limit:user_id' },
    ]);
    expect(result.homeOf.get('dad')).toBe(result.groupOf.get('user_id:dad'));
  });

  it('refuses links forbidden by a cannot-link constraint', () => {
    const result = partition(
      [fragment('f1', ['email:e@x', 'anonymous_id:a1'], 1)],
      limitOf,
      new Map([
        ['email:e@x', new Set(['anonymous_id:a1'])],
        ['anonymous_id:a1', new Set(['email:e@x'])],
      ]),
    );
    expect(result.groups).toHaveLength(2);
    expect(result.conflicts[0]?.reason).toBe('cannot_link');
  });

  it('gives the same partition and conflicts whatever order the fragments come in', () => {
    const people = fc.array(
      fc.record({
        user: fc.option(fc.constantFrom('u1', 'u2', 'u3', 'u4'), { nil: undefined }),
        email: fc.option(fc.constantFrom('a@x', 'b@x', 'family@x'), { nil: undefined }),
        anon: fc.constantFrom('a1', 'a2', 'a3', 'a4', 'a5', 'a6'),
        second: fc.integer({ min: 0, max: 30 }),
      }),
      { minLength: 1, maxLength: 25 },
    );
    fc.assert(
      fc.property(people, fc.integer(), (rows, seed) => {
        const fragments = rows.map((row, i) => {
          const ids = [row.user && `user_id:${row.user}`, row.email && `email:${row.email}`, `anonymous_id:${row.anon}`].filter(
            (k): k is string => typeof k === 'string',
          );
          return { key: `f${i}`, identifiers: ids, claim: at(row.second, `m${i}`) };
        });
        const shuffled = fc.sample(fc.shuffledSubarray(fragments, { minLength: fragments.length }), { seed, numRuns: 1 })[0]!;
        const a = partition(fragments, limitOf);
        const b = partition(shuffled, limitOf);
        expect(canonical(b.groups)).toEqual(canonical(a.groups));
        expect([...b.conflicts].sort((x, y) => (x.fragmentKey < y.fragmentKey ? -1 : 1))).toEqual(
          [...a.conflicts].sort((x, y) => (x.fragmentKey < y.fragmentKey ? -1 : 1)),
        );
      }),
      { numRuns: 300 },
    );
  });
});
