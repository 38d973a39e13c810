import { describe, expect, it } from 'vitest';
import { clusterRecords } from './clustering.js';

/** Clusters with every pair's weight given by a function; candidate links are the pairs listed. */
function cluster(size: number, weight: (i: number, j: number) => number, links: [number, number][], threshold = 0) {
  return clusterRecords({
    size,
    left: Int32Array.from(links.map(([i]) => i)),
    right: Int32Array.from(links.map(([, j]) => j)),
    weights: Float64Array.from(links.map(([i, j]) => weight(i, j))),
    weight: (i, j) => weight(Math.min(i, j), Math.max(i, j)),
    threshold,
  });
}

const together = (labels: Int32Array, members: number[]): boolean => members.every((m) => labels[m] === labels[members[0]!]);

describe('clusterRecords', () => {
  // Person A: 0, 1, 2. Person B: 3, 4, 5. One weak link 2-3 just above the threshold.
  const people = (i: number): number => (i < 3 ? 0 : 1);
  const weight = (i: number, j: number): number => {
    if (i === 2 && j === 3) return 1;
    return people(i) === people(j) ? 15 : -12;
  };
  const links: [number, number][] = [
    [0, 1],
    [1, 2],
    [0, 2],
    [3, 4],
    [4, 5],
    [3, 5],
    [2, 3],
  ];

  it('does not chain two people together through one weak link', () => {
    const result = cluster(6, weight, links);
    expect(result.clusters).toBe(2);
    expect(together(result.labels, [0, 1, 2])).toBe(true);
    expect(together(result.labels, [3, 4, 5])).toBe(true);
    expect(result.labels[2]).not.toBe(result.labels[3]);
    expect(result.refused).toBeGreaterThan(0);
  });

  it('where connected components would merge them', () => {
    // The same links with every weight above the threshold: one person.
    expect(cluster(6, () => 5, links).clusters).toBe(1);
  });

  it('joins a record that matches a cluster strongly even when one direct comparison is poor', () => {
    const w = (i: number, j: number): number => (i === 0 && j === 2 ? -3 : 10);
    const result = cluster(3, w, [
      [0, 1],
      [1, 2],
      [0, 2],
    ]);
    expect(result.clusters).toBe(1);
  });

  it('never merges records that must not link', () => {
    // 0 and 2 come from one source that holds each person once.
    const w = (i: number, j: number): number => (i === 0 && j === 2 ? -Infinity : 20);
    const result = cluster(3, w, [
      [0, 1],
      [1, 2],
    ]);
    expect(result.labels[0]).not.toBe(result.labels[2]);
    expect(result.clusters).toBe(2);
  });

  it('numbers clusters in order of first record', () => {
    const result = cluster(4, (i, j) => (i === 1 && j === 3 ? 10 : -10), [[1, 3]]);
    expect(Array.from(result.labels)).toEqual([0, 1, 2, 1]);
  });
});
