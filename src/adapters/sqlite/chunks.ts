/** SQLite's limit on bound parameters is high, but chunks keep `IN (...)` statements small and few in kind. */
const chunkSize = 500;

/** `items` in chunks of at most 500, for one `IN (...)` statement each. */
export function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += chunkSize) out.push(items.slice(i, i + chunkSize));
  return out;
}

/** `?, ?, ?` for a chunk of `n` values. */
export const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(',');
