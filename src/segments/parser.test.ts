import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { condition as anyCondition } from '../../test/helpers/conditions.js';
import type { Condition } from '../contracts/index.js';
import { readDefinition } from './check.js';
import { parseCondition } from './parser.js';
import { printCondition } from './printer.js';

const trait = (test: object, name = 'plan') => ({ kind: 'trait', trait: name, test });

describe('parseCondition', () => {
  it('reads the issue example into the JSON form', () => {
    const text =
      'trait.plan = "pro" and count(event "Order Completed" where revenue > 50, last 30d) >= 2 and not in segment "churned" and consent(email, marketing)';
    expect(parseCondition(text)).toEqual({
      kind: 'and',
      conditions: [
        trait({ op: '=', value: 'pro' }),
        {
          kind: 'event',
          match: { event: 'Order Completed', where: [{ property: 'revenue', test: { op: '>', value: 50 } }] },
          window: { amount: 30, unit: 'days' },
          count: { op: '>=', value: 2 },
        },
        { kind: 'not', condition: { kind: 'segment', segment: 'churned' } },
        { kind: 'consent', channel: 'email', purpose: 'marketing' },
      ],
    });
  });

  it.each([
    ['trait.plan != "free"', trait({ op: '!=', value: 'free' })],
    ['trait.score < 10', trait({ op: '<', value: 10 }, 'score')],
    ['trait.score <= -2.5', trait({ op: '<=', value: -2.5 }, 'score')],
    ['trait.score >= 1e3', trait({ op: '>=', value: 1000 }, 'score')],
    ['trait.vip = true', trait({ op: '=', value: true }, 'vip')],
    ['trait.plan in ["pro", "team", 3]', trait({ op: 'in', values: ['pro', 'team', 3] })],
    ['trait.tags contains "shoes"', trait({ op: 'contains', value: 'shoes' }, 'tags')],
    ['trait.email starts with "jane"', trait({ op: 'starts_with', value: 'jane' }, 'email')],
    ['trait.phone exists', trait({ op: 'exists' }, 'phone')],
    ['trait.age between 18 and 30', trait({ op: 'between', low: 18, high: 30 }, 'age')],
    ['trait.signup_at within last 7 days', trait({ op: 'within_last', span: { amount: 7, unit: 'days' } }, 'signup_at')],
    ['trait.signup_at within last 12h', trait({ op: 'within_last', span: { amount: 12, unit: 'hours' } }, 'signup_at')],
    ['trait.birthday birthday in 3 days', trait({ op: 'birthday_in', days: 3 }, 'birthday')],
    ['trait.address.city = "Paris"', trait({ op: '=', value: 'Paris' }, 'address.city')],
    ['trait."first name" = "Jo"', trait({ op: '=', value: 'Jo' }, 'first name')],
    ['has identifier email', { kind: 'identifier', type: 'email' }],
    ['seen on pos', { kind: 'channel', channel: 'pos' }],
    ['in segment "VIP customers"', { kind: 'segment', segment: 'VIP customers' }],
    ['performed "Signed Up"', { kind: 'event', match: { event: 'Signed Up', where: [] }, count: { op: '>=', value: 1 } }],
    [
      'performed "Order Completed" where revenue > 50 and currency = "EUR" within last 15 minutes',
      {
        kind: 'event',
        match: {
          event: 'Order Completed',
          where: [
            { property: 'revenue', test: { op: '>', value: 50 } },
            { property: 'currency', test: { op: '=', value: 'EUR' } },
          ],
        },
        window: { amount: 15, unit: 'minutes' },
        count: { op: '>=', value: 1 },
      },
    ],
    [
      'performed "Product Added" then "Order Completed" where total > 0 within 1h within last 30d',
      {
        kind: 'sequence',
        first: { event: 'Product Added', where: [] },
        then: { event: 'Order Completed', where: [{ property: 'total', test: { op: '>', value: 0 } }] },
        within: { amount: 1, unit: 'hours' },
        window: { amount: 30, unit: 'days' },
      },
    ],
    ['count(event "Login") = 0', { kind: 'event', match: { event: 'Login', where: [] }, count: { op: '=', value: 0 } }],
  ])('%s', (text, expected) => {
    expect(parseCondition(text)).toEqual(expected);
  });

  it('gives "and" precedence over "or", and keeps parenthesized groups', () => {
    expect(parseCondition('seen on web or seen on pos and has identifier email')).toEqual({
      kind: 'or',
      conditions: [
        { kind: 'channel', channel: 'web' },
        { kind: 'and', conditions: [{ kind: 'channel', channel: 'pos' }, { kind: 'identifier', type: 'email' }] },
      ],
    });
    expect(parseCondition('(seen on web or seen on pos) and not not has identifier email')).toMatchObject({
      kind: 'and',
      conditions: [{ kind: 'or' }, { kind: 'not', condition: { kind: 'not' } }],
    });
  });

  it('ends property filters where the next condition starts', () => {
    const parsed = parseCondition('performed "A" where x = 1 and y = 2 and trait.plan = "pro"');
    expect(parsed).toMatchObject({ kind: 'and', conditions: [{ kind: 'event' }, { kind: 'trait' }] });
    expect(parsed.kind === 'and' && parsed.conditions[0]?.kind === 'event' && parsed.conditions[0].match.where).toHaveLength(2);
  });
});

