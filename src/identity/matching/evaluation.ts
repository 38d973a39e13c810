/**
 * Accuracy of a clustering against known truth (benchmarks, tests).
 * Pairwise: the record pairs put in one cluster against the pairs that truly
 * belong together. Cluster level: clusters of two or more records found
 * exactly (same members) among those predicted and among the true ones.
 */
export interface Accuracy {
  readonly truePairs: number;
  readonly predictedPairs: number;
  readonly correctPairs: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly clusterPrecision: number;
  readonly clusterRecall: number;
  readonly trueClusters: number;
  readonly predictedClusters: number;
}

const pairsIn = (n: number): number => (n * (n - 1)) / 2;

/** `predicted` and `truth`: a cluster label per record (any values; equal means together). */
export function evaluateClusters(predicted: ArrayLike<number | string>, truth: ArrayLike<number | string>): Accuracy {
  const size = predicted.length;
  const predictedSizes = new Map<number | string, number>();
  const trueSizes = new Map<number | string, number>();
  const joint = new Map<string, number>();
  // Per predicted cluster: its true label if all members share it, else null.
  const purity = new Map<number | string, number | string | null>();
  for (let i = 0; i < size; i++) {
    const p = predicted[i]!;
    const t = truth[i]!;
    predictedSizes.set(p, (predictedSizes.get(p) ?? 0) + 1);
    trueSizes.set(t, (trueSizes.get(t) ?? 0) + 1);
    const key = `${p}\u0001${t}`;
    joint.set(key, (joint.get(key) ?? 0) + 1);
    const seen = purity.get(p);
    if (seen === undefined) purity.set(p, t);
    else if (seen !== t) purity.set(p, null);
  }
  let truePairs = 0;
  for (const n of trueSizes.values()) truePairs += pairsIn(n);
  let predictedPairs = 0;
  for (const n of predictedSizes.values()) predictedPairs += pairsIn(n);
  let correctPairs = 0;
  for (const n of joint.values()) correctPairs += pairsIn(n);
  let exact = 0;
  let predictedClusters = 0;
  for (const [p, n] of predictedSizes) {
    if (n < 2) continue;
    predictedClusters++;
    const t = purity.get(p);
    if (t !== null && t !== undefined && trueSizes.get(t) === n) exact++;
  }
  let trueClusters = 0;
  for (const n of trueSizes.values()) if (n >= 2) trueClusters++;
  const precision = predictedPairs === 0 ? 1 : correctPairs / predictedPairs;
  const recall = truePairs === 0 ? 1 : correctPairs / truePairs;
  return {
    truePairs,
    predictedPairs,
    correctPairs,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    clusterPrecision: predictedClusters === 0 ? 1 : exact / predictedClusters,
    clusterRecall: trueClusters === 0 ? 1 : exact / trueClusters,
    trueClusters,
    predictedClusters,
  };
}
