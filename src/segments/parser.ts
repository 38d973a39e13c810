/**
 * The text form of a condition, e.g.
 *   trait.plan = "pro" and count(event "Order Completed" where revenue > 50, last 30d) >= 2
 *     and not in segment "churned" and consent(email, marketing)
 * parsed by recursive descent into the same tree as the JSON form. Errors say
 * the line and column, what was expected and what was found.
 */
import {
  channels,
  comparisonOps,
  consentChannels,
  consentPurposes,
  type Channel,
  type ComparisonOp,
  type Condition,
  type ConsentChannel,
  type ConsentPurpose,
  type EventMatch,
  type PropertyTest,
  type Scalar,
  type Span,
  type ValueTest,
} from '../contracts/index.js';
import { SyntaxProblem, describeToken, tokenize, type Token } from './lexer.js';

/** Words that begin a condition: after `and` inside `where`, they end the property filters. */
const conditionStarts = new Set(['not', 'trait', 'performed', 'count', 'in', 'consent', 'has', 'seen']);
const unitWords: Record<string, Span['unit']> = {
  minute: 'minutes', minutes: 'minutes', min: 'minutes', mins: 'minutes',
  hour: 'hours', hours: 'hours',
  day: 'days', days: 'days',
};
const unitLetters: Record<string, Span['unit']> = { m: 'minutes', h: 'hours', d: 'days' };
const conditionHint = 'a condition (trait.<name>, performed "<event>", count(event ...), in segment "<name>", consent(<channel>, <purpose>), has identifier <type>, seen on <channel>, not, or "(")';

class Parser {
  #at = 0;

  constructor(readonly tokens: readonly Token[]) {}

  get #token(): Token {
    return this.tokens[this.#at] ?? this.tokens[this.tokens.length - 1]!;
  }

  #peek(offset = 1): Token | undefined {
    return this.tokens[this.#at + offset];
  }

