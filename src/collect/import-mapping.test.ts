import { describe, expect, it } from 'vitest';
import type { ImportMapping } from '../contracts/index.js';
import { compileMapping, type IdentifierPaths, type RowContext } from './import-mapping.js';
import type { RecordValues } from './import-readers.js';

/** The built-in identifier paths (as identity/identifiers.ts has them) plus a custom loyalty_id. */
const paths: Record<string, string[]> = {
  user_id: ['userId'],
  email: ['traits.email', 'context.traits.email', 'properties.email'],
  phone: ['traits.phone', 'context.traits.phone', 'properties.phone'],
  anonymous_id: ['anonymousId'],
  device_id: ['context.device.id'],
  loyalty_id: ['traits.loyalty_id', 'properties.loyalty_id'],
  crm_id: ['traits.crm_id'],
};
const identifierPaths: IdentifierPaths = (type) => paths[type]?.map((p) => p.split('.'));

const context: RowContext = {
  importId: 'imp_1',
  sourceId: 'src_crm',
  channel: 'import',
  messageIdPrefix: 'import:abc:',
  receivedAt: Date.UTC(2026, 0, 2),
  defaultTimestamp: '2026-01-01T00:00:00.000Z',
  textCells: true,
};

const compile = (mapping: ImportMapping) => {
  const compiled = compileMapping(mapping, identifierPaths);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.error));
  return compiled.value;
};
const problemsOf = (mapping: ImportMapping) => {
  const compiled = compileMapping(mapping, identifierPaths);
  return compiled.ok ? [] : compiled.error.map((p) => `${p.field}: ${p.message}`);
};
const row = (cells: Record<string, unknown>): RecordValues => ({ get: (column) => cells[column] });
const convert = (mapping: ImportMapping, cells: Record<string, unknown>, line = 2, ctx: Partial<RowContext> = {}) =>
  compile(mapping).convert(row(cells), line, 100, { ...context, ...ctx });

const customers: ImportMapping = {
  identifiers: [
    { column: 'id', type: 'user_id' },
    { column: 'Email', type: 'email' },
    { column: 'card', type: 'loyalty_id' },
  ],
  traits: [
    { column: 'First Name', trait: 'first_name' },
    { column: 'age', type: 'number' },
    { column: 'vip', type: 'boolean' },
    { column: 'born', trait: 'birthday', type: 'date', format: 'DD/MM/YYYY' },
    { column: 'joined', type: 'date', format: 'MM/DD/YY' },
    { column: 'seen', type: 'date', format: 'YYYY-MM-DD HH:mm' },
    { column: 'tags', type: 'json' },
  ],
};

