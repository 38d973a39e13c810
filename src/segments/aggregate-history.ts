import { createHash } from 'node:crypto';
import type { CollectedMessage, Condition, EventMatch, Span } from '../contracts/index.js';
import { observationsIn, type AggregateAccumulator, type AggregateDefinition, type KeepRule } from '../profiles/index.js';
import { matchesEvent, nextChangeOf } from './event-list.js';
import type { EventHistory } from './facts.js';
import { spanToMs } from './values.js';

/** The name a message goes by in event conditions: a track's event, a page's or screen's name. */
export function eventNameOf(message: CollectedMessage): string | undefined {
  if (message.type === 'track') return message.event;
  if (message.type === 'page' || message.type === 'screen') return message.name;
  return undefined;
}

const keepFor = (window: Span | undefined, exact: boolean): KeepRule =>
  window !== undefined ? { kind: 'entries', horizonMs: spanToMs(window) } : exact ? { kind: 'entries', horizonMs: null } : { kind: 'summary', countValues: false };

/** Ids already derived, by match and a second key: condition trees are immutable, and evaluation asks for ids on every read. */
type IdCache<K> = WeakMap<EventMatch, Map<K, string>>;

function cachedId<K>(cache: IdCache<K>, match: EventMatch, key: K, derive: () => string): string {
  let byKey = cache.get(match);
  if (byKey === undefined) {
    byKey = new Map();
    cache.set(match, byKey);
  }
  let id = byKey.get(key);
  if (id === undefined) {
    id = derive();
    byKey.set(key, id);
  }
  return id;
}

const idsByKeep: IdCache<string> = new WeakMap();

/** One id per (match, keep): conditions that ask the same question share one aggregate. */
export function aggregateIdOf(match: EventMatch, keep: KeepRule): string {
  const keepKey = keep.kind === 'entries' ? `e${keep.horizonMs}` : `s${keep.countValues}`;
  return cachedId(idsByKeep, match, keepKey, () => {
    const canonical = JSON.stringify({ event: match.event, where: match.where, keep });
    return `agg_${createHash('sha256').update(canonical).digest('base64url').slice(0, 16)}`;
  });
}

/** The aggregate an event condition reads: every match within its window, or a count over all time. */
export const countAggregate = (match: EventMatch, window: Span | undefined) => ({ match, keep: keepFor(window, false) });

/** By the window object itself (part of the condition too), skipping the keep rule and its key. */
const countIdsByWindow: IdCache<Span | undefined> = new WeakMap();
const countAggregateIdOf = (match: EventMatch, window: Span | undefined): string =>
  cachedId(countIdsByWindow, match, window, () => aggregateIdOf(match, countAggregate(match, window).keep));

/** A sequence needs the exact times of both sides. */
export const sequenceAggregate = (match: EventMatch, window: Span | undefined) => ({ match, keep: keepFor(window, true) });

export function definitionOf(match: EventMatch, keep: KeepRule): AggregateDefinition {
  return {
    id: aggregateIdOf(match, keep),
    eventName: match.event,
    keep,
    observe(message) {
      const name = eventNameOf(message);
      return name !== undefined && matchesEvent(name, message.properties ?? {}, match) ? { value: undefined } : undefined;
    },
  };
}

/** Every aggregate a condition reads. */
export function aggregatesOfCondition(condition: Condition): AggregateDefinition[] {
  switch (condition.kind) {
    case 'and':
    case 'or':
      return condition.conditions.flatMap(aggregatesOfCondition);
    case 'not':
      return aggregatesOfCondition(condition.condition);
    case 'event': {
      const { match, keep } = countAggregate(condition.match, condition.window);
      return [definitionOf(match, keep)];
    }
    case 'sequence':
      return [condition.first, condition.then].map((m) => {
        const { match, keep } = sequenceAggregate(m, condition.window);
        return definitionOf(match, keep);
      });
    default:
      return [];
  }
}

/**
 * A profile's events as its aggregates know them. Answers exactly what the
 * reference `eventList` answers for the same events, as long as the
 * aggregates were fed every one of them.
 */
export function aggregateHistory(aggregates: Readonly<Record<string, AggregateAccumulator>>): EventHistory {
  const read = (match: EventMatch, keep: KeepRule): AggregateAccumulator | undefined => aggregates[aggregateIdOf(match, keep)];
  return {
    count(match, window, now) {
      const accumulator = aggregates[countAggregateIdOf(match, window)];
      if (accumulator === undefined) return 0;
      if (accumulator.kind === 'summary') return accumulator.count;
      return observationsIn(accumulator, now, window === undefined ? null : spanToMs(window)).length;
    },
    sequence(first, then, within, window, now) {
      const windowMs = window === undefined ? null : spanToMs(window);
      const firsts = observationsIn(read(first, sequenceAggregate(first, window).keep), now, windowMs);
      const thens = observationsIn(read(then, sequenceAggregate(then, window).keep), now, windowMs);
      const gap = spanToMs(within);
      // Both lists are in time order: for each first, the earliest later then decides.
      let j = 0;
      for (const a of firsts) {
        while (j < thens.length && (thens[j]?.t ?? Infinity) <= a.t) j++;
        const b = thens[j];
        if (b !== undefined && b.t <= a.t + gap) return true;
      }
      return false;
    },
    nextWindowChange(match, window, now) {
      const accumulator = aggregates[countAggregateIdOf(match, window)];
      return nextChangeOf(observationsIn(accumulator, now, null), spanToMs(window), now);
    },
  };
}
