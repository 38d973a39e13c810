import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCsvRecord, parseCsv } from './csv.js';

describe('parseCsv', () => {
  it('splits records and fields, with the line each record starts on', () => {
    expect(parseCsv('a,b\r\nc,d\n\n e , f \n')).toEqual({
      ok: true,
      records: [
        { line: 1, fields: ['a', 'b'] },
        { line: 2, fields: ['c', 'd'] },
        { line: 4, fields: [' e ', ' f '] },
      ],
    });
  });

  it('reads quoted fields with commas, doubled quotes and line breaks, counting their lines', () => {
    expect(parseCsv('"x, y","say ""hi""","two\nlines"\nlast,"",\n')).toEqual({
      ok: true,
      records: [
        { line: 1, fields: ['x, y', 'say "hi"', 'two\nlines'] },
        { line: 3, fields: ['last', '', ''] },
      ],
    });
  });

  it('ignores a byte order mark and reads a last record without a line break', () => {
    expect(parseCsv('\uFEFFid\nlast')).toEqual({ ok: true, records: [{ line: 1, fields: ['id'] }, { line: 2, fields: ['last'] }] });
    expect(parseCsv('')).toEqual({ ok: true, records: [] });
  });

  it('fails, with the line, on a quote never closed or text after a closing quote', () => {
    expect(parseCsv('a\n"open,\nstill open')).toEqual({ ok: false, line: 2, error: 'a quoted field is never closed' });
    expect(parseCsv('"closed"then,x')).toMatchObject({ ok: false, line: 1 });
  });
});

describe('formatCsvRecord', () => {
  it('quotes only the fields that need it, and ends with CRLF', () => {
    expect(formatCsvRecord(['plain', 'a,b', 'say "hi"', 'two\nlines', ''])).toBe('plain,"a,b","say ""hi""","two\nlines",\r\n');
  });

  it('reads back what it writes', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', 'é') });
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 2, maxLength: 4 }), { maxLength: 5 }), (records) => {
        const parsed = parseCsv(records.map(formatCsvRecord).join(''));
        expect(parsed.ok && parsed.records.map((r) => r.fields)).toEqual(records);
      }),
    );
  });
});
