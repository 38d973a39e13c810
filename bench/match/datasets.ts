/**
 * The public person-matching sets in ../shared/benchmarks/identity (see its
 * SOURCE.md), read in place: never copied into the project. Each loader gives
 * the records, the ground truth (a cluster label per record, used only to
 * score the result) and how the set is matched.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MatchConfig } from '../../src/contracts/matching.js';
import { concatTables, parseMatchConfig, parseTable, type RecordTable } from '../../src/identity/matching/index.js';
import { generateCustomers } from './synthetic.js';

export const dataRoot = fileURLToPath(new URL('../../../shared/benchmarks/identity/', import.meta.url));
const configRoot = fileURLToPath(new URL('./configs/', import.meta.url));

export interface BenchSet {
  readonly name: string;
  readonly mode: 'dedupe' | 'link';
  readonly table: RecordTable;
  readonly truth: readonly string[];
  readonly config: MatchConfig;
  /** Published figures to print beside ours. */
  readonly published?: string;
}

export function loadConfig(name: string, overrides: Partial<MatchConfig> = {}): MatchConfig {
  const parsed = parseMatchConfig({ ...(JSON.parse(readFileSync(join(configRoot, name), 'utf8')) as object), ...overrides });
  if (!parsed.ok) throw new Error(`${name}: ${parsed.error.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  return parsed.value;
}

const read = (path: string): string => readFileSync(join(dataRoot, path), 'utf8');

const febrlEntity = (id: string): string => id.split('-').slice(0, 2).join('-');

export function febrlDedupe(n: 1 | 2 | 3, published?: string): BenchSet {
  const table = parseTable(read(`febrl/dataset${n}.csv`), `dataset${n}.csv`, 'rec_id');
  return { name: `FEBRL${n}`, mode: 'dedupe', table, truth: table.ids.map(febrlEntity), config: loadConfig('febrl.json'), ...(published && { published }) };
}

export function febrl4(published?: string): BenchSet {
  const a = parseTable(read('febrl/dataset4a.csv'), 'dataset4a.csv', 'rec_id');
  const b = parseTable(read('febrl/dataset4b.csv'), 'dataset4b.csv', 'rec_id');
  const table = concatTables([a, b], ['4a', '4b']);
  // Each file holds every person once (the FEBRL4 task): records of one file never merge.
  const config = loadConfig('febrl.json', { source: { uniqueWithin: true } });
  return { name: 'FEBRL4 (link)', mode: 'link', table, truth: table.ids.map(febrlEntity), config, ...(published && { published }) };
}

export function ncvr(corruption: 0 | 20 | 40, published?: string): BenchSet {
  const header = 'recid,givenname,surname,suburb,postcode';
  const lines: string[] = ['id,source,' + header];
  for (let source = 0; source < 5; source++) {
    const text = read(`ncvr_leipzig_5party/ncvr_numrec_5000_modrec_2_ocp_${corruption}_myp_${source}_nump_5.csv`);
    // The ocp_0 files carry a 19-column header over 5-column rows (SOURCE.md): skip every header.
    text
      .split(/\r?\n/)
      .slice(1)
      .forEach((line, n) => {
        if (line.trim() !== '') lines.push(`${source}:${n + 2},${source},${line}`);
      });
  }
  const table = parseTable(lines.join('\n'), 'ncvr.csv', 'id');
  const truth = table.columns.get('recid')!;
  return { name: `NCVR ${corruption}% (5 sources)`, mode: 'dedupe', table, truth, config: loadConfig('ncvr.json'), ...(published && { published }) };
}

export function fake1000(): BenchSet {
  const table = parseTable(read('splink/fake_1000.csv'), 'fake_1000.csv', 'unique_id');
  return { name: 'Splink fake_1000', mode: 'dedupe', table, truth: table.columns.get('cluster')!, config: loadConfig('fake_1000.json') };
}

export function historicalFigures(): BenchSet {
  const table = parseTable(read('splink/historical_figures_with_errors_50k.csv'), 'historical_figures.csv', 'unique_id');
  return { name: 'Splink historical_figures_50k', mode: 'dedupe', table, truth: table.columns.get('cluster')!, config: loadConfig('historical_figures.json') };
}

export function rldata(size: 500 | 10000): BenchSet {
  const table = parseTable(read(`rldata/RLdata${size}.csv`), `RLdata${size}.csv`, 'record_id');
  return { name: `RLdata${size}`, mode: 'dedupe', table, truth: table.columns.get('label_true')!, config: loadConfig('rldata.json') };
}

export function customers(records: number, seed = 1): BenchSet {
  const data = generateCustomers(records, seed);
  const table: RecordTable = { ids: data.rows.id!, columns: new Map(Object.entries(data.rows)), columnNames: data.columns };
  return { name: `synthetic customers ${records.toLocaleString('en')}`, mode: 'dedupe', table, truth: Array.from(data.truth, String), config: loadConfig('customers.json') };
}