describe('syntax errors', () => {
  it.each([
    ['trait.plan is "pro"', 1, 12, 'a test: a comparison'],
    ['trait.plan = ', 1, 14, 'a value'],
    ['performed Order', 1, 11, 'an event name in double quotes'],
    ['count(event "X", last 30x) > 1', 1, 25, 'a unit'],
    ['seen on fax', 1, 9, 'a channel (web, ios'],
    ['consent(email, spam)', 1, 16, 'a purpose (marketing, transactional)'],
    ['trait.a = 1 and\n  (seen on web', 2, 15, '")" to close the parenthesis'],
    ['trait.a = 1 trait.b = 2', 1, 13, '"and", "or" or the end of the condition'],
    ['trait.name = "unterminated', 1, 14, 'a closing quote'],
    ['trait.a = 1 & trait.b = 2', 1, 13, 'a word'],
    ['', 1, 1, 'a condition'],
  ])('%j fails at line %i, column %i, expecting %s', (text, line, column, expected) => {
    const read = readDefinition(text);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.error[0]).toMatchObject({ line, column, rule: 'syntax' });
    expect(read.error[0]?.expected).toContain(expected);
    expect(read.error[0]?.message).toMatch(new RegExp(`^line ${line}, column ${column}: expected `));
  });
});

describe('the JSON form', () => {
  it('reports each problem at its path', () => {
    const read = readDefinition({
      kind: 'and',
      conditions: [
        { kind: 'trait', trait: 'plan', test: { op: 'like', value: 'x' } },
        { kind: 'teleport' },
        { kind: 'event', match: { event: 'X', where: [] }, count: { op: '>=', value: -1 } },
        { kind: 'trait', trait: 'age', test: { op: 'between', low: 30, high: 'old' } },
      ],
    });
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.error.map((p) => p.field)).toEqual([
      'definition.conditions[0].test.op',
      'definition.conditions[1].kind',
      'definition.conditions[2].count.value',
      'definition.conditions[3].test.high',
    ]);
  });

  it('accepts the JSON form and the text form as the same tree', () => {
    const text = 'trait.plan = "pro" and not performed "Churned" within last 90 days';
    const fromText = readDefinition(text);
    const fromJson = readDefinition(JSON.parse(JSON.stringify(parseCondition(text))));
    expect(fromText).toEqual(fromJson);
  });
});

/** The tree printing keeps: a one-child and/or is just its child. */
function canonical(c: Condition): Condition {
  switch (c.kind) {
    case 'and':
    case 'or':
      return c.conditions.length === 1 ? canonical(c.conditions[0]!) : { kind: c.kind, conditions: c.conditions.map(canonical) };
    case 'not':
      return { kind: 'not', condition: canonical(c.condition) };
    default:
      return c;
  }
}

describe('printCondition', () => {
  it('prints a text that parses back to the same tree, for any tree', () => {
    fc.assert(
      fc.property(anyCondition, (c) => {
        const text = printCondition(c);
        expect(parseCondition(text), text).toEqual(canonical(c));
        expect(printCondition(parseCondition(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('quotes names that are keywords or not plain', () => {
    expect(printCondition({ kind: 'trait', trait: 'count', test: { op: 'exists' } })).toBe('trait."count" exists');
    expect(
      printCondition({ kind: 'event', match: { event: 'A', where: [{ property: 'and', test: { op: '=', value: 1 } }] }, count: { op: '>=', value: 1 } }),
    ).toBe('performed "A" where "and" = 1');
  });
});
