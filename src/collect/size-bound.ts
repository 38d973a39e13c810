/**
 * Whether `Buffer.byteLength(JSON.stringify(value))` is certainly at most
 * `limit`, found without serializing: each UTF-16 unit of a string or key
 * takes at most 6 bytes (`\uXXXX`), a number at most 24 characters
 * (`-1.7976931348623157e+308`), and the punctuation is counted exactly. It
 * walks the parsed value once and stops as soon as the bound passes `limit`;
 * a false answer only means the value has to be measured.
 *
 * For values from JSON.parse (plain objects, arrays, strings, finite numbers,
 * booleans and null); a cheaper stand-in for locating each message's text in
 * the body, which profiling showed costing more than the checks it saved.
 */
export function serializedSizeAtMost(value: unknown, limit: number): boolean {
  let bound = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') bound += next.length * 6 + 2;
    else if (typeof next === 'number') bound += 24;
    else if (next === null || typeof next !== 'object') bound += 5;
    else if (Array.isArray(next)) {
      // Brackets and a comma (or the closing bracket) after each element.
      bound += 2 + next.length;
      for (const element of next as unknown[]) pending.push(element);
    } else {
      bound += 2;
      for (const key in next) {
        if (!Object.hasOwn(next, key)) continue;
        // Quotes, colon and comma around the key.
        bound += key.length * 6 + 4;
        pending.push((next as Record<string, unknown>)[key]);
      }
    }
    if (bound > limit) return false;
  }
  return true;
}
