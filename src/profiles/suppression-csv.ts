/**
 * The suppression list as a CSV file, with the columns of
 * `suppressionCsvColumns`: written by the export, read by the import (which
 * finds the columns by their header names, in any order).
 */
import { isSuppressionReason, suppressionCsvColumns, suppressionReasons, type SuppressionImportReport } from '../contracts/index.js';
import { parseIdentifierKey } from '../identity/index.js';
import { formatCsvRecord, parseCsv } from '../lib/csv.js';
import { invalid } from '../lib/errors.js';
import { err, ok, type Result } from '../lib/result.js';
import type { SuppressionRecord } from '../store/index.js';
import { suppressionView } from './profile-view.js';

type Column = (typeof suppressionCsvColumns)[number];

export const suppressionCsvHeader = formatCsvRecord(suppressionCsvColumns);

/**
 * A spreadsheet runs a cell starting with one of these as a formula. Only the
 * note is free text; identifier values are left as they are (a phone number
 * starts with +, and an import must read back what the export wrote).
 */
const formulaStart = /^[=+\-@\t\r]/;

export function suppressionCsvLine(record: SuppressionRecord): string {
  const view = suppressionView(record);
  const note = view.note ?? '';
  return formatCsvRecord([view.identifier, view.type, view.value, view.reason, formulaStart.test(note) ? `'${note}` : note, view.createdAt]);
}

/** As SuppressionInput allows through the JSON API. */
const maxNoteLength = 1000;

/** An entry read from a row, with the line it starts on. */
export interface CsvSuppression {
  readonly line: number;
  readonly record: SuppressionRecord;
}

export interface CsvSuppressions {
  readonly entries: CsvSuppression[];
  readonly rejections: SuppressionImportReport['rejections'];
}

/** Normalizes a `type:value` as the graph stores it; the error says why it is not one. */
export type NormalizeKey = (key: string) => Result<string, string>;

/**
 * Reads an import file: the valid rows as entries, the others as rejections
 * with their line and reason, so that one bad row never stops the rest.
 * Throws a validation error only when the file cannot be read at all (not
 * CSV, or a header without the columns needed). An entry without
 * `created_at` is stamped `now`.
 */
export function readSuppressionCsv(text: string, normalize: NormalizeKey, now: number): CsvSuppressions {
  const parsed = parseCsv(text);
  if (!parsed.ok) throw invalid([{ field: `line ${parsed.line}`, rule: 'csv', message: parsed.error }]);
  const [header, ...rows] = parsed.records;
  if (header === undefined) throw invalid([{ field: 'body', rule: 'required', message: `the file is empty; its first line is the header ${suppressionCsvHeader.trim()}` }]);
  const columns = readHeader(header.fields);
  const result: CsvSuppressions = { entries: [], rejections: [] };
  for (const { line, fields } of rows) {
    if (fields.length !== header.fields.length) {
      result.rejections.push({ line, reason: `has ${fields.length} fields; the header has ${header.fields.length}` });
      continue;
    }
    const cell = (column: Column): string => {
      const index = columns.get(column);
      return index === undefined ? '' : (fields[index] ?? '').trim();
    };
    const record = readRow(cell, normalize, now);
    if (record.ok) result.entries.push({ line, record: record.value });
    else result.rejections.push({ line, reason: record.error });
  }
  return result;
}

/** Column positions by name; the header must name a reason and an identifier (as `identifier`, or `type` and `value`). */
function readHeader(fields: readonly string[]): Map<Column, number> {
  const columns = new Map<Column, number>();
  const problems = fields.flatMap((raw, index) => {
    const name = raw.trim().toLowerCase();
    if (!(suppressionCsvColumns as readonly string[]).includes(name)) {
      return [{ field: `header[${index}]`, rule: 'enum', message: `"${raw}" is not a column; the columns are ${suppressionCsvColumns.join(', ')}` }];
    }
    if (columns.has(name as Column)) return [{ field: `header[${index}]`, rule: 'unique', message: `"${raw}" appears twice` }];
    columns.set(name as Column, index);
    return [];
  });
  if (!columns.has('reason')) problems.push({ field: 'header', rule: 'required', message: 'needs a reason column' });
  if (!columns.has('identifier') && !(columns.has('type') && columns.has('value'))) {
    problems.push({ field: 'header', rule: 'required', message: 'needs an identifier column, or type and value columns' });
  }
  if (problems.length > 0) throw invalid(problems);
  return columns;
}

function readRow(cell: (column: Column) => string, normalize: NormalizeKey, now: number): Result<SuppressionRecord, string> {
  const typeValue = cell('type') !== '' || cell('value') !== '' ? `${cell('type')}:${cell('value')}` : '';
  const written = cell('identifier') || typeValue;
  if (written === '') return err('has no identifier (identifier, or type and value)');
  const identifier = normalize(written);
  if (!identifier.ok) return identifier;
  if (cell('identifier') !== '' && typeValue !== '') {
    const other = normalize(typeValue);
    if (!other.ok || other.value !== identifier.value) return err(`identifier ${cell('identifier')} does not match type and value ${typeValue}`);
  }
  const reason = cell('reason');
  if (!isSuppressionReason(reason)) return err(`reason "${reason}" is not one of ${suppressionReasons.join(', ')}`);
  const createdAt = readTime(cell('created_at'), now);
  if (createdAt === undefined) return err(`created_at "${cell('created_at')}" is not an ISO-8601 timestamp`);
  const note = cell('note');
  if (note.length > maxNoteLength) return err(`note is longer than ${maxNoteLength} characters`);
  const type = parseIdentifierKey(identifier.value)?.type ?? '';
  return ok({ identifier: identifier.value, type, reason, note: note === '' ? null : note, createdAt });
}

/** Empty means now; else an ISO-8601 date and time, as the export writes it. */
function readTime(text: string, now: number): number | undefined {
  if (text === '') return now;
  const ms = Date.parse(text);
  return /^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(ms) ? ms : undefined;
}
