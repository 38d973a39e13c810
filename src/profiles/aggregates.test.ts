import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CollectedMessage } from '../contracts/index.js';
import {
  accumulateObservation,
  aggregatesOfMessage,
  maxEntries,
  mergeAggregate,
  observationsIn,
  pruneAggregates,
  type AggregateAccumulator,
  type AggregateDefinition,
  type AggregateRegistry,
  type KeepRule,
  type Observation,
} from './aggregates.js';

const registryOf = (...definitions: AggregateDefinition[]): AggregateRegistry => ({
  definitions: () => definitions,
  get: (id) => definitions.find((d) => d.id === id),
});
const purchases = (keep: KeepRule): AggregateDefinition => ({
  id: 'purchases',
  eventName: 'Order Completed',
  keep,
  observe: (m) => (m.event === 'Order Completed' ? { value: (m.properties?.revenue as number | undefined) ?? undefined } : undefined),
});
const message = (event: string, timestamp: string, revenue?: number): CollectedMessage => ({
  v: 1,
  messageId: `${event}-${timestamp}`,
  type: 'track',
  sourceId: 'src',
  channel: 'web',
  userId: 'u',
  event,
  properties: revenue === undefined ? {} : { revenue },
  context: {},
  timestamp,
  receivedAt: timestamp,
});

const observation = fc.record({
  t: fc.integer({ min: 0, max: 100_000 }),
  id: fc.constantFrom('a', 'b', 'c', 'd'),
  v: fc.option(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom('x', 'y')), { nil: undefined }),
}).map(({ t, id, v }): Observation => (v === undefined ? { t, id } : { t, id, v }));
const keepRule: fc.Arbitrary<KeepRule> = fc.oneof(
  fc.record({ kind: fc.constant('entries' as const), horizonMs: fc.constant(null) }),
  fc.record({ kind: fc.constant('summary' as const), countValues: fc.boolean() }),
);

/** Merges accumulators along a random binary tree. */
function mergeTree(items: readonly AggregateAccumulator[], splits: readonly number[]): AggregateAccumulator {
  if (items.length === 1) return items[0]!;
  const cut = 1 + ((splits[0] ?? 0) % (items.length - 1));
  return mergeAggregate(mergeTree(items.slice(0, cut), splits.slice(1)), mergeTree(items.slice(cut), splits.slice(1)));
}

describe('aggregates', () => {
  it('merge to the same accumulator in any order and grouping', () => {
    fc.assert(
      fc.property(keepRule, fc.uniqueArray(observation, { minLength: 1, maxLength: 20, selector: (o) => `${o.t}:${o.id}` }), fc.array(fc.nat()), fc.nat(), (keep, observations, splits, seed) => {
        const items = observations.map((o) => accumulateObservation(keep, o));
        const shuffled = fc.sample(fc.shuffledSubarray(items, { minLength: items.length }), { seed, numRuns: 1 })[0]!;
        expect(mergeTree(shuffled, splits)).toEqual(mergeTree(items, []));
      }),
      { numRuns: 300 },
    );
  });

  it('summarize count, sum, min, max, first, last and values', () => {
    const keep: KeepRule = { kind: 'summary', countValues: true };
    const merged = [
      { t: 3, id: 'c', v: 10 },
      { t: 1, id: 'a', v: 'ten' },
      { t: 2, id: 'b', v: 10 },
      { t: 4, id: 'd' },
    ]
      .map((o) => accumulateObservation(keep, o))
      .reduce(mergeAggregate);
    expect(merged).toMatchObject({
      kind: 'summary',
      count: 4,
      numbers: 2,
      sum: 20,
      min: { t: 2, id: 'b', v: 10 },
      max: { t: 1, id: 'a', v: 'ten' },
      first: { t: 1, id: 'a' },
      last: { t: 4, id: 'd' },
      values: { '10': { v: 10, n: 2 }, '"ten"': { v: 'ten', n: 1 } },
    });
  });

  it('count what registered definitions observe in a message', () => {
    const registry = registryOf(purchases({ kind: 'entries', horizonMs: 1000 }));
    const ts = '2026-01-01T00:00:00.000Z';
    expect(aggregatesOfMessage(message('Order Completed', ts, 42), ts, registry)).toEqual({
      purchases: { kind: 'entries', entries: [{ t: Date.parse(ts), id: `Order Completed-${ts}`, v: 42 }] },
    });
    expect(aggregatesOfMessage(message('Viewed', ts), ts, registry)).toEqual({});
  });

  it('keep windows exact: drop only what has left the horizon, and aggregates no longer defined', () => {
    const registry = registryOf(purchases({ kind: 'entries', horizonMs: 100 }));
    const entries: AggregateAccumulator = { kind: 'entries', entries: [{ t: 100, id: 'a' }, { t: 150, id: 'b' }, { t: 260, id: 'c' }] };
    const pruned = pruneAggregates({ purchases: entries, retired: entries }, registry, 240);
    expect(pruned).toEqual({ purchases: { kind: 'entries', entries: [{ t: 150, id: 'b' }, { t: 260, id: 'c' }] } });
    expect(observationsIn(pruned.purchases, 240, 100).map((o) => o.id)).toEqual(['b']);
    expect(observationsIn(pruned.purchases, 260, null).map((o) => o.id)).toEqual(['b', 'c']);
  });

  it('keep the most recent observations when there is no horizon and too many', () => {
    const keep: KeepRule = { kind: 'entries', horizonMs: null };
    const many = Array.from({ length: maxEntries + 5 }, (_, i) => accumulateObservation(keep, { t: i, id: `m${i}` })).reduce(mergeAggregate);
    expect(many.kind === 'entries' && [many.entries.length, many.entries[0]?.t]).toEqual([maxEntries, 5]);
  });
});
