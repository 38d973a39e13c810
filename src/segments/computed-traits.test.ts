import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateFunctions, type AggregateFunction } from '../contracts/index.js';
import { accumulateObservation, mergeAggregates, type AggregateAccumulator, type Observation } from '../profiles/index.js';
import { ComputedTraitSet, compileTrait } from './computed-traits.js';

const observation = fc
  .record({ t: fc.integer({ min: 0, max: 1000 }), id: fc.string({ minLength: 1, maxLength: 3 }), v: fc.option(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom('a', 'b')), { nil: undefined }) })
  .map(({ t, id, v }): Observation => (v === undefined ? { t, id } : { t, id, v }));

const compiledFor = (fn: AggregateFunction, window?: number) => {
  const compiled = compileTrait({
    id: 'trt_1',
    name: 't',
    definition: { kind: 'aggregate', function: fn, event: 'E', property: 'p', ...(window !== undefined && { window: { amount: window, unit: 'minutes' as const } }) },
  });
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.error));
  return compiled.value;
};

const fold = (id: string, keep: Parameters<typeof accumulateObservation>[0], observations: readonly Observation[]): Record<string, AggregateAccumulator> =>
  observations.reduce<Readonly<Record<string, AggregateAccumulator>>>((acc, o) => mergeAggregates(acc, { [id]: accumulateObservation(keep, o) }), {});

describe('aggregate traits', () => {
  it.each(aggregateFunctions)('%s over all time reads the same from a summary as from every observation', (fn) => {
    fc.assert(
      fc.property(fc.uniqueArray(observation, { selector: (o) => `${o.t}:${o.id}`, maxLength: 20 }), (observations) => {
        const trait = compiledFor(fn);
        const summary = fold(trait.aggregate!.id, trait.aggregate!.keep, observations);
        const exact = fold(trait.aggregate!.id, { kind: 'entries', horizonMs: null }, observations);
        expect(trait.value(summary, {}, 2000)).toEqual(trait.value(exact, {}, 2000));
      }),
      { numRuns: 200 },
    );
  });

  it('counts only what is inside a rolling window at the time of reading', () => {
    const trait = compiledFor('sum', 10);
    const aggregates = fold(trait.aggregate!.id, trait.aggregate!.keep, [
      { t: 0, id: 'a', v: 1 },
      { t: 300_000, id: 'b', v: 2 },
      { t: 600_000, id: 'c', v: 4 },
    ]);
    expect(trait.value(aggregates, {}, 600_000)).toBe(6);
    expect(trait.value(aggregates, {}, 900_000)).toBe(4);
    expect(trait.value(aggregates, {}, 1_200_000)).toBe(0);
  });

  it('computes expressions after the computed traits they read', () => {
    const expression = compileTrait({ id: 'trt_2', name: 'double', definition: { kind: 'expression', expression: 'trait.t * 2' } });
    const sum = compiledFor('sum');
    if (!expression.ok) throw new Error('did not compile');
    const set = new ComputedTraitSet([expression.value, sum]);
    expect(set.ordered.map((t) => t.name)).toEqual(['t', 'double']);
    const aggregates = fold(sum.aggregate!.id, sum.aggregate!.keep, [{ t: 1, id: 'a', v: 21 }]);
    expect(set.values(aggregates, {}, 10)).toEqual({ t: 21, double: 42 });
    expect(set.eventsOf('double')).toEqual(['E']);
  });
});
