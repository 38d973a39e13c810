/**
 * The records a matching run works on, column by column. Record `i` is row `i`
 * of every column. A link run puts several files in one table, each record
 * remembering which file (source) it came from.
 */
export interface RecordTable {
  /** Record ids, as given in the id column (unique within a source). */
  readonly ids: readonly string[];
  /** Raw values by column name; '' where a row had no value. */
  readonly columns: ReadonlyMap<string, readonly string[]>;
  /** Column names in input order. */
  readonly columnNames: readonly string[];
  /** Source index of each record, when records come from several sources. */
  readonly sources?: Int32Array;
  /** Names of the sources, by index. */
  readonly sourceNames?: readonly string[];
}

/** Builds a table from rows (objects by column). `id` names the id column; row numbers (1-based) when absent. */
export function tableFromRows(rows: readonly Readonly<Record<string, unknown>>[], id?: string): RecordTable {
  const columnNames: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!seen.has(key)) {
        seen.add(key);
        columnNames.push(key);
      }
    }
  }
  const columns = new Map<string, string[]>();
  for (const name of columnNames) columns.set(name, rows.map((row) => cellText(row[name])));
  const ids = id === undefined ? rows.map((_, i) => String(i + 1)) : (columns.get(id) ?? rows.map((_, i) => String(i + 1)));
  return { ids, columns, columnNames };
}

function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** One table holding `tables` in order; record sources are the table indexes. Columns missing from a table are empty there. */
export function concatTables(tables: readonly RecordTable[], names: readonly string[]): RecordTable {
  const columnNames: string[] = [];
  for (const t of tables) for (const c of t.columnNames) if (!columnNames.includes(c)) columnNames.push(c);
  const size = tables.reduce((s, t) => s + t.ids.length, 0);
  const sources = new Int32Array(size);
  const ids: string[] = [];
  let offset = 0;
  tables.forEach((t, index) => {
    sources.fill(index, offset, offset + t.ids.length);
    ids.push(...t.ids);
    offset += t.ids.length;
  });
  const columns = new Map<string, string[]>();
  for (const c of columnNames) {
    const values: string[] = [];
    for (const t of tables) {
      const column = t.columns.get(c);
      if (column) values.push(...column);
      else for (let i = 0; i < t.ids.length; i++) values.push('');
    }
    columns.set(c, values);
  }
  return { ids, columns, columnNames, sources, sourceNames: names };
}

/** Sets each record's source from a column's values (in order of first appearance). */
export function withSourceColumn(table: RecordTable, column: string): RecordTable {
  const values = table.columns.get(column);
  if (!values) throw new Error(`source column '${column}' is not in the input (columns: ${table.columnNames.join(', ')})`);
  const index = new Map<string, number>();
  const sources = new Int32Array(values.length);
  values.forEach((v, i) => {
    let s = index.get(v);
    if (s === undefined) {
      s = index.size;
      index.set(v, s);
    }
    sources[i] = s;
  });
  return { ...table, sources, sourceNames: [...index.keys()] };
}
