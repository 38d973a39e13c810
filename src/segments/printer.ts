import type { Condition, EventMatch, Scalar, Span, ValueTest } from '../contracts/index.js';

/** Words with a meaning in the text form; names that are one of them are quoted. */
const reserved = new Set([
  'and', 'or', 'not', 'trait', 'performed', 'count', 'event', 'in', 'segment', 'consent', 'has', 'identifier', 'seen', 'on',
  'where', 'then', 'within', 'last', 'contains', 'starts', 'with', 'exists', 'between', 'birthday', 'true', 'false',
]);
const plainName = /^[A-Za-z_][A-Za-z0-9_]*$/;

const name = (dotted: string): string =>
  dotted.split('.').every((part) => plainName.test(part) && !reserved.has(part)) ? dotted : JSON.stringify(dotted);
const scalar = (value: Scalar): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));
const span = (s: Span): string => `${s.amount} ${s.unit}`;

function test(t: ValueTest): string {
  switch (t.op) {
    case 'in':
      return `in [${t.values.map(scalar).join(', ')}]`;
    case 'contains':
      return `contains ${JSON.stringify(t.value)}`;
    case 'starts_with':
      return `starts with ${JSON.stringify(t.value)}`;
    case 'exists':
      return 'exists';
    case 'between':
      return `between ${scalar(t.low)} and ${scalar(t.high)}`;
    case 'within_last':
      return `within last ${span(t.span)}`;
    case 'birthday_in':
      return `birthday in ${t.days} days`;
    default:
      return `${t.op} ${scalar(t.value)}`;
  }
}

const match = (m: EventMatch): string =>
  `${JSON.stringify(m.event)}${m.where.length > 0 ? ` where ${m.where.map((w) => `${name(w.property)} ${test(w.test)}`).join(' and ')}` : ''}`;

/** A one-part and/or means its part. */
function collapse(condition: Condition): Condition {
  let node = condition;
  while ((node.kind === 'and' || node.kind === 'or') && node.conditions.length === 1 && node.conditions[0] !== undefined) node = node.conditions[0];
  return node;
}

/** The canonical text form; parsing it gives back the same tree (one-part and/or collapsed). */
export function printCondition(condition: Condition): string {
  // An and/or inside another node needs parentheses to keep its shape.
  const nested = (child: Condition): string => {
    const node = collapse(child);
    return node.kind === 'and' || node.kind === 'or' ? `(${printCondition(node)})` : printCondition(node);
  };
  const node = collapse(condition);
  if (node !== condition) return printCondition(node);
  switch (condition.kind) {
    case 'and':
    case 'or':
      return condition.conditions.map(nested).join(` ${condition.kind} `);
    case 'not':
      return `not ${nested(condition.condition)}`;
    case 'trait':
      return `trait.${name(condition.trait)} ${test(condition.test)}`;
    case 'event': {
      const window = condition.window;
      if (condition.count.op === '>=' && condition.count.value === 1) {
        return `performed ${match(condition.match)}${window ? ` within last ${span(window)}` : ''}`;
      }
      return `count(event ${match(condition.match)}${window ? `, last ${span(window)}` : ''}) ${condition.count.op} ${condition.count.value}`;
    }
    case 'sequence':
      return `performed ${match(condition.first)} then ${match(condition.then)} within ${span(condition.within)}${
        condition.window ? ` within last ${span(condition.window)}` : ''
      }`;
    case 'segment':
      return `in segment ${JSON.stringify(condition.segment)}`;
    case 'consent':
      return `consent(${condition.channel}, ${condition.purpose})`;
    case 'identifier':
      return `has identifier ${condition.type}`;
    case 'channel':
      return `seen on ${condition.channel}`;
  }
}
