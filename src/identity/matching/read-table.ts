/**
 * Reads the files `tessera dedupe` and `tessera link` work on: CSV, TSV or
 * NDJSON (one JSON object a line), told apart by extension, or by the first
 * line when the extension says nothing. Values are trimmed.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseCsv } from '../../lib/csv.js';
import type { RecordTable } from './record-table.js';

export type TableFormat = 'csv' | 'tsv' | 'ndjson';

export class TableReadError extends Error {
  override readonly name = 'TableReadError';
}

export function detectFormat(path: string, firstLine: string): TableFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  if (ext === '.csv') return 'csv';
  if (firstLine.trimStart().startsWith('{')) return 'ndjson';
  return firstLine.includes('\t') && !firstLine.includes(',') ? 'tsv' : 'csv';
}

/** Reads a whole file into a table; `idColumn` (default: the first column) gives record ids. */
export async function readTable(path: string, idColumn?: string): Promise<RecordTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TableReadError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseTable(text, path, idColumn);
}

/** Parses a file's text (see readTable); `path` only chooses the format and names the file in errors. */
export function parseTable(text: string, path: string, idColumn?: string): RecordTable {
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'));
  const format = detectFormat(path, firstLine);
  const { header, rows } = format === 'ndjson' ? ndjsonRows(text, path) : delimitedRows(text, path, format);
  if (header.length === 0) throw new TableReadError(`${path}: the file is empty`);
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw new TableReadError(`${path}: the column '${name}' appears twice in the header`);
    seen.add(name);
  }
  const columns = new Map<string, string[]>(header.map((h) => [h, []]));
  const lists = header.map((h) => columns.get(h)!);
  for (const row of rows) lists.forEach((list, c) => list.push(row[c] ?? ''));
  const id = idColumn ?? header[0]!;
  const ids = columns.get(id);
  if (!ids) throw new TableReadError(`${path}: the id column '${id}' is not in the header (columns: ${header.join(', ')})`);
  return { ids, columns, columnNames: header };
}

function delimitedRows(text: string, path: string, format: 'csv' | 'tsv'): { header: string[]; rows: string[][] } {
  let records: string[][];
  if (format === 'tsv') {
    records = text
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '')
      .map((line) => line.split('\t'));
  } else {
    const parsed = parseCsv(text);
    if (!parsed.ok) throw new TableReadError(`${path}:${parsed.line}: ${parsed.error}`);
    records = parsed.records.map((r) => r.fields);
  }
  const [head, ...rows] = records;
  if (!head) return { header: [], rows: [] };
  const header = head.map((h) => h.trim());
  header.forEach((h, i) => {
    if (h === '') throw new TableReadError(`${path}: column ${i + 1} of the header has no name`);
  });
  return { header, rows: rows.map((r) => r.map((v) => v.trim())) };
}

function ndjsonRows(text: string, path: string): { header: string[]; rows: string[][] } {
  const header: string[] = [];
  const index = new Map<string, number>();
  const objects: Record<string, unknown>[] = [];
  text.split(/\r?\n/).forEach((line, n) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new TableReadError(`${path}:${n + 1}: not valid JSON: ${(error as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TableReadError(`${path}:${n + 1}: each line must be a JSON object`);
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      if (!index.has(key)) {
        index.set(key, header.length);
        header.push(key);
      }
    }
    objects.push(object);
  });
  const rows = objects.map((o) => header.map((h) => cell(o[h])));
  return { header, rows };
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
