/**
 * Streaming readers for import files: CSV and TSV (RFC 4180 quoting, the
 * delimiter aside), NDJSON and JSON arrays. They read the body chunk by chunk
 * and hold only the record being read, so a file of any length streams
 * through in bounded memory. Every record carries the line it starts on and
 * the byte offset just after it, so an interrupted upload can resume from the
 * last record taken in.
 *
 * Hand-written over bytes rather than a CSV library: resuming needs the exact
 * byte offset after each record and reporting needs the line each starts on
 * (csv-parse reports neither start lines nor per-record offsets with quoted
 * line breaks cheaply), and a byte scanner is several times faster.
 *
 * A record that cannot be read (an unclosed quote, text after a closing quote,
 * a field count that differs from the header's, invalid JSON) is yielded with
 * its error, and reading goes on with the next one. Only a file that cannot be
 * read at all stops the reader, with an ImportFileError.
 */
import type { ImportFormat } from '../contracts/index.js';

const lf = 0x0a;
const cr = 0x0d;
const quote = 0x22;
const comma = 0x2c;
const tab = 0x09;
const space = 0x20;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const backslash = 0x5c;

/** A quoted field longer than this without its closing quote is taken as a stray quote. */
const maxRecordBytes = 1024 * 1024;
/** No record or line may be longer: beyond it the file is not what its format says. */
const maxBufferedBytes = 16 * 1024 * 1024;
/** How much of a record is kept to show it in a reject. */
export const maxRawRecordChars = 4096;

/** A record's values by column: a header name (CSV/TSV) or a key or dotted path (NDJSON/JSON). */
export interface RecordValues {
  /** Text for CSV and TSV cells; any JSON value for NDJSON and JSON; undefined when absent. */
  get(column: string): unknown;
}

export interface FileRecord {
  readonly kind: 'record';
  /** The line the record starts on, 1-based. */
  readonly line: number;
  /** The last line the record is on (a quoted field or a JSON element may span lines). */
  readonly endLine: number;
  /** The byte offset just after the record and its line break: where reading resumes. */
  readonly end: number;
  /** The record's size in bytes. */
  readonly bytes: number;
  /** Undefined when the record could not be read; `error` says why. */
  readonly values: RecordValues | undefined;
  readonly error?: string;
  /** The record as it is in the file, at most maxRawRecordChars of it. */
  raw(): string;
}

/** The CSV/TSV header, read before the first record. */
export interface FileHeader {
  readonly kind: 'header';
  readonly columns: readonly string[];
  readonly endLine: number;
  readonly end: number;
}

export type FileItem = FileRecord | FileHeader;

/** Where reading starts: the top of the file, or just after a record read before. */
export interface ReadStart {
  /** Byte offset in the file of the first byte of the body. */
  readonly offset: number;
  /** The last line before `offset` (0 at the top of the file). */
  readonly line: number;
  /** The CSV/TSV header, when starting after it. */
  readonly columns?: readonly string[] | undefined;
}

/** The file cannot be read as its format says; the line tells where reading stopped. */
export class ImportFileError extends Error {
  readonly line: number;

  constructor(line: number, message: string) {
    super(message);
    this.name = 'ImportFileError';
    this.line = line;
  }
}

/** Reads the records of `body`, a file of `format` from `start` on. */
export function readFile(format: ImportFormat, body: AsyncIterable<Buffer | string>, start: ReadStart): AsyncGenerator<FileItem> {
  switch (format) {
    case 'csv':
      return readDelimited(body, comma, start);
    case 'tsv':
      return readDelimited(body, tab, start);
    case 'ndjson':
      return readNdjson(body, start);
    case 'json':
      return readJsonArray(body, start);
  }
}

const asBuffer = (chunk: Buffer | string): Buffer => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk);

/**
 * Yields the chunks of `body` with what was left unread of the previous one
 * in front; `consume` says how many bytes of each were read, and is called a
 * last time with `eof` set.
 */
