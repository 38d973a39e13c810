/**
 * One matching run over a table: normalise fields, block, compare the
 * candidate pairs, train the model without labels, score, and cluster. Used
 * by `tessera dedupe` / `tessera link` and the benchmarks; does no I/O beyond
 * the progress callbacks it is given.
 */
import type { MatchConfig } from '../../contracts/matching.js';
import { compileRule, forEachCandidatePair, type BlockingStats, type CompiledRule, type PairScope } from './blocking.js';
import { clusterRecords, type Clustering } from './clustering.js';
import { fieldComparator, type FieldComparator } from './comparators.js';
import { thresholds as configThresholds, trainingSettings } from './config.js';
import { fieldValues, type FieldValues } from './field-values.js';
import { log2Odds, PairScorer, type MatchModel } from './model.js';
import { nicknameIndex } from './nicknames.js';
import { PairBuffer } from './pair-buffer.js';
import { withSourceColumn, type RecordTable } from './record-table.js';
import { trainModel, type TrainingReport } from './training.js';

/** Reports progress of long phases; the CLI draws bars with it. */
export interface MatchProgress {
  phase(label: string, total: number): { tick(done: number): void; end(): void };
}

export interface MatchRunOptions {
  /** dedupe: records of one table; link: the table's sources (files) are linked to each other only. */
  readonly mode: 'dedupe' | 'link';
  readonly progress?: MatchProgress;
}

export interface MatchRun {
  readonly table: RecordTable;
  readonly scope: PairScope;
  readonly comparators: readonly FieldComparator[];
  readonly pairs: PairBuffer;
  /** Match weight of each candidate pair. */
  readonly weights: Float64Array;
  readonly model: MatchModel;
  readonly scorer: PairScorer;
  readonly clustering: Clustering;
  readonly blocking: readonly BlockingStats[];
  readonly training: TrainingReport;
  readonly thresholds: { readonly autoMerge: number; readonly review: number };
  /** Milliseconds per phase. */
  readonly timings: Readonly<Record<string, number>>;
}

/** Fills in the levels of every candidate pair. */
function comparePairs(pairs: PairBuffer, comparators: readonly FieldComparator[], progress?: MatchProgress): void {
  const F = comparators.length;
  const bar = progress?.phase('comparing pairs', pairs.size);
  const { left, right, levels } = pairs.arrays();
  for (let p = 0; p < pairs.size; p++) {
    const i = left[p]!;
    const j = right[p]!;
    const base = p * F;
    for (let f = 0; f < F; f++) levels[base + f] = comparators[f]!.compare(i, j);
    if (bar && (p & 0xffff) === 0) bar.tick(p);
  }
  bar?.tick(pairs.size);
  bar?.end();
}

export async function runMatching(input: RecordTable, config: MatchConfig, options: MatchRunOptions): Promise<MatchRun> {
  const timings: Record<string, number> = {};
  let clock = performance.now();
  const lap = (name: string): void => {
    const now = performance.now();
    timings[name] = now - clock;
    clock = now;
  };
  const table = options.mode === 'dedupe' && config.source?.column !== undefined ? withSourceColumn(input, config.source.column) : input;
  if (options.mode === 'link' && !table.sources) throw new Error('link needs records from several sources');
  const uniqueWithin = config.source?.uniqueWithin ?? false;
  const scope: PairScope = {
    ...(table.sources && { sources: table.sources }),
    crossSourceOnly: options.mode === 'link' || uniqueWithin,
  };
  const size = table.ids.length;

  const values = new Map<string, FieldValues>();
  for (const field of config.fields) values.set(field.name, fieldValues(table, field));
  const context = { nicknames: nicknameIndex(config.nicknames ?? []), fields: values };
  const comparators = config.fields.map((field) => fieldComparator(field, values.get(field.name)!, context));
  lap('prepare');

  const rules: CompiledRule[] = config.blocking.map((rule) => compileRule(rule, table, values));
  const pairs = new PairBuffer(comparators.length, 1 << 16);
  const blockingBar = options.progress?.phase('blocking', rules.length);
  let rulesDone = 0;
  let lastRule = 0;
  const blocking = forEachCandidatePair(rules, scope, (i, j, r) => {
    if (r !== lastRule) {
      lastRule = r;
      blockingBar?.tick(++rulesDone);
    }
    pairs.push(i, j);
  });
  blockingBar?.tick(rules.length);
  blockingBar?.end();
  lap('blocking');

  comparePairs(pairs, comparators, options.progress);
  lap('comparing');

  const trainingBar = options.progress?.phase('training (EM)', 1);
  const { model, report, factorValues } = trainModel({
    fields: config.fields,
    comparators,
    pairs,
    blockingRules: rules,
    scope,
    size,
    settings: trainingSettings(config, size),
  });
  trainingBar?.tick(1);
  trainingBar?.end();
  lap('training');

  const scorer = new PairScorer(model, comparators, factorValues);
  const weights = new Float64Array(pairs.size);
  const { left, right, levels } = pairs.arrays();
  const F = comparators.length;
  for (let p = 0; p < pairs.size; p++) weights[p] = scorer.weightOfLevels(levels, p * F, left[p]!);
  lap('scoring');

  const limits = configThresholds(config);
  const sources = table.sources;
  const forbidden = uniqueWithin ? sources : undefined;
  const clustering = clusterRecords({
    size,
    left,
    right,
    weights,
    threshold: log2Odds(limits.autoMerge),
    weight: (i, j) => (forbidden && forbidden[i] === forbidden[j] ? -Infinity : scorer.weight(i, j)),
  });
  lap('clustering');

  return { table, scope, comparators, pairs, weights, model, scorer, clustering, blocking, training: report, thresholds: limits, timings };
}
