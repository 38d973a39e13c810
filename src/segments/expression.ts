/**
 * Expressions over traits, for computed traits such as
 *   round(trait.revenue_90d / coalesce(trait.orders_90d, 1), 2)
 * Values are JSON scalars or null. Arithmetic takes numbers (anything else
 * gives null, as does dividing by zero); comparisons follow the segment
 * language (same type or false); and / or / not take booleans, anything else
 * counting as false.
 */
import { SyntaxProblem, describeToken, tokenize, type Token } from './lexer.js';
import { valueAt } from './values.js';

export type Expression =
  | { readonly kind: 'literal'; readonly value: string | number | boolean | null }
  | { readonly kind: 'trait'; readonly name: string }
  | { readonly kind: 'negate' | 'not'; readonly operand: Expression }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expression; readonly right: Expression }
  | { readonly kind: 'call'; readonly fn: FunctionName; readonly args: readonly Expression[] };

type BinaryOp = '+' | '-' | '*' | '/' | '%' | '=' | '!=' | '<' | '<=' | '>' | '>=' | 'and' | 'or';
export type ExpressionValue = string | number | boolean | null;

const functions = {
  coalesce: { min: 1, max: Infinity },
  round: { min: 1, max: 2 },
  floor: { min: 1, max: 1 },
  ceil: { min: 1, max: 1 },
  abs: { min: 1, max: 1 },
  min: { min: 1, max: Infinity },
  max: { min: 1, max: Infinity },
  concat: { min: 1, max: Infinity },
  if: { min: 3, max: 3 },
} as const;
type FunctionName = keyof typeof functions;
const functionNames = Object.keys(functions) as FunctionName[];

class ExpressionParser {
  #at = 0;
  constructor(readonly tokens: readonly Token[]) {}

