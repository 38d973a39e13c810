import type { Condition } from '../contracts/index.js';
import { consentKey, type ProfileFacts } from './facts.js';
import { testValue, valueAt, type TestContext } from './values.js';

const compareCount = (count: number, op: string, value: number): boolean =>
  op === '=' ? count === value : op === '!=' ? count !== value : op === '<' ? count < value : op === '<=' ? count <= value : op === '>' ? count > value : count >= value;

/**
 * Whether a profile meets a condition at `now`: the in-memory compiler of the
 * condition tree (sql.ts is the other; both mean the same).
 */
export function evaluate(condition: Condition, facts: ProfileFacts, now: number): boolean {
  const context: TestContext = { now, timeZone: facts.timeZone };
  const visit = (node: Condition): boolean => {
    switch (node.kind) {
      case 'and':
        return node.conditions.every(visit);
      case 'or':
        return node.conditions.some(visit);
      case 'not':
        return !visit(node.condition);
      case 'trait':
        return testValue(valueAt(facts.traits, node.trait), node.test, context);
      case 'event':
        return compareCount(facts.events.count(node.match, node.window, now), node.count.op, node.count.value);
      case 'sequence':
        return facts.events.sequence(node.first, node.then, node.within, node.window, now);
      case 'segment':
        return facts.segments.has(node.segment);
      case 'consent':
        return facts.consent[consentKey(node.channel, node.purpose)] === 'granted';
      case 'identifier':
        return facts.identifierTypes.has(node.type);
      case 'channel':
        return facts.channels.has(node.channel);
    }
  };
  return visit(condition);
}
