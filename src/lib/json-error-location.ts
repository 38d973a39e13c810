export interface JsonErrorLocation {
  /** Zero-based character offset of the first character that cannot be right. */
  readonly position: number;
  /** One-based line and column of that character. */
  readonly line: number;
  readonly column: number;
  /** What the parser expected there. */
  readonly expected: string;
}

/**
 * Finds where a JSON text first goes wrong, for error messages; V8's own
 * messages do not always say. Only called after JSON.parse has failed, so it
 * favours clarity over speed. Returns undefined when the text is valid JSON.
 */
export function locateJsonError(text: string): JsonErrorLocation | undefined {
  let i = 0;
  class Stop extends Error {
    constructor(readonly expected: string) {
      super(expected);
    }
  }
  const fail = (expected: string): never => {
    throw new Stop(expected);
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] ?? '')) i++;
  };
  const literal = (word: string): void => {
    for (const char of word) {
      if (text[i] !== char) fail(`"${word}"`);
      i++;
    }
  };
  const string = (): void => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      const code = text.charCodeAt(i);
      if (code < 0x20) fail('a closing quote (control characters must be escaped)');
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) {
            i++;
            fail('four hex digits after \\u');
          }
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail('an escape such as \\n or \\"');
      }
      i++;
    }
    if (i >= text.length) fail('a closing quote');
    i++;
  };
  const number = (): void => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (match === null || match[0] === '' || match[0] === '-') fail('a number');
    i += match?.[0].length ?? 0;
  };
  const value = (): void => {
    space();
    const char = text[i];
    if (char === '{') return object();
    if (char === '[') return array();
    if (char === '"') return string();
    if (char === 't') return literal('true');
    if (char === 'f') return literal('false');
    if (char === 'n') return literal('null');
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return number();
    fail('a value (object, array, string, number, true, false or null)');
  };
  const object = (): void => {
    i++;
    space();
    if (text[i] === '}') return void i++;
    for (;;) {
      space();
      if (text[i] !== '"') fail('a property name in double quotes');
      string();
      space();
      if (text[i] !== ':') fail('":" after the property name');
      i++;
      value();
      space();
      if (text[i] === ',') (i++);
      else if (text[i] === '}') return void i++;
      else fail('"," or "}"');
    }
  };
  const array = (): void => {
    i++;
    space();
    if (text[i] === ']') return void i++;
    for (;;) {
      value();
      space();
      if (text[i] === ',') i++;
      else if (text[i] === ']') return void i++;
      else fail('"," or "]"');
    }
  };
  try {
    value();
    space();
    if (i < text.length) fail('the end of the body');
    return undefined;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const before = text.slice(0, i);
    const line = before.split('\n').length;
    const column = i - before.lastIndexOf('\n');
    return { position: i, line, column, expected: error.expected };
  }
}

/** "expected ... at line 1, column 27 (position 26)", or the parser's own message when the scanner disagrees. */
export function describeJsonError(text: string, fallback: string): string {
  const location = locateJsonError(text);
  if (location === undefined) return fallback;
  const found = location.position < text.length ? `found ${JSON.stringify(text[location.position])}` : 'found the end of the body';
  return `expected ${location.expected} at line ${location.line}, column ${location.column} (position ${location.position}), ${found}`;
}
