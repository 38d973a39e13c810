/**
 * `tessera dedupe` and `tessera link`: the probabilistic matcher on files,
 * offline (no server). dedupe writes a cluster id per record; link writes
 * the cross-file pairs scored at or above the review threshold with their
 * match probability. `--auto` proposes a config from the columns. Progress
 * bars go to stderr on a terminal; the summary goes to stdout.
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import type { MatchConfig } from '../contracts/matching.js';
import { formatCsvRecord } from '../lib/csv.js';
import { proposeConfig } from '../identity/matching/auto-config.js';
import {
  concatTables,
  loadMatchConfig,
  log2Odds,
  missingColumns,
  probabilityOf,
  readTable,
  runMatching,
  TableReadError,
  type MatchProgress,
  type MatchRun,
  type RecordTable,
} from '../identity/matching/index.js';
import { CliError } from './api-client.js';

export interface MatchFlags {
  readonly config?: string;
  readonly auto?: boolean;
  readonly writeConfig?: string;
  readonly out?: string;
  readonly progress: boolean;
}

export interface MatchOutput {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

async function read(path: string): Promise<RecordTable> {
  try {
    return await readTable(path);
  } catch (error) {
    throw error instanceof TableReadError ? new CliError(error.message) : error;
  }
}

/** The config from --config, or proposed with --auto (printed or written as asked). */
async function chooseConfig(table: RecordTable, flags: MatchFlags, out: MatchOutput): Promise<MatchConfig> {
  if (flags.config !== undefined && flags.auto) throw new CliError('pass either --config <file> or --auto, not both');
  if (flags.config !== undefined) {
    const loaded = await loadMatchConfig(flags.config);
    if (!loaded.ok) throw new CliError(`invalid config:\n${loaded.error.map((p) => `  ${p.field}: ${p.message}`).join('\n')}`);
    return loaded.value;
  }
  if (!flags.auto) throw new CliError('pass --config <file> (see the README) or --auto to have one proposed');
  let proposal;
  try {
    proposal = proposeConfig(table);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const json = `${JSON.stringify(proposal.config, null, 2)}\n`;
  if (flags.writeConfig !== undefined) {
    await writeFile(flags.writeConfig, json);
    out.stderr.write(`wrote the proposed config to ${flags.writeConfig}\n`);
  } else if (flags.out === undefined) out.stdout.write(json);
  if (proposal.ignored.length > 0) out.stderr.write(`columns not used: ${proposal.ignored.join(', ')}\n`);
  return proposal.config;
}

/** Record ids from the config's id column (the first column when it names none). */
function withIds(table: RecordTable, config: MatchConfig): RecordTable {
  const problems = missingColumns(config, table.columnNames);
  if (problems.length > 0) throw new CliError(`the config does not fit the input:\n${problems.map((p) => `  ${p.field}: ${p.message}`).join('\n')}`);
  return config.id === undefined ? table : { ...table, ids: table.columns.get(config.id)! };
}

function progressBars(flags: MatchFlags, out: MatchOutput): MatchProgress | undefined {
  if (!flags.progress || out.stderr.isTTY !== true) return undefined;
  return {
    phase(label, total) {
      const bar = new cliProgress.SingleBar(
        { stream: out.stderr, format: `${label.padEnd(16)} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`, hideCursor: true, fps: 8 },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0);
      return { tick: (done) => bar.update(done), end: () => bar.stop() };
    },
  };
}

async function match(table: RecordTable, config: MatchConfig, mode: 'dedupe' | 'link', flags: MatchFlags, out: MatchOutput): Promise<MatchRun> {
  const progress = progressBars(flags, out);
  try {
    return await runMatching(table, config, { mode, ...(progress && { progress }) });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;

export async function runDedupe(file: string, flags: MatchFlags, out: MatchOutput): Promise<void> {
  const started = performance.now();
  const input = await read(file);
  const config = await chooseConfig(input, flags, out);
  if (flags.out === undefined) {
    if (flags.auto) return;
    throw new CliError('pass --out <clusters.csv>');
  }
  const table = withIds(input, config);
  const run = await match(table, config, 'dedupe', flags, out);
  const labels = run.clustering.labels;
  const sizes = new Int32Array(run.clustering.clusters);
  for (const label of labels) sizes[label]! += 1;
  const lines = [formatCsvRecord(['record_id', 'cluster_id', 'cluster_size'])];
  table.ids.forEach((id, i) => lines.push(formatCsvRecord([id, String(labels[i]! + 1), String(sizes[labels[i]!]!)])));
  await writeFile(flags.out, lines.join(''));
  const inGroups = labels.reduce((n, label) => n + (sizes[label]! > 1 ? 1 : 0), 0);
  out.stdout.write(
    `${table.ids.length} records, ${run.pairs.size} candidate pairs compared: ${run.clustering.clusters} clusters ` +
      `(${inGroups} records share one with another record); wrote ${flags.out} in ${seconds(started)}\n`,
  );
}

export async function runLink(fileA: string, fileB: string, flags: MatchFlags, out: MatchOutput): Promise<void> {
  const started = performance.now();
  const [a, b] = [await read(fileA), await read(fileB)];
  const names = [basename(fileA), basename(fileB)];
  if (names[0] === names[1]) names[1] = fileB;
  const config = await chooseConfig(concatTables([a, b], names), flags, out);
  if (flags.out === undefined) {
    if (flags.auto) return;
    throw new CliError('pass --out <pairs.csv>');
  }
  const table = concatTables([withIds(a, config), withIds(b, config)], names);
  const run = await match(table, config, 'link', flags, out);
  const review = log2Odds(run.thresholds.review);
  const labels = run.clustering.labels;
  const kept: number[] = [];
  for (let p = 0; p < run.pairs.size; p++) if (run.weights[p]! >= review) kept.push(p);
  kept.sort((x, y) => run.weights[y]! - run.weights[x]!);
  const lines = [formatCsvRecord(['a_id', 'b_id', 'match_probability', 'match_weight', 'linked'])];
  let linked = 0;
  for (const p of kept) {
    // Records of the first file come first in the table, so a pair's left record is from it.
    const i = run.pairs.left(p);
    const j = run.pairs.right(p);
    const together = labels[i] === labels[j];
    if (together) linked++;
    const weight = run.weights[p]!;
    lines.push(formatCsvRecord([table.ids[i]!, table.ids[j]!, probabilityOf(weight).toFixed(6), weight.toFixed(3), together ? 'true' : 'false']));
  }
  await writeFile(flags.out, lines.join(''));
  out.stdout.write(
    `${a.ids.length} + ${b.ids.length} records, ${run.pairs.size} candidate pairs compared: ${kept.length} pairs at or above ` +
      `probability ${run.thresholds.review}, ${linked} linked (above ${run.thresholds.autoMerge} and kept by clustering); wrote ${flags.out} in ${seconds(started)}\n`,
  );
}
