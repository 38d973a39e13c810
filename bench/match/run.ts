/**
 * Probabilistic matching benchmark: the public person-matching sets in
 * ../shared/benchmarks/identity (read in place), each matched without labels
 * (EM for m, random pairs for u, threshold = the config's autoMerge match
 * probability, 0.5 by default; the truth only scores the result), then a
 * generated customer file deduped at scale.
 *
 *   npm run bench:match -- [--sets febrl4,febrl3,ncvr20,ncvr40,...] [--records 1000000] [--no-synthetic]
 *
 * Prints per set: records, candidate pairs compared, pairwise precision,
 * recall and F1, cluster-level precision and recall (clusters of two or more
 * found with exactly their members), wall time, and the published figure it
 * stands beside. The synthetic set runs in a child process so that its peak
 * memory (max RSS) is its own.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { evaluateClusters, runMatching, type Accuracy } from '../../src/identity/matching/index.js';
import * as sets from './datasets.js';

const publicSets: Readonly<Record<string, () => sets.BenchSet>> = {
  febrl1: () => sets.febrlDedupe(1),
  febrl2: () => sets.febrlDedupe(2),
  febrl3: () => sets.febrlDedupe(3, 'Splink F1 0.9929; goal >= 0.995'),
  febrl4: () => sets.febrl4('Splink F1 0.9992; goal >= 0.999 in < 5 s'),
  ncvr0: () => sets.ncvr(0),
  ncvr20: () => sets.ncvr(20, 'plain 4-field FS tuned on truth F1 0.959; goal >= 0.97'),
  ncvr40: () => sets.ncvr(40, 'plain 4-field FS tuned on truth F1 0.912; goal >= 0.95'),
  fake1000: () => sets.fake1000(),
  rldata500: () => sets.rldata(500),
  rldata10000: () => sets.rldata(10000),
  historical50k: () => sets.historicalFigures(),
};

const { values: flags } = parseArgs({
  options: {
    sets: { type: 'string', default: Object.keys(publicSets).join(',') },
    records: { type: 'string', default: '1000000' },
    'no-synthetic': { type: 'boolean', default: false },
    /** Internal: run only the synthetic set, in this process, and print its row as JSON. */
    'synthetic-child': { type: 'boolean', default: false },
  },
});

interface Row {
  readonly name: string;
  readonly records: number;
  readonly pairs: number;
  readonly accuracy: Accuracy;
  readonly seconds: number;
  readonly peakMb?: number;
  readonly published?: string;
  /** Seconds per phase of the run (prepare, blocking, comparing, training, scoring, clustering). */
  readonly phases: Readonly<Record<string, number>>;
}

async function measure(set: sets.BenchSet): Promise<Row> {
  const started = performance.now();
  const run = await runMatching(set.table, set.config, { mode: set.mode });
  const seconds = (performance.now() - started) / 1000;
  const phases = Object.fromEntries(Object.entries(run.timings).map(([phase, ms]) => [phase, ms / 1000]));
  return { name: set.name, records: set.table.ids.length, pairs: run.pairs.size, accuracy: evaluateClusters(run.clustering.labels, set.truth), seconds, phases, ...(set.published && { published: set.published }) };
}

const f = (x: number): string => x.toFixed(4);
const header = ['set', 'records', 'pairs compared', 'precision', 'recall', 'F1', 'cluster P', 'cluster R', 'wall s', 'peak MB', 'published'];
const cells = (r: Row): string[] => [
  r.name,
  r.records.toLocaleString('en'),
  r.pairs.toLocaleString('en'),
  f(r.accuracy.precision),
  f(r.accuracy.recall),
  f(r.accuracy.f1),
  f(r.accuracy.clusterPrecision),
  f(r.accuracy.clusterRecall),
  r.seconds.toFixed(2),
  r.peakMb === undefined ? '' : r.peakMb.toFixed(0),
  r.published ?? '',
];
const printRow = (r: Row): void => console.log(`| ${cells(r).join(' | ')} |`);

if (flags['synthetic-child']) {
  const set = sets.customers(Number(flags.records));
  const row = await measure(set);
  // maxRSS is in kilobytes: the child's own peak, data generation included.
  console.log(JSON.stringify({ ...row, peakMb: process.resourceUsage().maxRSS / 1024 }));
} else {
  console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const name of flags.sets.split(',').filter((s) => s !== '')) {
    const load = publicSets[name];
    if (!load) throw new Error(`unknown set '${name}' (sets: ${Object.keys(publicSets).join(', ')})`);
    printRow(await measure(load()));
  }
  if (!flags['no-synthetic']) {
    const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, '--synthetic-child', '--records', flags.records], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (child.status !== 0) throw new Error(`synthetic run failed (exit ${child.status ?? child.signal})`);
    const row = JSON.parse(child.stdout) as Row;
    printRow({ ...row, published: 'goal < 180 s, < 4 GB' });
    console.log(`\n${row.name}, seconds by phase (the rest is generating the data): ${Object.entries(row.phases).map(([phase, s]) => `${phase} ${s.toFixed(1)}`).join(', ')}`);
  }
}