async function* buffered<T>(
  body: AsyncIterable<Buffer | string>,
  start: ReadStart,
  consume: (buffer: Buffer, base: number, eof: boolean) => { used: number; items: T[] },
): AsyncGenerator<T> {
  let pending: Buffer = Buffer.alloc(0);
  // Absolute offset of pending[0].
  let base = start.offset;
  let atTop = start.offset === 0;
  for await (const raw of body) {
    let chunk: Buffer = asBuffer(raw);
    if (atTop) {
      chunk = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      pending = Buffer.alloc(0);
      if (chunk.length < 3) {
        pending = chunk;
        continue;
      }
      atTop = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
        chunk = chunk.subarray(3);
        base += 3;
      }
    }
    const buffer = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    const { used, items } = consume(buffer, base, false);
    yield* items;
    pending = buffer.subarray(used);
    base += used;
    if (pending.length > maxBufferedBytes) {
      throw new ImportFileError(-1, `a record or line is longer than ${maxBufferedBytes / 1024 / 1024} MiB; is the format right?`);
    }
  }
  const { items } = consume(pending, base, true);
  yield* items;
}

/** Counts line breaks (LF, CRLF, or CR alone) in buffer[from, to). */
function countBreaks(buffer: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const byte = buffer[i];
    if (byte === lf) n++;
    else if (byte === cr && buffer[i + 1] !== lf) n++;
  }
  return n;
}

/** The index just after the first line break at or after `from`, or -1 when there is none in the buffer. */
function afterBreak(buffer: Buffer, from: number): number {
  for (let i = from; i < buffer.length; i++) {
    const byte = buffer[i];
    if (byte === lf) return i + 1;
    if (byte === cr) {
      if (i + 1 >= buffer.length) return -1;
      return buffer[i + 1] === lf ? i + 2 : i + 1;
    }
  }
  return -1;
}

/** Text of buffer[from, to) without its trailing line break, cut to maxRawRecordChars. */
function rawText(buffer: Buffer, from: number, to: number): () => string {
  let end = to;
  while (end > from && (buffer[end - 1] === lf || buffer[end - 1] === cr)) end--;
  const cut = Math.min(end, from + maxRawRecordChars * 4);
  return () => buffer.toString('utf8', from, cut).slice(0, maxRawRecordChars);
}

type Parsed =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'record'; readonly fields: string[]; readonly next: number; readonly breaks: number }
  | { readonly kind: 'broken'; readonly error: string };

/**
 * One record from `pos`: its fields, where the next starts and how many line
 * breaks it holds (its own included). Incomplete when the buffer ends first
 * and more may come.
 */
function parseDelimited(buffer: Buffer, pos: number, delimiter: number, eof: boolean): Parsed {
  const fields: string[] = [];
  let i = pos;
  let breaks = 0;
  for (;;) {
    if (buffer[i] === quote) {
      let j = i + 1;
      let escaped = false;
      let close = -1;
      while (close === -1) {
        const q = buffer.indexOf(quote, j);
        if (q === -1 || (q + 1 >= buffer.length && !eof)) {
          if (!eof && buffer.length - pos <= maxRecordBytes) return { kind: 'incomplete' };
          return { kind: 'broken', error: 'a quoted field is never closed (a stray quote?)' };
        }
        if (buffer[q + 1] === quote) {
          escaped = true;
          j = q + 2;
        } else close = q;
      }
      breaks += countBreaks(buffer, i + 1, close);
      const text = buffer.toString('utf8', i + 1, close);
      fields.push(escaped ? text.replaceAll('""', '"') : text);
      i = close + 1;
      const after = buffer[i];
      if (after === delimiter) {
        i++;
        continue;
      }
      if (after !== undefined && after !== lf && after !== cr) {
        return { kind: 'broken', error: 'text follows a closing quote; quotes inside a quoted field are written twice ("")' };
      }
    } else {
      let j = i;
      while (j < buffer.length) {
        const byte = buffer[j];
        if (byte === delimiter || byte === lf || byte === cr) break;
        j++;
      }
      if (j >= buffer.length && !eof) return { kind: 'incomplete' };
      fields.push(buffer.toString('utf8', i, j));
      i = j;
      if (buffer[i] === delimiter) {
        i++;
        continue;
      }
    }
    // At a line break or the end of the file.
    if (i >= buffer.length) return { kind: 'record', fields, next: i, breaks };
    if (buffer[i] === cr) {
      if (i + 1 >= buffer.length && !eof) return { kind: 'incomplete' };
      i += buffer[i + 1] === lf ? 2 : 1;
    } else i += 1;
    return { kind: 'record', fields, next: i, breaks: breaks + 1 };
  }
}

