import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ImportFormat } from '../contracts/index.js';
import { ImportFileError, readFile, type FileItem, type ReadStart } from './import-readers.js';

/** The text in chunks of the given sizes (cycled), as an HTTP body arrives. */
async function* chunked(text: string | Buffer, sizes: readonly number[] = [1 << 16]): AsyncGenerator<Buffer> {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

interface Seen {
  kind: string;
  line?: number;
  endLine: number;
  end: number;
  columns?: readonly string[];
  values?: Record<string, unknown>;
  error?: string;
  raw?: string;
}

async function read(format: ImportFormat, text: string | Buffer, options: { sizes?: number[]; start?: ReadStart; columns?: string[] } = {}): Promise<Seen[]> {
  const items: Seen[] = [];
  for await (const item of readFile(format, chunked(text, options.sizes), options.start ?? { offset: 0, line: 0 })) items.push(seen(item, options.columns));
  return items;
}

function seen(item: FileItem, columns: readonly string[] = ['a', 'b', 'c']): Seen {
  if (item.kind === 'header') return { kind: 'header', columns: item.columns, endLine: item.endLine, end: item.end };
  const values = item.values === undefined ? undefined : Object.fromEntries(columns.map((c) => [c, item.values!.get(c)]));
  return {
    kind: 'record',
    line: item.line,
    endLine: item.endLine,
    end: item.end,
    ...(values && { values }),
    ...(item.error !== undefined && { error: item.error }),
    raw: item.raw(),
  };
}

describe('CSV reader', () => {
  it('reads the header, then records with their lines and end offsets', async () => {
    const text = 'a,b,c\r\n1,2,3\r\n4,5,6';
    expect(await read('csv', text)).toEqual([
      { kind: 'header', columns: ['a', 'b', 'c'], endLine: 1, end: 7 },
      { kind: 'record', line: 2, endLine: 2, end: 14, values: { a: '1', b: '2', c: '3' }, raw: '1,2,3' },
      { kind: 'record', line: 3, endLine: 3, end: 19, values: { a: '4', b: '5', c: '6' }, raw: '4,5,6' },
    ]);
  });

  it('reads quoted fields with delimiters, doubled quotes and line breaks; the next record starts on the right line', async () => {
    const text = 'a,b,c\n"x, y","say ""hi""","two\nlines"\n\n7,,9\n';
    const items = await read('csv', text);
    expect(items.slice(1)).toEqual([
      { kind: 'record', line: 2, endLine: 3, end: 38, values: { a: 'x, y', b: 'say "hi"', c: 'two\nlines' }, raw: '"x, y","say ""hi""","two\nlines"' },
      { kind: 'record', line: 5, endLine: 5, end: 44, values: { a: '7', b: '', c: '9' }, raw: '7,,9' },
    ]);
  });

  it('skips a byte order mark and blank lines, and reads CR alone as a line break', async () => {
    const text = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a,b,c\r\r\n1,2,3\r4,5,6\r\n')]);
    const items = await read('csv', text);
    expect(items.map((i) => [i.kind, i.line, i.columns ?? i.values])).toEqual([
      ['header', undefined, ['a', 'b', 'c']],
      ['record', 3, { a: '1', b: '2', c: '3' }],
      ['record', 4, { a: '4', b: '5', c: '6' }],
    ]);
  });

  it('reports a record with the wrong number of fields, text after a closing quote, or an unclosed quote, and reads on', async () => {
    const text = 'a,b,c\n1,2\n"x"y,2,3\n4,5,6\n"open,2,3\n7,8,9\n';
    const items = await read('csv', text);
    expect(items.slice(1).map((i) => [i.line, i.error ?? i.values])).toEqual([
      [2, 'has 2 fields; the header has 3'],
      [3, expect.stringMatching(/text follows a closing quote/)],
      [4, { a: '4', b: '5', c: '6' }],
      [5, expect.stringMatching(/quoted field is never closed/)],
      [6, { a: '7', b: '8', c: '9' }],
    ]);
  });

  it('reads TSV with tabs as the delimiter', async () => {
    const items = await read('tsv', 'a\tb\tc\n1\t2,3\t"4\t5"\n');
    expect(items[1]?.values).toEqual({ a: '1', b: '2,3', c: '4\t5' });
  });

  it('resumes after a record: from its end offset, with the header given, on the next line', async () => {
    const text = 'a,b,c\n1,2,3\n"multi\nline",5,6\n7,8,9\n';
    const all = await read('csv', text);
    const first = all[2]!;
    const rest = await read('csv', Buffer.from(text).subarray(first.end), { start: { offset: first.end, line: first.endLine, columns: ['a', 'b', 'c'] } });
    expect(rest).toEqual(all.slice(3));
  });

  it('reads the same records whatever the chunk sizes (multi-byte characters split included)', async () => {
    const row = fc.tuple(fc.string({ unit: 'grapheme', maxLength: 6 }), fc.string({ maxLength: 6 }), fc.integer()).map(([a, b, n]) => [a, b, String(n)]);
    const quote = (field: string) => (/[",\r\n]/.test(field) || field === '' ? `"${field.replaceAll('"', '""')}"` : field);
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }), async (rows, sizes) => {
        const text = ['a,b,c', ...rows.map((r) => r.map(quote).join(','))].join('\r\n');
        const whole = await read('csv', text);
        expect(await read('csv', text, { sizes })).toEqual(whole);
        expect(whole.slice(1).map((i) => i.values && [i.values.a, i.values.b, i.values.c])).toEqual(rows);
      }),
      { numRuns: 150 },
    );
  });
});

