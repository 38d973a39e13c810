import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { condition, now, profile } from '../../test/helpers/conditions.js';
import type { CollectedMessage } from '../contracts/index.js';
import { contributionOf, emptyState, mergeStates, resolveProfileRules, type AggregateDefinition } from '../profiles/index.js';
import { aggregateHistory, aggregatesOfCondition } from './aggregate-history.js';
import { evaluate } from './evaluate.js';
import type { EventFact } from './facts.js';

const messageOf = (e: EventFact, i: number): CollectedMessage => ({
  v: 1,
  messageId: `m${String(i).padStart(4, '0')}`,
  type: 'track',
  sourceId: 'src',
  channel: 'web',
  userId: 'u',
  event: e.event,
  properties: e.properties,
  context: {},
  timestamp: new Date(e.timestamp).toISOString(),
  receivedAt: new Date(e.timestamp).toISOString(),
});

describe('aggregateHistory', () => {
  it('answers every condition as the raw events do, whatever order the messages were folded in', () => {
    fc.assert(
      fc.property(profile, fc.array(condition, { minLength: 1, maxLength: 5 }), fc.nat(), (profileCase, conditions, seed) => {
        const definitions = new Map<string, AggregateDefinition>();
        for (const c of conditions) for (const d of aggregatesOfCondition(c)) definitions.set(d.id, d);
        const registry = { definitions: () => [...definitions.values()], get: (id: string) => definitions.get(id) };
        const rules = resolveProfileRules(undefined, registry);
        const contributions = profileCase.events.map((e, i) => contributionOf(messageOf(e, i), rules));
        const shuffled = fc.sample(fc.shuffledSubarray(contributions, { minLength: contributions.length }), { seed, numRuns: 1 })[0]!;
        const state = shuffled.reduce(mergeStates, emptyState);
        const live = { ...profileCase.facts, events: aggregateHistory(state.aggregates) };
        for (const c of conditions) expect(evaluate(c, live, now), JSON.stringify(c)).toBe(evaluate(c, profileCase.facts, now));
      }),
      { numRuns: 500 },
    );
  });
});
