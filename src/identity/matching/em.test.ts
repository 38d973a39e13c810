import { describe, expect, it } from 'vitest';
import { codePatterns, expectationMaximisation, initialM, PatternCounter } from './em.js';
import type { Factor } from './factors.js';
import { seededRandom } from './random.js';

/** Three independent fields of three levels each (exact, close, else): the classic Fellegi-Sunter mixture. */
const truth = {
  lambda: 0.08,
  m: [
    [0.9, 0.07, 0.03],
    [0.75, 0.2, 0.05],
    [0.85, 0.05, 0.1],
  ],
  u: [
    [0.01, 0.04, 0.95],
    [0.05, 0.1, 0.85],
    [0.002, 0.02, 0.978],
  ],
};

const draw = (random: () => number, probabilities: readonly number[]): number => {
  let x = random();
  for (let l = 0; l < probabilities.length - 1; l++) {
    x -= probabilities[l]!;
    if (x < 0) return l;
  }
  return probabilities.length - 1;
};

const factors: Factor[] = [0, 1, 2].map((f) => ({ name: `f${f}`, fields: [f], radix: [3], size: 3, exactCode: 0 }));

function simulate(pairs: number, seed: number): PatternCounter {
  const random = seededRandom(seed);
  const counter = new PatternCounter([3, 3, 3], [true, true, true]);
  const levels = new Uint8Array(3);
  for (let p = 0; p < pairs; p++) {
    const match = random() < truth.lambda;
    for (let f = 0; f < 3; f++) levels[f] = draw(random, (match ? truth.m : truth.u)[f]!);
    counter.add(levels, 0);
  }
  return counter;
}

describe('expectationMaximisation', () => {
  it('recovers lambda, m and u of a mixture with known parameters, without labels', () => {
    const counter = simulate(200_000, 7);
    const patterns = codePatterns(counter.build(), factors);
    // 27 possible patterns: EM costs patterns, not pairs.
    expect(patterns.counts.length).toBeLessThanOrEqual(27);
    const flatU = factors.map(() => Float64Array.from([1 / 3, 1 / 3, 1 / 3]));
    const result = expectationMaximisation(patterns, [true, true, true], { lambda: 0.3, m: factors.map(initialM), u: flatU }, { maxIterations: 500, tolerance: 1e-7, fixU: false, smoothing: 0 });
    expect(result.converged).toBe(true);
    expect(result.lambda).toBeCloseTo(truth.lambda, 2);
    for (let f = 0; f < 3; f++) {
      for (let l = 0; l < 3; l++) {
        expect(Math.abs(result.m[f]![l]! - truth.m[f]![l]!)).toBeLessThan(0.02);
        expect(Math.abs(result.u[f]![l]! - truth.u[f]![l]!)).toBeLessThan(0.01);
      }
    }
  });

  it('with u held at its sampled values, estimates m alone', () => {
    const patterns = codePatterns(simulate(100_000, 11).build(), factors);
    const u = truth.u.map((row) => Float64Array.from(row));
    const result = expectationMaximisation(patterns, [true, true, true], { lambda: 0.3, m: factors.map(initialM), u }, { maxIterations: 500, tolerance: 1e-7, fixU: true, smoothing: 0 });
    expect(result.u.map((row) => Array.from(row))).toEqual(truth.u);
    for (let f = 0; f < 3; f++) expect(Math.abs(result.m[f]![0]! - truth.m[f]![0]!)).toBeLessThan(0.02);
  });

  it('leaves an inactive factor at its starting values', () => {
    const patterns = codePatterns(simulate(20_000, 3).build(), factors);
    const init = { lambda: 0.3, m: factors.map(initialM), u: factors.map(() => Float64Array.from([1 / 3, 1 / 3, 1 / 3])) };
    const result = expectationMaximisation(patterns, [true, false, true], init, { maxIterations: 200, tolerance: 1e-6, fixU: false });
    expect(Array.from(result.m[1]!)).toEqual(Array.from(init.m[1]!));
  });
});

describe('PatternCounter', () => {
  it('groups equal level vectors and counts missing values as their own level', () => {
    const counter = new PatternCounter([2, 2], [true, true]);
    counter.add([0, 1], 0);
    counter.add([0, 1], 0, 2);
    counter.add([0, 255], 0);
    const patterns = counter.build();
    expect(Array.from(patterns.counts)).toEqual([3, 1]);
    expect(Array.from(patterns.levels)).toEqual([0, 1, 0, 255]);
    expect(counter.total).toBe(4);
  });
});