function columnIndex(columns: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  // The first of two same-named columns wins; a mapping naming a repeated column is refused before reading.
  columns.forEach((name, i) => {
    if (!index.has(name)) index.set(name, i);
  });
  return index;
}

async function* readDelimited(body: AsyncIterable<Buffer | string>, delimiter: number, start: ReadStart): AsyncGenerator<FileItem> {
  let columns = start.columns;
  let index = columns === undefined ? undefined : columnIndex(columns);
  let line = start.line + 1;
  const consume = (buffer: Buffer, base: number, eof: boolean) => {
    const items: FileItem[] = [];
    let pos = 0;
    while (pos < buffer.length) {
      const parsed = parseDelimited(buffer, pos, delimiter, eof);
      if (parsed.kind === 'incomplete') break;
      if (parsed.kind === 'broken') {
        // Skip the record's first line only, and read on from the next: the quote at fault is on it.
        let next = afterBreak(buffer, pos);
        if (next === -1) {
          if (!eof) break;
          next = buffer.length;
        }
        const end = base + next;
        items.push({ kind: 'record', line, endLine: line, end, bytes: next - pos, values: undefined, error: parsed.error, raw: rawText(buffer, pos, next) });
        line += 1;
        pos = next;
        continue;
      }
      const { fields, next, breaks } = parsed;
      const recordLine = line;
      const endLine = line + Math.max(0, breaks - 1);
      line += breaks;
      const end = base + next;
      const blank = fields.length === 1 && fields[0] === '' && buffer[pos] !== quote;
      const startAt = pos;
      pos = next;
      if (blank) continue;
      if (index === undefined || columns === undefined) {
        columns = fields.map((f) => f.trim());
        index = columnIndex(columns);
        items.push({ kind: 'header', columns, endLine, end });
        continue;
      }
      const raw = rawText(buffer, startAt, next);
      if (fields.length !== columns.length) {
        const error = `has ${fields.length} field${fields.length === 1 ? '' : 's'}; the header has ${columns.length}`;
        items.push({ kind: 'record', line: recordLine, endLine, end, bytes: next - startAt, values: undefined, error, raw });
        continue;
      }
      const at = index;
      const values: RecordValues = { get: (column) => { const i = at.get(column); return i === undefined ? undefined : fields[i]; } };
      items.push({ kind: 'record', line: recordLine, endLine, end, bytes: next - startAt, values, raw });
    }
    return { used: pos, items };
  };
  yield* buffered(body, start, consume);
}

/** A column of a JSON record: a key of its own, else a dotted path into nested objects. */
function jsonValues(object: Record<string, unknown>): RecordValues {
  return {
    get(column) {
      if (Object.hasOwn(object, column)) return object[column];
      if (!column.includes('.')) return undefined;
      let node: unknown = object;
      for (const key of column.split('.')) {
        if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, key)) return undefined;
        node = (node as Record<string, unknown>)[key];
      }
      return node;
    },
  };
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Parses a JSON record; its values, or why it is not one. */
function jsonRecord(text: string): { values: RecordValues | undefined; error?: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { values: undefined, error: `is not valid JSON: ${(error as Error).message}` };
  }
  if (!isObject(value)) return { values: undefined, error: `is ${Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'null' : `a ${typeof value}`}, not a JSON object` };
  return { values: jsonValues(value) };
}