describe('NDJSON reader', () => {
  it('reads one object per line, reporting lines that are not JSON objects', async () => {
    const text = '{"a":1,"b":{"c":"deep"}}\n\nnot json\n[1]\n{"a":2}';
    const items = await read('ndjson', text, { columns: ['a', 'b.c'] });
    expect(items.map((i) => [i.line, i.error ?? i.values, i.end])).toEqual([
      [1, { a: 1, 'b.c': 'deep' }, 25],
      [3, expect.stringMatching(/^is not valid JSON/), 35],
      [4, 'is an array, not a JSON object', 39],
      [5, { a: 2, 'b.c': undefined }, 46],
    ]);
  });
});

describe('JSON array reader', () => {
  const text = '[\n  {"a": 1, "b": "x]"},\n  {"a": 2,\n   "b": {"c": [1, 2]}},\n  {"a": oops},\n  "text"\n]\n';

  it('reads each element with the line it starts on, reporting those that are not objects', async () => {
    const items = await read('json', text, { columns: ['a', 'b'] });
    expect(items.map((i) => [i.line, i.endLine, i.error ?? i.values])).toEqual([
      [2, 2, { a: 1, b: 'x]' }],
      [3, 4, { a: 2, b: { c: [1, 2] } }],
      [5, 5, expect.stringMatching(/^is not valid JSON/)],
      [6, 6, 'is a string, not a JSON object'],
    ]);
    expect(await read('json', text, { columns: ['a', 'b'], sizes: [1, 2, 3] })).toEqual(items);
  });

  it('resumes just after an element', async () => {
    const all = await read('json', text, { columns: ['a', 'b'] });
    const first = all[0]!;
    const rest = await read('json', Buffer.from(text).subarray(first.end), { columns: ['a', 'b'], start: { offset: first.end, line: first.endLine } });
    expect(rest).toEqual(all.slice(1));
  });

  it('stops at a file that is not an array, or that ends early, naming the line', async () => {
    await expect(read('json', '{"a": 1}')).rejects.toThrow(ImportFileError);
    await expect(read('json', '{"a": 1}')).rejects.toThrow(/must start with \[/);
    await expect(read('json', '[{"a": 1},\n{"a": 2}')).rejects.toMatchObject({ line: 2, message: expect.stringMatching(/ends before the closing \]/) });
    await expect(read('json', '[{"a": 1} {"a": 2}]')).rejects.toThrow(/expected , or \]/);
    await expect(read('json', '')).rejects.toThrow(/empty/);
    expect(await read('json', ' [ ] ')).toEqual([]);
  });
});
