/**
 * A compared field's values, normalised and interned: every record holds the
 * id of its distinct value (or -1 when missing), so equal values compare as
 * integers, derived forms (phonetic codes, dates) are computed once per
 * distinct value, and the counts give term frequencies.
 */
import type { MatchField } from '../../contracts/matching.js';
import { normalizerFor } from './normalize.js';
import type { RecordTable } from './record-table.js';

export interface FieldValues {
  readonly name: string;
  readonly field: MatchField;
  /** Value id per record; -1 when missing. */
  readonly ids: Int32Array;
  /** Normalised value by value id. */
  readonly values: readonly string[];
  /** Records holding each value id. */
  readonly counts: Int32Array;
  /** Records with a value. */
  readonly present: number;
}

export const fieldColumns = (field: MatchField): readonly string[] =>
  field.column === undefined ? [field.name] : typeof field.column === 'string' ? [field.column] : field.column;

/** Normalises and interns one field of a table. Throws when a column is missing. */
export function fieldValues(table: RecordTable, field: MatchField): FieldValues {
  const sources = fieldColumns(field).map((c) => {
    const column = table.columns.get(c);
    if (!column) throw new Error(`field '${field.name}': column '${c}' is not in the input (columns: ${table.columnNames.join(', ')})`);
    return column;
  });
  const normalize = normalizerFor(field.kind, (field.dateFormat ?? 'auto'));
  const size = table.ids.length;
  const ids = new Int32Array(size);
  const index = new Map<string, number>();
  const values: string[] = [];
  const counts: number[] = [];
  const rawCache = new Map<string, number>();
  let present = 0;
  for (let i = 0; i < size; i++) {
    const raw = sources.length === 1 ? sources[0]![i]! : sources.map((s) => s[i] ?? '').join(' ').trim();
    let id = rawCache.get(raw);
    if (id === undefined) {
      const value = normalize(raw);
      if (value === null) id = -1;
      else {
        id = index.get(value);
        if (id === undefined) {
          id = values.length;
          index.set(value, id);
          values.push(value);
          counts.push(0);
        }
      }
      rawCache.set(raw, id);
    }
    ids[i] = id;
    if (id >= 0) {
      counts[id]! += 1;
      present++;
    }
  }
  return { name: field.name, field, ids, values, counts: Int32Array.from(counts), present };
}
