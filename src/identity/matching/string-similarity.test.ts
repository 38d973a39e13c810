import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { editsWithin, jaroWinkler, jaroWinklerBound, levenshtein, sortedCodes, tokenSimilarity, wordsOf } from './string-similarity.js';

describe('jaroWinkler', () => {
  it.each([
    ['martha', 'marhta', 0.9611],
    ['dwayne', 'duane', 0.84],
    ['dixon', 'dicksonx', 0.8133],
    // Winkler's prefix counts at most four characters.
    ['abcdef', 'abcdxy', 0.8667],
    ['same', 'same', 1],
    ['abc', 'xyz', 0],
  ])('%s ~ %s = %f', (a, b, expected) => {
    expect(jaroWinkler(a, b)).toBeCloseTo(expected, 3);
    expect(jaroWinkler(b, a)).toBeCloseTo(expected, 3);
  });

  it('is never above the cheap bound the comparators use to skip pairs', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'abcdeor'), maxLength: 12 }), fc.string({ unit: fc.constantFrom(...'abcdeor'), maxLength: 12 }), (a, b) => {
        fc.pre(a !== '' && b !== '');
        expect(jaroWinkler(a, b)).toBeLessThanOrEqual(jaroWinklerBound(a, b, sortedCodes(a), sortedCodes(b)) + 1e-12);
      }),
    );
  });
});

describe('editsWithin', () => {
  it('equals the Levenshtein distance up to k, and k + 1 beyond', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'abcd'), maxLength: 40 }), fc.string({ unit: fc.constantFrom(...'abcd'), maxLength: 40 }), fc.integer({ min: 0, max: 4 }), (a, b, k) => {
        expect(editsWithin(a, b, k)).toBe(Math.min(levenshtein(a, b), k + 1));
      }),
    );
  });

  it.each([
    ['smith', 'smyth', 1],
    ['jonathan', 'johnathan', 1],
    ['kitten', 'sitting', 3],
  ])('%s -> %s takes %i edits', (a, b, edits) => {
    expect(editsWithin(a, b, 5)).toBe(edits);
  });
});

describe('tokenSimilarity', () => {
  it('is the Jaccard share of distinct words', () => {
    expect(tokenSimilarity(wordsOf('12 high street'), wordsOf('high street 12'))).toBe(1);
    expect(tokenSimilarity(wordsOf('12 high street'), wordsOf('14 high street'))).toBe(0.5);
    expect(tokenSimilarity(wordsOf(''), wordsOf('a'))).toBe(0);
  });
});