async function* readNdjson(body: AsyncIterable<Buffer | string>, start: ReadStart): AsyncGenerator<FileItem> {
  let line = start.line + 1;
  const consume = (buffer: Buffer, base: number, eof: boolean) => {
    const items: FileItem[] = [];
    let pos = 0;
    while (pos < buffer.length) {
      let next = buffer.indexOf(lf, pos);
      if (next === -1) {
        if (!eof) break;
        next = buffer.length;
      } else next += 1;
      const recordLine = line;
      line += 1;
      const startAt = pos;
      pos = next;
      const text = buffer.toString('utf8', startAt, next).trim();
      if (text === '') continue;
      const parsed = jsonRecord(text);
      items.push({ kind: 'record', line: recordLine, endLine: recordLine, end: base + next, bytes: next - startAt, ...parsed, raw: rawText(buffer, startAt, next) });
    }
    return { used: pos, items };
  };
  yield* buffered(body, start, consume);
}

type ArrayState = 'before' | 'first' | 'element' | 'after' | 'done';

const isSpace = (byte: number | undefined): boolean => byte === space || byte === lf || byte === cr || byte === tab;

/** The end (exclusive) of the JSON value at `pos`, or -1 when the buffer ends inside it. */
function valueEnd(buffer: Buffer, pos: number): number {
  const first = buffer[pos];
  if (first === quote) {
    for (let i = pos + 1; i < buffer.length; i++) {
      if (buffer[i] === backslash) i++;
      else if (buffer[i] === quote) return i + 1;
    }
    return -1;
  }
  if (first === openBrace || first === openBracket) {
    let depth = 0;
    let inString = false;
    for (let i = pos; i < buffer.length; i++) {
      const byte = buffer[i];
      if (inString) {
        if (byte === backslash) i++;
        else if (byte === quote) inString = false;
      } else if (byte === quote) inString = true;
      else if (byte === openBrace || byte === openBracket) depth++;
      else if (byte === closeBrace || byte === closeBracket) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  for (let i = pos; i < buffer.length; i++) {
    const byte = buffer[i];
    if (byte === comma || byte === closeBracket || isSpace(byte)) return i;
  }
  return -1;
}

async function* readJsonArray(body: AsyncIterable<Buffer | string>, start: ReadStart): AsyncGenerator<FileItem> {
  // Resuming starts just after an element: a comma or the closing bracket comes next.
  let state: ArrayState = start.offset === 0 ? 'before' : 'after';
  let line = start.line === 0 ? 1 : start.line;
  const consume = (buffer: Buffer, base: number, eof: boolean) => {
    const items: FileItem[] = [];
    let pos = 0;
    while (pos < buffer.length) {
      const byte = buffer[pos]!;
      if (isSpace(byte)) {
        if (byte === cr && pos + 1 >= buffer.length && !eof) break;
        if (byte === lf || (byte === cr && buffer[pos + 1] !== lf)) line++;
        pos++;
        continue;
      }
      if (state === 'before') {
        if (byte !== openBracket) throw new ImportFileError(line, 'a JSON import file is one array of objects: it must start with [');
        state = 'first';
        pos++;
      } else if (state === 'after') {
        if (byte === comma) state = 'element';
        else if (byte === closeBracket) state = 'done';
        else throw new ImportFileError(line, `expected , or ] after an element, got ${JSON.stringify(String.fromCharCode(byte))}`);
        pos++;
      } else if (state === 'done') {
        throw new ImportFileError(line, 'text after the closing ] of the array');
      } else if (byte === closeBracket && state === 'first') {
        state = 'done';
        pos++;
      } else {
        const end = valueEnd(buffer, pos);
        if (end === -1) {
          if (!eof) break;
          throw new ImportFileError(line, 'the file ends inside an element');
        }
        const recordLine = line;
        line += countBreaks(buffer, pos, end);
        items.push({ kind: 'record', line: recordLine, endLine: line, end: base + end, bytes: end - pos, ...jsonRecord(buffer.toString('utf8', pos, end)), raw: rawText(buffer, pos, end) });
        state = 'after';
        pos = end;
      }
    }
    if (eof && state !== 'done' && pos >= buffer.length) {
      throw new ImportFileError(line, state === 'before' ? 'the file is empty; a JSON import file is one array of objects' : 'the file ends before the closing ] of the array');
    }
    return { used: pos, items };
  };
  yield* buffered(body, start, consume);
}
