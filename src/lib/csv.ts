/**
 * CSV as RFC 4180 writes it: fields separated by commas, records by CRLF
 * (LF alone is read too), fields holding a comma, quote or line break quoted,
 * quotes inside doubled.
 */

/** One record, with the line of the text it starts on (1-based), for messages that point at it. */
export interface CsvRecord {
  readonly line: number;
  readonly fields: string[];
}

export type CsvParse = { readonly ok: true; readonly records: CsvRecord[] } | { readonly ok: false; readonly line: number; readonly error: string };

/**
 * Reads every record of `text`. Blank lines are skipped; a leading byte order
 * mark is ignored. Fails only where the text cannot be split into records at
 * all: a quote left open, or text right after a closing quote.
 */
export function parseCsv(text: string): CsvParse {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = text.startsWith('\uFEFF') ? 1 : 0;
  const endRecord = (): void => {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== '') records.push({ line: recordLine, fields });
    fields = [];
    field = '';
  };
  while (i < text.length) {
    const char = text[i];
    if (char === '"' && field === '') {
      const quoteLine = line;
      i += 1;
      for (;;) {
        if (i >= text.length) return { ok: false, line: quoteLine, error: 'a quoted field is never closed' };
        const inner = text[i];
        if (inner === '"') {
          if (text[i + 1] !== '"') break;
          field += '"';
          i += 2;
          continue;
        }
        if (inner === '\n') line += 1;
        field += inner;
        i += 1;
      }
      i += 1;
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        return { ok: false, line, error: 'text follows a closing quote; quotes inside a quoted field are written twice ("")' };
      }
      continue;
    }
    if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      endRecord();
      if (char === '\r' && text[i + 1] === '\n') i += 1;
      line += 1;
      recordLine = line;
    } else {
      field += char;
    }
    i += 1;
  }
  if (field !== '' || fields.length > 0) endRecord();
  return { ok: true, records };
}

/** One record as a CSV line, CRLF-terminated. */
export function formatCsvRecord(fields: readonly string[]): string {
  return `${fields.map((f) => (/[",\r\n]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(',')}\r\n`;
}
