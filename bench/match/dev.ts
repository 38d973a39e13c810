import { evaluateClusters, runMatching } from '../../src/identity/matching/index.js';
import * as sets from './datasets.js';
const which = process.argv[2] ?? 'febrl4';
const set = which === 'febrl4' ? sets.febrl4() : which.startsWith('febrl') ? sets.febrlDedupe(Number(which.slice(5)) as 1) : which.startsWith('ncvr') ? sets.ncvr(Number(which.slice(4)) as 20) : which.startsWith('cust') ? sets.customers(Number(which.slice(4))) : which === 'fake' ? sets.fake1000() : which === 'hist' ? sets.historicalFigures() : sets.rldata(Number(which.slice(6)) as 500);
const t = performance.now();
const run = await runMatching(set.table, set.config, { mode: set.mode });
const ms = performance.now() - t;
const acc = evaluateClusters(run.clustering.labels, set.truth);
console.log(set.name, 'pairs', run.pairs.size, 'ms', ms.toFixed(0), run.timings);
console.log(JSON.stringify(acc));
console.log('lambda', run.model.lambda, 'expected', run.training.expectedMatches, 'refused', run.clustering.refused);
for (const r of run.training.rules) console.log(' rule', r.rule, r.pairs, r.lambda.toFixed(4), r.iterations, r.converged, r.estimated.join(','));
console.log('dependence', run.training.dependence.map((d) => `${d.a}~${d.b}:${d.lift.toFixed(1)}(${d.together})`).join(' '));
for (const f of run.model.factors) console.log(' ', f.factor.name.padEnd(14), f.labels.map((l, i) => [l, i] as const).filter(([, i]) => f.m[i]! > 0.002 || f.factor.size < 10).map(([l, i]) => `${l}: m=${f.m[i]!.toFixed(3)} u=${f.u[i]!.toExponential(1)} w=${Math.log2(f.m[i]!/f.u[i]!).toFixed(1)}`).join(' | '));
// pairwise (pre-cluster) at p>0.5
let tp = 0, fp = 0; for (let p = 0; p < run.pairs.size; p++) { if (run.weights[p]! > 0) { if (set.truth[run.pairs.left(p)] === set.truth[run.pairs.right(p)]) tp++; else fp++; } }
console.log('pairs above 0.5: tp', tp, 'fp', fp, 'true', acc.truePairs);
if (process.argv[3] === 'errors') {
  const labels = run.clustering.labels;
  let shown = 0;
  // false negatives: true pairs not together
  const byTruth = new Map<string, number[]>(); set.truth.forEach((t, i) => { const l = byTruth.get(t) ?? []; l.push(i); byTruth.set(t, l); });
  for (const members of byTruth.values()) { for (let a = 0; a < members.length; a++) for (let b = a + 1; b < members.length; b++) { const i = members[a]!, j = members[b]!; if (labels[i] !== labels[j] && shown < 15) { shown++; const e = run.scorer.explain(i, j); console.log('FN', e.weight.toFixed(1), e.factors.map((f) => `${f.values.map((v) => `${v.left}|${v.right}`).join(',')}:${f.label}:${(f.weight + f.termFrequencyAdjustment).toFixed(1)}`).join('  ')); } } }
  shown = 0;
  const byLabel = new Map<number, number[]>(); labels.forEach((t, i) => { const l = byLabel.get(t) ?? []; l.push(i); byLabel.set(t, l); });
  for (const members of byLabel.values()) { for (let a = 0; a < members.length; a++) for (let b = a + 1; b < members.length; b++) { const i = members[a]!, j = members[b]!; if (set.truth[i] !== set.truth[j] && shown < 15) { shown++; const e = run.scorer.explain(i, j); console.log('FP', e.weight.toFixed(1), e.factors.map((f) => `${f.values.map((v) => `${v.left}|${v.right}`).join(',')}:${f.label}:${(f.weight + f.termFrequencyAdjustment).toFixed(1)}`).join('  ')); } } }
}
