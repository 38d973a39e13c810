import type { Condition } from '../contracts/index.js';
import { consentKey, type ProfileFacts } from './facts.js';
import { testValue, valueAt } from './values.js';

/** A condition compiled for the in-memory side: whether a profile meets it at `now`. */
export type Predicate = (facts: ProfileFacts, now: number) => boolean;

const compareCount = (count: number, op: string, value: number): boolean =>
  op === '=' ? count === value : op === '!=' ? count !== value : op === '<' ? count < value : op === '<=' ? count <= value : op === '>' ? count > value : count >= value;

/** Predicates already compiled, by condition (condition trees are immutable): live segments are evaluated on every event. */
const compiled = new WeakMap<Condition, Predicate>();

/**
 * The in-memory compiler of the condition tree (sql.ts is the other; both
 * mean the same): a tree of closures built once per condition, so evaluating
 * walks no tree and builds nothing.
 */
export function predicateOf(condition: Condition): Predicate {
  let predicate = compiled.get(condition);
  if (predicate === undefined) {
    predicate = compile(condition);
    compiled.set(condition, predicate);
  }
  return predicate;
}

/** Whether a profile meets a condition at `now`. */
export function evaluate(condition: Condition, facts: ProfileFacts, now: number): boolean {
  return predicateOf(condition)(facts, now);
}

function compile(node: Condition): Predicate {
  switch (node.kind) {
    case 'and': {
      const parts = node.conditions.map(compile);
      return (facts, now) => {
        for (const part of parts) if (!part(facts, now)) return false;
        return true;
      };
    }
    case 'or': {
      const parts = node.conditions.map(compile);
      return (facts, now) => {
        for (const part of parts) if (part(facts, now)) return true;
        return false;
      };
    }
    case 'not': {
      const inner = compile(node.condition);
      return (facts, now) => !inner(facts, now);
    }
    case 'trait': {
      const { trait, test } = node;
      return (facts, now) => testValue(valueAt(facts.traits, trait), test, { now, timeZone: facts.timeZone });
    }
    case 'event': {
      const { match, window, count } = node;
      return (facts, now) => compareCount(facts.events.count(match, window, now), count.op, count.value);
    }
    case 'sequence': {
      const { first, then, within, window } = node;
      return (facts, now) => facts.events.sequence(first, then, within, window, now);
    }
    case 'segment': {
      const { segment } = node;
      return (facts) => facts.segments.has(segment);
    }
    case 'consent': {
      const key = consentKey(node.channel, node.purpose);
      return (facts) => facts.consent[key] === 'granted';
    }
    case 'identifier': {
      const { type } = node;
      return (facts) => facts.identifierTypes.has(type);
    }
    case 'channel': {
      const { channel } = node;
      return (facts) => facts.channels.has(channel);
    }
  }
}
