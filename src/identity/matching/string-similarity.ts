/**
 * String similarities for the comparators. Levenshtein comes from
 * fastest-levenshtein (bit-parallel, the fastest in JavaScript). Jaro-Winkler
 * is written here: the maintained npm packages either count a shared prefix of
 * five when four characters agree (@skyra/jaro-winkler 1.1.1: 0.889 instead of
 * 0.867 for abcdef/abcdxy) or pull in a large untyped toolkit for one function
 * (talisman); and it runs on every candidate pair, so it reuses its buffers.
 */
import { distance } from 'fastest-levenshtein';

/** Edits (insert, delete, substitute) between two strings. */
export const levenshtein: (a: string, b: string) => number = distance;

let row = new Int32Array(64);

/**
 * Levenshtein distance when it is at most `k`, else k + 1: the common prefix
 * and suffix are dropped, then only a band of 2k + 1 diagonals is filled, and
 * the work stops as soon as the whole band exceeds k.
 */
export function editsWithin(a: string, b: string, k: number): number {
  let start = 0;
  let endA = a.length;
  let endB = b.length;
  while (start < endA && start < endB && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  while (endA > start && endB > start && a.charCodeAt(endA - 1) === b.charCodeAt(endB - 1)) {
    endA--;
    endB--;
  }
  const la = endA - start;
  const lb = endB - start;
  if (Math.abs(la - lb) > k) return k + 1;
  if (la === 0 || lb === 0) return Math.max(la, lb);
  if (la <= 1 && lb <= 1) return 1;
  if (Math.max(la, lb) > 32) return Math.min(distance(a.slice(start, endA), b.slice(start, endB)), k + 1);
  // row[j]: distance between a[start..start+i) and b[start..start+j); outside the band counts k + 1.
  if (row.length < lb + 1) row = new Int32Array((lb + 1) * 2);
  const big = k + 1;
  for (let j = 0; j <= lb; j++) row[j] = j <= k ? j : big;
  for (let i = 1; i <= la; i++) {
    const from = Math.max(1, i - k);
    const to = Math.min(lb, i + k);
    let diagonal = row[from - 1]!;
    row[from - 1] = from - 1 === 0 ? (i <= k ? i : big) : big;
    let best = row[from - 1]!;
    const ca = a.charCodeAt(start + i - 1);
    for (let j = from; j <= to; j++) {
      const above = row[j]!;
      const cost = diagonal + (ca === b.charCodeAt(start + j - 1) ? 0 : 1);
      let value = Math.min(cost, above + 1, row[j - 1]! + 1);
      if (value > big) value = big;
      diagonal = above;
      row[j] = value;
      if (value < best) best = value;
    }
    if (to < lb) row[to + 1] = big;
    if (best > k) return big;
  }
  return Math.min(row[lb]!, big);
}

let flagsA = new Uint8Array(64);
let flagsB = new Uint8Array(64);

/**
 * Jaro-Winkler similarity in [0, 1]: 1 for equal strings, 0 when nothing is in
 * common. Winkler's constants: a shared prefix of up to 4 characters raises a
 * Jaro similarity above 0.7 by 0.1 per character of what is left to 1.
 */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1;
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  if (la > flagsA.length) flagsA = new Uint8Array(la * 2);
  if (lb > flagsB.length) flagsB = new Uint8Array(lb * 2);
  for (let i = 0; i < la; i++) flagsA[i] = 0;
  for (let j = 0; j < lb; j++) flagsB[j] = 0;
  const window = Math.max(0, (Math.max(la, lb) >> 1) - 1);
  let matches = 0;
  for (let i = 0; i < la; i++) {
    const c = a.charCodeAt(i);
    const end = Math.min(i + window + 1, lb);
    for (let j = Math.max(0, i - window); j < end; j++) {
      if (flagsB[j] === 0 && b.charCodeAt(j) === c) {
        flagsA[i] = 1;
        flagsB[j] = 1;
        matches++;
        break;
      }
    }
  }
  if (matches === 0) return 0;
  let halfTranspositions = 0;
  for (let i = 0, j = 0; i < la; i++) {
    if (flagsA[i] === 0) continue;
    while (flagsB[j] === 0) j++;
    if (a.charCodeAt(i) !== b.charCodeAt(j)) halfTranspositions++;
    j++;
  }
  const jaro = (matches / la + matches / lb + (matches - (halfTranspositions >> 1)) / matches) / 3;
  if (jaro <= 0.7) return jaro;
  let prefix = 0;
  const prefixMax = Math.min(4, la, lb);
  while (prefix < prefixMax && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

/** The distinct words of a string, sorted (for tokenSimilarity). */
export const wordsOf = (text: string): string[] => [...new Set(text.split(' ').filter((t) => t !== ''))].sort();

/** Jaccard similarity of two sorted word lists (from wordsOf). */
export function tokenSimilarity(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let common = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i] === b[j]) {
      common++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return common / (a.length + b.length - common);
}

/** The characters of a string as sorted codes (for jaroWinklerBound). */
export const sortedCodes = (text: string): Uint16Array => {
  const codes = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) codes[i] = text.charCodeAt(i);
  return codes.sort();
};

/**
 * An upper bound of jaroWinkler(a, b) from the characters the strings share
 * (ignoring order), far cheaper than the similarity itself: most pairs of
 * unrelated values are settled by it.
 */
export function jaroWinklerBound(a: string, b: string, codesA: Uint16Array, codesB: Uint16Array): number {
  let common = 0;
  for (let i = 0, j = 0; i < codesA.length && j < codesB.length; ) {
    const x = codesA[i]!;
    const y = codesB[j]!;
    if (x === y) {
      common++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  if (common === 0) return 0;
  const jaro = (common / a.length + common / b.length + 1) / 3;
  if (jaro <= 0.7) return jaro;
  let prefix = 0;
  const prefixMax = Math.min(4, a.length, b.length);
  while (prefix < prefixMax && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}