  #fail(expected: string): never {
    const token = this.#token;
    throw new SyntaxProblem(token.line, token.column, expected, describeToken(token));
  }

  #isWord(text: string, token: Token | undefined = this.#token): boolean {
    return token?.kind === 'word' && token.text === text;
  }

  #isPunct(text: string): boolean {
    return this.#token.kind === 'punct' && this.#token.text === text;
  }

  #word(text: string, expected = `"${text}"`): void {
    if (!this.#isWord(text)) this.#fail(expected);
    this.#at++;
  }

  #punct(text: string, expected = `"${text}"`): void {
    if (!this.#isPunct(text)) this.#fail(expected);
    this.#at++;
  }

  #string(expected: string): string {
    if (this.#token.kind !== 'string') this.#fail(expected);
    return this.tokens[this.#at++]!.text;
  }

  #integer(expected: string): number {
    const token = this.#token;
    if (token.kind !== 'number' || !/^\d+$/.test(token.text)) this.#fail(expected);
    this.#at++;
    return Number(token.text);
  }

  #oneOf<T extends string>(values: readonly T[], what: string): T {
    const token = this.#token;
    if (token.kind !== 'word' || !(values as readonly string[]).includes(token.text)) this.#fail(`${what} (${values.join(', ')})`);
    this.#at++;
    return token.text as T;
  }

  condition(): Condition {
    const condition = this.#or();
    if (this.#token.kind !== 'end') this.#fail('"and", "or" or the end of the condition');
    return condition;
  }

  #or(): Condition {
    const parts = [this.#and()];
    while (this.#isWord('or')) {
      this.#at++;
      parts.push(this.#and());
    }
    return parts.length === 1 ? parts[0]! : { kind: 'or', conditions: parts };
  }

  #and(): Condition {
    const parts = [this.#unary()];
    while (this.#isWord('and')) {
      this.#at++;
      parts.push(this.#unary());
    }
    return parts.length === 1 ? parts[0]! : { kind: 'and', conditions: parts };
  }

  #unary(): Condition {
    if (this.#isWord('not')) {
      this.#at++;
      return { kind: 'not', condition: this.#unary() };
    }
    return this.#atom();
  }

  #atom(): Condition {
    const token = this.#token;
    if (this.#isPunct('(')) {
      this.#at++;
      const inner = this.#or();
      this.#punct(')', '")" to close the parenthesis');
      return inner;
    }
    if (token.kind !== 'word') this.#fail(conditionHint);
    switch (token.text) {
      case 'trait': {
        this.#at++;
        this.#punct('.', '"." and a trait name after "trait"');
        return { kind: 'trait', trait: this.#name('a trait name'), test: this.#valueTest() };
      }
      case 'performed':
        this.#at++;
        return this.#performed();
      case 'count':
        this.#at++;
        return this.#count();
      case 'in':
        this.#at++;
        this.#word('segment', '"segment" (in segment "<name>")');
        return { kind: 'segment', segment: this.#string('a segment name in double quotes') };
      case 'consent': {
        this.#at++;
        this.#punct('(', '"(" (consent(<channel>, <purpose>))');
        const channel = this.#oneOf<ConsentChannel>(consentChannels, 'a consent channel');
        this.#punct(',', '"," between channel and purpose');
        const purpose = this.#oneOf<ConsentPurpose>(consentPurposes, 'a purpose');
        this.#punct(')', '")"');
        return { kind: 'consent', channel, purpose };
      }
      case 'has':
        this.#at++;
        this.#word('identifier', '"identifier" (has identifier <type>)');
        if (this.#token.kind !== 'word') this.#fail('an identifier type such as email');
        return { kind: 'identifier', type: this.tokens[this.#at++]!.text };
      case 'seen':
        this.#at++;
        this.#word('on', '"on" (seen on <channel>)');
        return { kind: 'channel', channel: this.#oneOf<Channel>(channels, 'a channel') };
      default:
        return this.#fail(conditionHint);
    }
  }

  #performed(): Condition {
    const match = this.#eventMatch();
    if (this.#isWord('then')) {
      this.#at++;
      const then = this.#eventMatch();
      this.#word('within', '"within" and the longest gap between the two events, e.g. within 1h');
      const within = this.#span();
      const window = this.#optionalWindow();
      return { kind: 'sequence', first: match, then, within, ...(window && { window }) };
    }
    const window = this.#optionalWindow();
    return { kind: 'event', match, ...(window && { window }), count: { op: '>=', value: 1 } };
  }

  #count(): Condition {
    this.#punct('(', '"(" (count(event "<name>" ...))');
    this.#word('event', '"event"');
    const match = this.#eventMatch();
    let window: Span | undefined;
    if (this.#isPunct(',')) {
      this.#at++;
      this.#word('last', '"last" and a time span, e.g. last 30d');
      window = this.#span();
    }
    this.#punct(')', window === undefined ? '"," and a window (last 30d), or ")"' : '")"');
    const op = this.#comparison();
    const value = this.#integer('a whole number to compare the count with');
    return { kind: 'event', match, ...(window && { window }), count: { op, value } };
  }

  #optionalWindow(): Span | undefined {
    if (!(this.#isWord('within') && this.#isWord('last', this.#peek()))) return undefined;
    this.#at += 2;
    return this.#span();
  }

  #eventMatch(): EventMatch {
    const event = this.#string('an event name in double quotes');
    const where: PropertyTest[] = [];
    if (this.#isWord('where')) {
      this.#at++;
      where.push(this.#propertyTest());
      while (this.#isWord('and') && this.#continuesFilter(this.#peek())) {
        this.#at++;
        where.push(this.#propertyTest());
      }
    }
    return { event, where };
  }

  /** After `and` in a filter: a property name continues it, anything that starts a condition ends it. */
  #continuesFilter(next: Token | undefined): boolean {
    if (next === undefined) return false;
    if (next.kind === 'string') return true;
    return next.kind === 'word' && !conditionStarts.has(next.text);
  }

  #propertyTest(): PropertyTest {
    return { property: this.#name('a property name'), test: this.#valueTest() };
  }

  /** A dotted name (a.b.c) or any name in double quotes. */
  #name(what: string): string {
    if (this.#token.kind === 'string') return this.tokens[this.#at++]!.text;
    if (this.#token.kind !== 'word') this.#fail(`${what} (letters, digits, _ and dots, or in double quotes)`);
    let name = this.tokens[this.#at++]!.text;
    while (this.#isPunct('.') && this.#peek()?.kind === 'word') {
      name += `.${this.tokens[this.#at + 1]!.text}`;
      this.#at += 2;
    }
    return name;
  }

  #comparison(): ComparisonOp {
    const token = this.#token;
    if (token.kind !== 'op' || !(comparisonOps as readonly string[]).includes(token.text)) this.#fail(`a comparison (${comparisonOps.join(' ')})`);
    this.#at++;
    return token.text as ComparisonOp;
  }

  #valueTest(): ValueTest {
    const token = this.#token;
    if (token.kind === 'op' && (comparisonOps as readonly string[]).includes(token.text)) return { op: this.#comparison(), value: this.#scalar() };
    if (token.kind === 'word') {
      switch (token.text) {
        case 'in': {
          this.#at++;
          this.#punct('[', '"[" and a list of values');
          const values = [this.#scalar()];
          while (this.#isPunct(',')) {
            this.#at++;
            values.push(this.#scalar());
          }
          this.#punct(']', '"," or "]"');
          return { op: 'in', values };
        }
        case 'contains':
          this.#at++;
          return { op: 'contains', value: this.#string('a text in double quotes') };
        case 'starts':
          this.#at++;
          this.#word('with', '"with" (starts with "<text>")');
          return { op: 'starts_with', value: this.#string('a text in double quotes') };
        case 'exists':
          this.#at++;
          return { op: 'exists' };
        case 'between': {
          this.#at++;
          const low = this.#scalar();
          this.#word('and', '"and" (between <low> and <high>)');
          return { op: 'between', low, high: this.#scalar() };
        }
        case 'within':
          this.#at++;
          this.#word('last', '"last" (within last 7 days)');
          return { op: 'within_last', span: this.#span() };
        case 'birthday': {
          this.#at++;
          this.#word('in', '"in" (birthday in 3 days)');
          const days = this.#integer('a number of days');
          if (this.#isWord('days') || this.#isWord('day')) this.#at++;
          return { op: 'birthday_in', days };
        }
        default:
          break;
      }
    }
    return this.#fail('a test: a comparison (= != < <= > >=), in [...], contains, starts with, exists, between, within last, or birthday in');
  }

  #scalar(): Scalar {
    const token = this.#token;
    if (token.kind === 'string') {
      this.#at++;
      return token.text;
    }
    if (token.kind === 'number') {
      this.#at++;
      return Number(token.text);
    }
    if (token.kind === 'op' && token.text === '-' && this.#peek()?.kind === 'number') {
      this.#at += 2;
      return -Number(this.tokens[this.#at - 1]?.text);
    }
    if (this.#isWord('true') || this.#isWord('false')) {
      this.#at++;
      return token.text === 'true';
    }
    return this.#fail('a value: "text", a number, true or false');
  }

  #span(): Span {
    const token = this.#token;
    if (token.kind === 'span') {
      this.#at++;
      return { amount: token.amount ?? 0, unit: unitLetters[token.unit ?? 'd'] ?? 'days' };
    }
    const amount = this.#integer('a time span such as 30d, 12h, 15m or 30 days');
    const unit = this.#token.kind === 'word' ? unitWords[this.#token.text] : undefined;
    if (unit === undefined) this.#fail('a unit: minutes, hours or days');
    this.#at++;
    return { amount, unit };
  }
}

/** Parses the text form; throws SyntaxProblem with the line and column of the first problem. */
export function parseCondition(source: string): Condition {
  return new Parser(tokenize(source)).condition();
}
