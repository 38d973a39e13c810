/**
 * Plain JSON data as profile state holds it. Trait values are normalized once,
 * when a message contributes them, so that two equal values are also identical
 * (same keys in the same order): survivorship can then key values by their
 * canonical JSON and compare them with one total order, and whatever the merge
 * order, the stored JSON comes out the same.
 */

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

/** Compares by UTF-16 code unit, never by locale: the order must be the same on every machine. */
export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const isJsonArray = (value: JsonValue): value is readonly JsonValue[] => Array.isArray(value);
export const isJsonObject = (value: JsonValue): value is JsonObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const sortedEntries = <T>(record: Readonly<Record<string, T>>): [string, T][] =>
  Object.entries(record).sort(([a], [b]) => compareStrings(a, b));

/** JSON text with object keys sorted at every level: the identity of a value. */
export function canonicalJson(value: JsonValue): string {
  if (isJsonArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isJsonObject(value)) {
    return `{${sortedEntries(value).map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The value as it will read back from storage: a JSON round trip (dates become
 * strings, `undefined` members vanish, -0 becomes 0) with keys in canonical
 * order. `undefined` when the value has no JSON form at all.
 */
export function toJsonValue(value: unknown): JsonValue | undefined {
  const text: string | undefined = JSON.stringify(value);
  if (text === undefined) return undefined;
  return JSON.parse(canonicalJson(JSON.parse(text) as JsonValue)) as JsonValue;
}

const typeRank = (value: JsonValue): number => {
  if (value === null) return 0;
  if (typeof value === 'boolean') return 1;
  if (typeof value === 'number') return 2;
  if (typeof value === 'string') return 3;
  return isJsonArray(value) ? 4 : 5;
};

/**
 * A total order on JSON values, used by the max and min rules: null < booleans
 * < numbers < strings < arrays < objects; within a type false < true, numbers
 * numerically, strings by code unit, arrays element by element (a prefix
 * first), objects by their sorted entries (key, then value) the same way.
 * Returns 0 only for values with the same canonical JSON.
 */
export function compareJson(a: JsonValue, b: JsonValue): number {
  const byType = typeRank(a) - typeRank(b);
  if (byType !== 0) return Math.sign(byType);
  if (typeof a === 'boolean' || typeof a === 'number') return Math.sign(Number(a) - Number(b));
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (isJsonArray(a) && isJsonArray(b)) return compareSequences(a, b, compareJson);
  if (isJsonObject(a) && isJsonObject(b)) {
    return compareSequences(sortedEntries(a), sortedEntries(b), ([ka, va], [kb, vb]) => compareStrings(ka, kb) || compareJson(va, vb));
  }
  return 0; // both null
}

function compareSequences<T>(a: readonly T[], b: readonly T[], compare: (x: T, y: T) => number): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compare(a[i]!, b[i]!);
    if (order !== 0) return order;
  }
  return Math.sign(a.length - b.length);
}

/** The member `key` of a record only if it is its own: `traits['constructor']` must not find Object's. */
export const own = <T>(record: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

/**
 * A record with keys in sorted order, so that a state's JSON does not depend
 * on the order it was built in. Built with `Object.fromEntries`, which defines
 * own properties: a key such as `__proto__` is data, never a prototype.
 */
export const sortedRecord = <T>(entries: Iterable<readonly [string, T]>): Readonly<Record<string, T>> =>
  Object.fromEntries([...entries].sort(([a], [b]) => compareStrings(a, b)));

/** Both records' keys; where both have one, `combine` (which must be commutative) decides. */
export function mergeRecords<T>(
  a: Readonly<Record<string, T>>,
  b: Readonly<Record<string, T>>,
  combine: (x: T, y: T) => T,
): Readonly<Record<string, T>> {
  if (Object.keys(b).length === 0) return a;
  if (Object.keys(a).length === 0) return b;
  const merged = new Map(Object.entries(a));
  for (const [key, y] of Object.entries(b)) {
    const x = merged.get(key);
    merged.set(key, x === undefined ? y : combine(x, y));
  }
  return sortedRecord(merged);
}