describe('mapping checks', () => {
  it('accepts a full mapping and lists the columns it reads', () => {
    expect(compile(customers).columns).toEqual(['id', 'Email', 'card', 'First Name', 'age', 'vip', 'born', 'joined', 'seen', 'tags']);
  });

  it('names the field of every problem', () => {
    expect(
      problemsOf({
        identifiers: [
          { column: 'id', type: 'user_id' },
          { column: 'other', type: 'user_id' },
          { column: 'x', type: 'shoe_size' },
        ],
        traits: [
          { column: 'a', type: 'date', format: 'dd/mm/yyyy' },
          { column: 'b', type: 'number', format: 'DD/MM/YYYY' },
          { column: 'c', trait: 'a' },
        ],
        timestamp: { column: 't', format: 'YYYY' },
        event: { properties: [] },
      }),
    ).toEqual([
      'mapping.event: give exactly one of name (the same event for every row) and nameColumn (the column holding it)',
      expect.stringMatching(/^mapping\.identifiers\[1\]\.type: a identify message made from a row can carry user_id only at userId, already taken/),
      expect.stringMatching(/^mapping\.identifiers\[1\]\.type: a track message .* user_id only at userId, already taken/),
      expect.stringMatching(/^mapping\.identifiers\[2\]\.type: "shoe_size" is not an identifier type; declare it in identity\.custom/),
      expect.stringMatching(/^mapping\.traits\[0\]\.format: "dd\/mm\/yyyy": "dd" is not a token/),
      'mapping.traits[1].format: a format is for type date; this column is number',
      'mapping.traits[2]: trait "a" is already mapped by traits[0]',
      expect.stringMatching(/^mapping\.timestamp\.format: "YYYY" needs a year .*, a month .* and a day/),
    ]);
  });

  it('refuses a custom identifier type the rules cannot read from the messages made, saying what to add', () => {
    expect(problemsOf({ identifiers: [{ column: 'c', type: 'crm_id' }], event: { name: 'Visit' } })).toEqual([
      expect.stringMatching(/identifiers\[0\]\.type: a track message made from a row can carry crm_id nowhere; the identity rules read crm_id from traits\.crm_id \(add a properties\.\* or context\.traits\.\* path/),
    ]);
  });

  it('refuses a trait aimed where an identifier goes', () => {
    expect(problemsOf({ identifiers: [{ column: 'mail', type: 'email' }], traits: [{ column: 'other', trait: 'email' }] })).toEqual([
      'mapping.traits[0]: traits.email is where the email from column "mail" goes; map it once',
    ]);
  });
});

describe('row conversion', () => {
  it('makes an identify call with the identifiers where the identity rules read them and typed traits', () => {
    const result = convert(customers, {
      id: ' 42 ',
      Email: 'Jane@Example.com',
      card: 'L-7',
      'First Name': 'Jane',
      age: '41',
      vip: 'Yes',
      born: '31/12/1984',
      joined: '07/04/99',
      seen: '2025-06-01 08:30',
      tags: '["a", "b"]',
    }, 7);
    expect(result).toEqual({
      ok: true,
      messages: [
        {
          v: 1,
          messageId: 'import:abc:000000007:identify',
          type: 'identify',
          sourceId: 'src_crm',
          channel: 'import',
          context: { library: { name: 'tessera-import', version: '1' }, import: { id: 'imp_1', line: 7 } },
          timestamp: '2026-01-01T00:00:00.000Z',
          receivedAt: '2026-01-02T00:00:00.000Z',
          userId: '42',
          traits: {
            email: 'Jane@Example.com',
            loyalty_id: 'L-7',
            first_name: 'Jane',
            age: 41,
            vip: true,
            birthday: '1984-12-31',
            joined: '1999-07-04',
            seen: '2025-06-01T08:30:00.000Z',
            tags: ['a', 'b'],
          },
        },
      ],
    });
  });

  it('converts every boolean word and number form, and leaves empty cells out', () => {
    const mapping: ImportMapping = { identifiers: [{ column: 'id', type: 'user_id' }], traits: [{ column: 'b', type: 'boolean' }, { column: 'n', type: 'number' }, { column: 's' }] };
    const traitsOf = (b: unknown, n: unknown, s: unknown = '') => {
      const result = convert(mapping, { id: '1', b, n, s });
      return result.ok ? result.messages[0]?.traits : result.reason;
    };
    for (const word of ['true', 'T', 'yes', 'Y', '1', 'on']) expect(traitsOf(word, '')).toEqual({ b: true });
    for (const word of ['false', 'f', 'NO', 'n', '0', 'off']) expect(traitsOf(word, '')).toEqual({ b: false });
    expect(traitsOf('', '-1.5e3')).toEqual({ n: -1500 });
    expect(traitsOf('', '.5', '  padded  ')).toEqual({ n: 0.5, s: 'padded' });
    expect(traitsOf('  ', '  ', '')).toEqual({});
  });

  it('takes typed JSON values as they are from NDJSON and JSON files', () => {
    const mapping: ImportMapping = {
      identifiers: [{ column: 'id', type: 'user_id' }],
      traits: [{ column: 'n', type: 'number' }, { column: 'b', type: 'boolean' }, { column: 's' }, { column: 'o', type: 'json' }, { column: 'd', type: 'date', format: 'unix' }],
    };
    const result = convert(mapping, { id: 42, n: 3, b: false, s: 12, o: { x: [1] }, d: 86400 }, 2, { textCells: false });
    expect(result.ok && result.messages[0]).toMatchObject({ userId: '42', traits: { n: 3, b: false, s: '12', o: { x: [1] }, d: '1970-01-02T00:00:00.000Z' } });
  });

  it('rejects bad values with the column and the reason, all of them at once', () => {
    const result = convert(customers, { id: '1', age: 'forty', vip: 'maybe', born: '31/02/1990', joined: '1999-07-04', tags: '[oops' });
    expect(result).toMatchObject({ ok: false, column: 'age' });
    expect(!result.ok && result.reason.split('; ')).toEqual([
      'age: "forty" is not a number (digits, an optional . and exponent, no thousands separators)',
      'vip: "maybe" is not a boolean (true/false, yes/no, y/n, 1/0, on/off)',
      'born: "31/02/1990": 1990-02 has no day 31 (format DD/MM/YYYY)',
      'joined: "1999-07-04" does not match MM/DD/YY (format MM/DD/YY)',
      expect.stringMatching(/^tags: is not valid JSON/),
    ]);
  });

  it('rejects a row without any identifier', () => {
    expect(convert(customers, { id: '', Email: ' ', 'First Name': 'Nobody' })).toEqual({ ok: false, column: null, reason: 'no identifier: id, Email, card are all empty' });
  });

  it('makes a track call per event row, with identifiers where track calls carry them and typed properties', () => {
    const orders: ImportMapping = {
      identifiers: [{ column: 'email', type: 'email' }, { column: 'card', type: 'loyalty_id' }],
      event: {
        name: 'Order Completed',
        timestamp: { column: 'at', format: 'DD/MM/YYYY HH:mm' },
        properties: [{ column: 'total', property: 'revenue', type: 'number' }, { column: 'store' }],
      },
    };
    const result = convert(orders, { email: 'a@b.co', card: 'L-1', at: '05/03/2025 18:45', total: '19.90', store: 'Lyon' }, 12);
    expect(result).toEqual({
      ok: true,
      messages: [
        expect.objectContaining({
          messageId: 'import:abc:000000012:track',
          type: 'track',
          event: 'Order Completed',
          timestamp: '2025-03-05T18:45:00.000Z',
          context: { library: { name: 'tessera-import', version: '1' }, import: { id: 'imp_1', line: 12 }, traits: { email: 'a@b.co' } },
          properties: { loyalty_id: 'L-1', revenue: 19.9, store: 'Lyon' },
        }),
      ],
    });
    expect(convert(orders, { email: 'a@b.co', at: '' })).toEqual({ ok: false, column: 'at', reason: "at: is empty; the row's time is needed" });
    expect(convert(orders, { email: 'a@b.co', at: '2025-03-05' })).toMatchObject({ ok: false, reason: 'at: "2025-03-05" does not match DD/MM/YYYY HH:mm (format DD/MM/YYYY HH:mm)' });
  });

  it('takes the event name from a column: rows without one are no event, and with traits mapped still identify', () => {
    const mixed: ImportMapping = {
      identifiers: [{ column: 'id', type: 'user_id' }],
      traits: [{ column: 'plan' }],
      timestamp: { column: 'updated', format: 'YYYY-MM-DD' },
      event: { nameColumn: 'what', timestamp: { column: 'at' } },
    };
    const both = convert(mixed, { id: 'u1', plan: 'pro', updated: '2025-01-01', what: 'Upgraded', at: '2025-02-01T10:00:00Z' });
    expect(both.ok && both.messages.map((m) => [m.type, m.event, m.timestamp, m.traits])).toEqual([
      ['identify', undefined, '2025-01-01T00:00:00.000Z', { plan: 'pro' }],
      ['track', 'Upgraded', '2025-02-01T10:00:00.000Z', undefined],
    ]);
    const identifyOnly = convert(mixed, { id: 'u1', plan: 'pro', updated: '2025-01-01', what: '' });
    expect(identifyOnly.ok && identifyOnly.messages.map((m) => m.type)).toEqual(['identify']);

    const eventsOnly: ImportMapping = { identifiers: [{ column: 'id', type: 'user_id' }], event: { nameColumn: 'what' } };
    expect(convert(eventsOnly, { id: 'u1', what: '' })).toEqual({ ok: false, column: 'what', reason: 'what: is empty, and the mapping has no traits: the row says nothing' });
  });

  it('puts a second column of one identifier type at that type\'s next path', () => {
    const result = convert({ identifiers: [{ column: 'work', type: 'email' }, { column: 'home', type: 'email' }] }, { work: 'w@x.co', home: 'h@x.co' });
    expect(result.ok && result.messages[0]).toMatchObject({ traits: { email: 'w@x.co' }, context: { traits: { email: 'h@x.co' } } });
  });

  it('refuses a row whose message would be over the 32 KB limit', () => {
    const mapping: ImportMapping = { identifiers: [{ column: 'id', type: 'user_id' }], traits: [{ column: 'notes' }] };
    const result = compile(mapping).convert(row({ id: '1', notes: 'x'.repeat(40_000) }), 3, 40_010, context);
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/makes a identify message of \d+ bytes; the limit is 32768/) });
  });
});
