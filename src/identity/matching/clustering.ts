/**
 * Pairwise scores -> clusters, respecting the scores: a greedy correlation
 * clustering. Candidate links are taken strongest first; two clusters merge
 * only when the sum, over every pair of records across them, of
 * (match weight - threshold weight) is positive. Pairs never compared are
 * scored on the spot, and a pair that must not link (two records of a source
 * known to hold each person once) counts minus infinity. So one weak link
 * cannot chain two people together: the many strong disagreements between
 * their other records outweigh it, while a record that matches several
 * members of a cluster strongly joins it even when one direct comparison is
 * poor (transitivity).
 */

export interface ClusterInput {
  readonly size: number;
  /** Candidate links: record pairs and their match weights. */
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly weights: Float64Array;
  /** Match weight of any two records; -Infinity when they must not link. */
  readonly weight: (i: number, j: number) => number;
  /** Weight (log2 odds) above which records belong together: log2 odds of autoMerge. */
  readonly threshold: number;
  /** Greedy passes over the links (later passes retry links refused earlier). */
  readonly passes?: number;
}

export interface Clustering {
  /** Cluster number per record, 0-based, numbered in order of first record. */
  readonly labels: Int32Array;
  readonly clusters: number;
  readonly merges: number;
  /** Links above the threshold refused because the clusters as wholes disagree. */
  readonly refused: number;
}

export function clusterRecords(input: ClusterInput): Clustering {
  const { size, threshold } = input;
  const parent = new Int32Array(size);
  for (let i = 0; i < size; i++) parent[i] = i;
  const members = new Map<number, number[]>();
  const find = (x: number): number => {
    let root = x;
    while (parent[root] !== root) root = parent[root]!;
    while (parent[x] !== root) {
      const next = parent[x]!;
      parent[x] = root;
      x = next;
    }
    return root;
  };
  const membersOf = (root: number): number[] => members.get(root) ?? [root];

  const candidates: number[] = [];
  for (let p = 0; p < input.weights.length; p++) if (input.weights[p]! > threshold) candidates.push(p);
  const order = Uint32Array.from(candidates).sort((a, b) => input.weights[b]! - input.weights[a]!);

  let merges = 0;
  let refused = 0;
  const passes = input.passes ?? 3;
  for (let pass = 0; pass < passes; pass++) {
    let mergedThisPass = 0;
    refused = 0;
    for (const p of order) {
      const a = find(input.left[p]!);
      const b = find(input.right[p]!);
      if (a === b) continue;
      const ma = membersOf(a);
      const mb = membersOf(b);
      let gain = 0;
      if (ma.length === 1 && mb.length === 1) gain = input.weights[p]! - threshold;
      else {
        for (const x of ma) {
          for (const y of mb) {
            gain += input.weight(x, y) - threshold;
            if (gain === -Infinity) break;
          }
          if (gain === -Infinity) break;
        }
      }
      if (!(gain > 0)) {
        refused++;
        continue;
      }
      // Union by size: the larger cluster's root stays.
      const [root, child, rootMembers, childMembers] = ma.length >= mb.length ? [a, b, ma, mb] : [b, a, mb, ma];
      parent[child] = root;
      const merged = rootMembers.length === 1 ? [root] : rootMembers;
      for (const x of childMembers) merged.push(x);
      members.set(root, merged);
      members.delete(child);
      merges++;
      mergedThisPass++;
    }
    if (mergedThisPass === 0) break;
  }

  const labels = new Int32Array(size);
  const numbers = new Map<number, number>();
  for (let i = 0; i < size; i++) {
    const root = find(i);
    let n = numbers.get(root);
    if (n === undefined) {
      n = numbers.size;
      numbers.set(root, n);
    }
    labels[i] = n;
  }
  return { labels, clusters: numbers.size, merges, refused };
}
