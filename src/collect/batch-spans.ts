const quote = 0x22;
const backslash = 0x5c;
const comma = 0x2c;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;

/**
 * How much longer than its text in the body a message can get when
 * re-serialized: numbers grow at most 5.25 times (`1e20` is written out as 21
 * digits), bytes that are not UTF-8 three times (each becomes U+FFFD);
 * whitespace, escapes and duplicate keys only shrink.
 */
export const maxReserializedGrowth = 6;

/**
 * The byte length of each element of the top-level `batch` array of a JSON
 * body that has already parsed, found by a scan that only tracks strings and
 * nesting. With `maxReserializedGrowth` it bounds each message's serialized
 * size, so only messages that might break the size limit need serializing to
 * be measured. Undefined when the body has no top-level `batch` array.
 */
export function batchElementSpans(body: Buffer): number[] | undefined {
  let spans: number[] | undefined;
  let depth = 0;
  /** Depth of the elements of the `batch` array while the scan is inside it. */
  let batchDepth = -1;
  let elementStart = 0;
  let stringStart = -1;
  // In an object the last string before a nested value is that value's key.
  let lastKey: string | undefined;
  // One plain pass over the bytes: cheaper than jumping from quote to quote with indexOf.
  for (let i = 0; i < body.length; i++) {
    const byte = body[i]!;
    if (stringStart !== -1) {
      if (byte === backslash) i++;
      else if (byte === quote) {
        if (depth === 1) lastKey = keyText(body, stringStart, i);
        stringStart = -1;
      }
    } else if (byte === quote) {
      stringStart = i;
    } else if (byte === openBrace || byte === openBracket) {
      if (depth === 0 && byte !== openBrace) return undefined;
      depth++;
      if (depth === 2 && byte === openBracket && lastKey === 'batch') {
        // A repeated key replaces the earlier value, as in JSON.parse.
        spans = [];
        batchDepth = depth;
        elementStart = i + 1;
      }
    } else if (byte === closeBrace || byte === closeBracket) {
      if (depth === batchDepth) {
        if (hasContent(body, elementStart, i)) spans!.push(i - elementStart);
        batchDepth = -1;
      }
      depth--;
    } else if (byte === comma && depth === batchDepth) {
      spans!.push(i - elementStart);
      elementStart = i + 1;
    }
  }
  return spans;
}

/** The string between the quotes at `start` and `end`, unescaped only when it has escapes. */
function keyText(body: Buffer, start: number, end: number): string {
  const raw = body.toString('utf8', start + 1, end);
  return raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
}

function hasContent(body: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const byte = body[i]!;
    if (byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) return true;
  }
  return false;
}
