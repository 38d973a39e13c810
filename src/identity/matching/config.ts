/**
 * Reading and checking a matcher config: the TypeBox schema first (shape and
 * ranges), then what a schema cannot say (names that must exist, parameters a
 * level type needs, levels that only make sense for one kind), each problem
 * located like `fields[1].levels[2].min`.
 */
import { readFile } from 'node:fs/promises';
import { MatchConfig, matchLevelParameters, type MatchFieldKind, type MatchLevel } from '../../contracts/matching.js';
import type { FieldProblem } from '../../lib/errors.js';
import { describeJsonError } from '../../lib/json-error-location.js';
import { err, ok, type Result } from '../../lib/result.js';
import { compileValidator } from '../../lib/validator.js';
import type { TrainingSettings } from './training.js';

const validate = compileValidator(MatchConfig);

const kindOnly: Partial<Record<MatchLevel['type'], readonly MatchFieldKind[]>> = {
  dayMonthSwapped: ['date'],
  withinDays: ['date'],
  numberWithin: ['number'],
  emailLocal: ['email'],
};

export const DEFAULT_AUTO_MERGE = 0.5;
export const DEFAULT_REVIEW = 0.1;

/** Checks a parsed JSON value; returns the config or every problem found. */
export function parseMatchConfig(value: unknown): Result<MatchConfig, FieldProblem[]> {
  const checked = validate(value);
  if (!checked.ok) return checked;
  const config = checked.value;
  const problems: FieldProblem[] = [];
  const names = new Set<string>();
  config.fields.forEach((field, f) => {
    if (names.has(field.name)) problems.push({ field: `fields[${f}].name`, rule: 'unique', message: `'${field.name}' is already the name of another field` });
    names.add(field.name);
  });
  config.fields.forEach((field, f) => {
    field.levels?.forEach((level, l) => {
      const at = `fields[${f}].levels[${l}]`;
      for (const parameter of matchLevelParameters[level.type]) {
        if (level[parameter] === undefined) problems.push({ field: `${at}.${parameter}`, rule: 'required', message: `is required for a ${level.type} level` });
      }
      if (level.type === 'numberWithin' && level.abs === undefined && level.rel === undefined) {
        problems.push({ field: at, rule: 'required', message: 'a numberWithin level needs abs or rel' });
      }
      const kinds = kindOnly[level.type];
      if (kinds && !kinds.includes(field.kind)) {
        problems.push({ field: `${at}.type`, rule: 'kind', message: `${level.type} applies to ${kinds.join(' or ')} fields, not ${field.kind}` });
      }
      if (level.type === 'swapped' && level.with !== undefined && (!names.has(level.with) || level.with === field.name)) {
        problems.push({ field: `${at}.with`, rule: 'field', message: `must name another field (one of ${[...names].filter((n) => n !== field.name).join(', ')})` });
      }
    });
    if (field.dateFormat !== undefined && field.kind !== 'date') {
      problems.push({ field: `fields[${f}].dateFormat`, rule: 'kind', message: 'applies to date fields only' });
    }
  });
  const { autoMerge = DEFAULT_AUTO_MERGE, review = DEFAULT_REVIEW } = config.thresholds ?? {};
  if (review > autoMerge) problems.push({ field: 'thresholds.review', rule: 'order', message: `must not be above autoMerge (${autoMerge})` });
  return problems.length > 0 ? err(problems) : ok(config);
}

/** Reads and checks a config file; problems name the file. */
export async function loadMatchConfig(path: string): Promise<Result<MatchConfig, FieldProblem[]>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return err([{ field: path, rule: 'readable', message: `cannot read the config: ${(error as Error).message}` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return err([{ field: path, rule: 'json', message: `is not valid JSON: ${describeJsonError(text, (error as Error).message)}` }]);
  }
  const parsed = parseMatchConfig(json);
  return parsed.ok ? parsed : err(parsed.error.map((p) => ({ ...p, field: `${path}: ${p.field}` })));
}

/** Names used by the config that the input lacks (checked once the input is read). */
export function missingColumns(config: MatchConfig, columns: readonly string[]): FieldProblem[] {
  const have = new Set(columns);
  const fieldNames = new Set(config.fields.map((f) => f.name));
  const problems: FieldProblem[] = [];
  const list = columns.join(', ');
  if (config.id !== undefined && !have.has(config.id)) problems.push({ field: 'id', rule: 'column', message: `column '${config.id}' is not in the input (columns: ${list})` });
  if (config.source?.column !== undefined && !have.has(config.source.column)) {
    problems.push({ field: 'source.column', rule: 'column', message: `column '${config.source.column}' is not in the input (columns: ${list})` });
  }
  config.fields.forEach((field, f) => {
    const wanted = field.column === undefined ? [field.name] : typeof field.column === 'string' ? [field.column] : field.column;
    for (const c of wanted) if (!have.has(c)) problems.push({ field: `fields[${f}].column`, rule: 'column', message: `column '${c}' is not in the input (columns: ${list})` });
  });
  for (const [at, rule] of config.blocking.map((r, i) => [`blocking[${i}]`, r] as const)) {
    rule.on.forEach((term, t) => {
      const name = typeof term === 'string' ? term : term.field;
      if (!fieldNames.has(name) && !have.has(name)) problems.push({ field: `${at}.on[${t}]`, rule: 'field', message: `'${name}' is neither a field nor a column` });
    });
  }
  return problems;
}

/** Random pairs drawn for u unless the config says: 20 per record, at least 100,000 and at most 1,000,000. */
export const defaultUSampleSize = (records: number): number => Math.min(1_000_000, Math.max(100_000, 20 * records));

export function trainingSettings(config: MatchConfig, records: number): TrainingSettings {
  return {
    maxIterations: config.em?.maxIterations ?? 50,
    tolerance: config.em?.tolerance ?? 1e-4,
    uSampleSize: config.em?.uSampleSize ?? defaultUSampleSize(records),
    fixU: config.em?.fixU ?? false,
    seed: config.em?.seed ?? 1,
    jointFields: config.em?.jointFields ?? 'auto',
  };
}

export function thresholds(config: MatchConfig): { autoMerge: number; review: number } {
  return { autoMerge: config.thresholds?.autoMerge ?? DEFAULT_AUTO_MERGE, review: config.thresholds?.review ?? DEFAULT_REVIEW };
}