  get #token(): Token {
    return this.tokens[this.#at] ?? this.tokens[this.tokens.length - 1]!;
  }
  #fail(expected: string): never {
    throw new SyntaxProblem(this.#token.line, this.#token.column, expected, describeToken(this.#token));
  }
  #is(kind: Token['kind'], text?: string): boolean {
    return this.#token.kind === kind && (text === undefined || this.#token.text === text);
  }

  parse(): Expression {
    const expression = this.#binary(0);
    if (!this.#is('end')) this.#fail('an operator or the end of the expression');
    return expression;
  }

  /** Precedence climbing: or < and < comparisons < + - < * / %. */
  #binary(level: number): Expression {
    const levels: readonly (readonly string[])[] = [['or'], ['and'], ['=', '!=', '<', '<=', '>', '>='], ['+', '-'], ['*', '/', '%']];
    const ops = levels[level];
    if (ops === undefined) return this.#unary();
    let left = this.#binary(level + 1);
    while ((this.#token.kind === 'op' || this.#token.kind === 'word') && ops.includes(this.#token.text)) {
      const op = this.tokens[this.#at++]!.text as BinaryOp;
      left = { kind: 'binary', op, left, right: this.#binary(level + 1) };
      if (level === 2) break; // comparisons do not chain
    }
    return left;
  }

  #unary(): Expression {
    if (this.#is('op', '-')) {
      this.#at++;
      return { kind: 'negate', operand: this.#unary() };
    }
    if (this.#is('word', 'not')) {
      this.#at++;
      return { kind: 'not', operand: this.#unary() };
    }
    return this.#primary();
  }

  #primary(): Expression {
    const token = this.#token;
    if (token.kind === 'number') {
      this.#at++;
      return { kind: 'literal', value: Number(token.text) };
    }
    if (token.kind === 'string') {
      this.#at++;
      return { kind: 'literal', value: token.text };
    }
    if (this.#is('punct', '(')) {
      this.#at++;
      const inner = this.#binary(0);
      if (!this.#is('punct', ')')) this.#fail('")" to close the parenthesis');
      this.#at++;
      return inner;
    }
    if (token.kind === 'word') {
      if (token.text === 'true' || token.text === 'false' || token.text === 'null') {
        this.#at++;
        return { kind: 'literal', value: token.text === 'null' ? null : token.text === 'true' };
      }
      if (token.text === 'trait') {
        this.#at++;
        if (!this.#is('punct', '.')) this.#fail('"." and a trait name after "trait"');
        this.#at++;
        return { kind: 'trait', name: this.#name() };
      }
      if ((functionNames as string[]).includes(token.text)) return this.#call(token.text as FunctionName);
    }
    return this.#fail(`a value: a number, "text", true, false, null, trait.<name>, (...) or a function (${functionNames.join(', ')})`);
  }

  #name(): string {
    if (this.#token.kind === 'string') return this.tokens[this.#at++]!.text;
    if (this.#token.kind !== 'word') this.#fail('a trait name');
    let name = this.tokens[this.#at++]!.text;
    while (this.#is('punct', '.') && this.tokens[this.#at + 1]?.kind === 'word') {
      name += `.${this.tokens[this.#at + 1]!.text}`;
      this.#at += 2;
    }
    return name;
  }

  #call(fn: FunctionName): Expression {
    const start = this.#token;
    this.#at++;
    if (!this.#is('punct', '(')) this.#fail(`"(" after ${fn}`);
    this.#at++;
    const args: Expression[] = [];
    if (!this.#is('punct', ')')) {
      args.push(this.#binary(0));
      while (this.#is('punct', ',')) {
        this.#at++;
        args.push(this.#binary(0));
      }
    }
    if (!this.#is('punct', ')')) this.#fail('"," or ")"');
    this.#at++;
    const { min, max } = functions[fn];
    if (args.length < min || args.length > max) {
      const wanted = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      throw new SyntaxProblem(start.line, start.column, `${wanted} argument${min === 1 && max === 1 ? '' : 's'} for ${fn}`, `${args.length}`);
    }
    return { kind: 'call', fn, args };
  }
}

/** Parses an expression; throws SyntaxProblem with the line and column of the first problem. */
export const parseExpression = (source: string): Expression => new ExpressionParser(tokenize(source)).parse();

/** The traits an expression reads (top-level names). */
export function traitsOf(expression: Expression): Set<string> {
  const names = new Set<string>();
  const visit = (node: Expression): void => {
    if (node.kind === 'trait') names.add(node.name.split('.')[0] ?? node.name);
    else if (node.kind === 'negate' || node.kind === 'not') visit(node.operand);
    else if (node.kind === 'binary') [node.left, node.right].forEach(visit);
    else if (node.kind === 'call') node.args.forEach(visit);
  };
  visit(expression);
  return names;
}

const scalar = (value: unknown): ExpressionValue =>
  typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)) ? value : null;
const number = (value: ExpressionValue): number | null => (typeof value === 'number' ? value : null);
const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);
const truthy = (value: ExpressionValue): boolean => value === true;

function compare(op: string, a: ExpressionValue, b: ExpressionValue): boolean {
  if (a === null || b === null || typeof a !== typeof b) return op === '!=' && a !== null && b !== null;
  const x = a;
  const y = b;
  switch (op) {
    case '=':
      return x === y;
    case '!=':
      return x !== y;
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

function arithmetic(op: string, a: number | null, b: number | null): number | null {
  if (a === null || b === null) return null;
  switch (op) {
    case '+':
      return finite(a + b);
    case '-':
      return finite(a - b);
    case '*':
      return finite(a * b);
    case '/':
      return b === 0 ? null : finite(a / b);
    default:
      return b === 0 ? null : finite(a % b);
  }
}

function call(fn: FunctionName, args: readonly ExpressionValue[]): ExpressionValue {
  const numbers = args.map(number);
  switch (fn) {
    case 'coalesce':
      return args.find((a) => a !== null) ?? null;
    case 'round': {
      const [x, digits = 0] = numbers;
      if (x === null || x === undefined || digits === null) return null;
      const factor = 10 ** Math.max(0, Math.min(10, Math.trunc(digits)));
      return Math.round(x * factor) / factor;
    }
    case 'floor':
      return numbers[0] === null || numbers[0] === undefined ? null : Math.floor(numbers[0]);
    case 'ceil':
      return numbers[0] === null || numbers[0] === undefined ? null : Math.ceil(numbers[0]);
    case 'abs':
      return numbers[0] === null || numbers[0] === undefined ? null : Math.abs(numbers[0]);
    case 'min':
    case 'max': {
      const present = numbers.filter((n): n is number => n !== null);
      return present.length === 0 ? null : fn === 'min' ? Math.min(...present) : Math.max(...present);
    }
    case 'concat':
      return args.map((a) => (a === null ? '' : String(a))).join('');
    case 'if':
      return truthy(args[0] ?? null) ? (args[1] ?? null) : (args[2] ?? null);
  }
}

/** Evaluates an expression over trait values (missing traits are null). */
export function evaluateExpression(expression: Expression, traits: Readonly<Record<string, unknown>>): ExpressionValue {
  const visit = (node: Expression): ExpressionValue => {
    switch (node.kind) {
      case 'literal':
        return node.value;
      case 'trait':
        return scalar(valueAt(traits, node.name));
      case 'negate': {
        const value = number(visit(node.operand));
        return value === null ? null : -value;
      }
      case 'not':
        return !truthy(visit(node.operand));
      case 'binary': {
        if (node.op === 'and') return truthy(visit(node.left)) && truthy(visit(node.right));
        if (node.op === 'or') return truthy(visit(node.left)) || truthy(visit(node.right));
        const left = visit(node.left);
        const right = visit(node.right);
        if (['+', '-', '*', '/', '%'].includes(node.op)) return arithmetic(node.op, number(left), number(right));
        return compare(node.op, left, right);
      }
      case 'call':
        return call(node.fn, node.args.map(visit));
    }
  };
  return visit(expression);
}
