import { describe, expect, it } from 'vitest';
import { evaluateExpression, parseExpression, traitsOf } from './expression.js';
import { SyntaxProblem } from './lexer.js';

const traits = { revenue: 200, orders: 3, zero: 0, name: 'Ann', plan: 'pro', vip: true, missing: null, address: { city: 'Oslo' } };
const value = (source: string) => evaluateExpression(parseExpression(source), traits);

describe('expressions', () => {
  it.each([
    ['round(trait.revenue / trait.orders, 2)', 66.67],
    ['trait.revenue - trait.orders * 2', 194],
    ['(trait.revenue - trait.orders) * 2', 394],
    ['-trait.orders + 10 % 4', -1],
    ['trait.revenue / trait.zero', null],
    ['trait.name + 1', null],
    ['coalesce(trait.nothing, trait.missing, 5)', 5],
    ['concat(trait.name, " from ", trait.address.city)', 'Ann from Oslo'],
    ['if(trait.plan = "pro", 1, 0)', 1],
    ['trait.orders >= 3 and trait.vip', true],
    ['trait.orders > 3 or not trait.vip', false],
    ['trait.name = 3', false],
    ['trait.name != 3', true],
    ['min(trait.orders, trait.revenue, trait.name)', 3],
    ['max(1, 2.5)', 2.5],
    ['abs(-4) + floor(2.7) + ceil(0.2)', 7],
    ['null', null],
  ])('%s = %j', (source, expected) => {
    expect(value(source)).toEqual(expected);
  });

  it('lists the traits it reads', () => {
    expect([...traitsOf(parseExpression('round(trait.a / coalesce(trait.b.c, 1)) + trait.a'))]).toEqual(['a', 'b']);
  });

  it.each([
    ['trait.a +', 'a value'],
    ['round()', '1 to 2 arguments for round'],
    ['foo(1)', 'a function'],
    ['(1 + 2', '")" to close the parenthesis'],
    ['1 2', 'an operator or the end'],
  ])('%j fails expecting %s', (source, expected) => {
    expect(() => parseExpression(source)).toThrow(SyntaxProblem);
    try {
      parseExpression(source);
    } catch (error) {
      expect((error as SyntaxProblem).expected).toContain(expected);
    }
  });
});
