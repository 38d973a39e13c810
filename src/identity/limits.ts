import { parseIdentifierKey } from './identifier.js';

export type LimitOf = (type: string) => number | null;

export const typeOfKey = (key: string): string => parseIdentifierKey(key)?.type ?? key;

/** Identifier counts per type after putting two groups together. */
export function addCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const sum: Record<string, number> = { ...a };
  for (const [type, count] of Object.entries(b)) sum[type] = (sum[type] ?? 0) + count;
  return sum;
}

export function countTypes(keys: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) {
    const type = typeOfKey(key);
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}

/** The first identifier type whose limit the counts break, if any. */
export function brokenLimit(counts: Readonly<Record<string, number>>, limitOf: LimitOf): string | undefined {
  for (const [type, count] of Object.entries(counts)) {
    const limit = limitOf(type);
    if (limit !== null && count > limit) return type;
  }
  return undefined;
}
