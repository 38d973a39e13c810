/** Tokens of the condition language's text form, with where each starts. */
export type TokenKind = 'word' | 'string' | 'number' | 'span' | 'op' | 'punct' | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** The word, the decoded string, the number's text, the operator or punctuation. */
  readonly text: string;
  readonly line: number;
  readonly column: number;
  /** For `span` tokens such as 30d: the amount and the unit letter. */
  readonly amount?: number;
  readonly unit?: string;
}

export class SyntaxProblem extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`line ${line}, column ${column}: expected ${expected}, found ${found}`);
    this.name = 'SyntaxProblem';
  }
}

/** How a token reads in an error message. */
export const describeToken = (token: Token): string =>
  token.kind === 'end' ? 'the end of the condition' : token.kind === 'string' ? JSON.stringify(token.text) : `"${token.text}"`;

const wordStart = /[A-Za-z_]/;
const wordChar = /[A-Za-z0-9_]/;

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const at = (): { line: number; column: number } => ({ line, column: i - lineStart + 1 });
  while (i < source.length) {
    const char = source[i] ?? '';
    if (char === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    const start = at();
    if (char === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== '"') {
        if (source[j] === '\\') j++;
        if (source[j] === '\n') throw new SyntaxProblem(start.line, start.column, 'a closing quote on the same line', 'a line break');
        j++;
      }
      if (j >= source.length) throw new SyntaxProblem(start.line, start.column, 'a closing quote', 'the end of the condition');
      let text: string;
      try {
        text = JSON.parse(source.slice(i, j + 1)) as string;
      } catch {
        throw new SyntaxProblem(start.line, start.column, 'a string with valid escapes such as \\" or \\n', source.slice(i, j + 1));
      }
      tokens.push({ kind: 'string', text, ...start });
      i = j + 1;
      continue;
    }
    // Numbers are unsigned: a minus sign is an operator, and the parsers read negative literals.
    const number = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(i));
    if (number !== null) {
      const after = source.slice(i + number[0].length);
      const unit = /^(d|h|m)(?![A-Za-z0-9_])/.exec(after);
      if (unit !== null && number[1] === undefined && number[2] === undefined) {
        tokens.push({ kind: 'span', text: number[0] + unit[0], amount: Number(number[0]), unit: unit[0], ...start });
        i += number[0].length + 1;
      } else {
        tokens.push({ kind: 'number', text: number[0], ...start });
        i += number[0].length;
      }
      continue;
    }
    if (wordStart.test(char)) {
      let j = i + 1;
      while (j < source.length && wordChar.test(source[j] ?? '')) j++;
      tokens.push({ kind: 'word', text: source.slice(i, j), ...start });
      i = j;
      continue;
    }
    const op = /^(!=|<=|>=|=|<|>|\+|-|\*|\/|%)/.exec(source.slice(i));
    if (op !== null) {
      tokens.push({ kind: 'op', text: op[0], ...start });
      i += op[0].length;
      continue;
    }
    if ('()[],.'.includes(char)) {
      tokens.push({ kind: 'punct', text: char, ...start });
      i++;
      continue;
    }
    throw new SyntaxProblem(start.line, start.column, 'a word, a "string", a number, an operator or a parenthesis', JSON.stringify(char));
  }
  tokens.push({ kind: 'end', text: '', ...at() });
  return tokens;
}
