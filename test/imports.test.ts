/**
 * File imports through the management API, end to end: rows become messages
 * of the chosen source and go through the same pipeline as live calls (log,
 * identity graph, golden record with lineage, event store).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportMapping, Source } from '../src/contracts/index.js';
import { createImport, uploadImport, waitForImport } from './helpers/imports.js';
import { startTestTessera, type JsonBody, type TestTessera } from './helpers/tessera.js';
import { channelAffinityTraits } from '../src/channels/affinity/channel-affinity.js';

let tessera: TestTessera;
let dataDir: string;
let web: Source;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tessera-imports-'));
  const configFile = join(dataDir, 'tessera.json');
  await writeFile(
    configFile,
    JSON.stringify({ identity: { custom: [{ type: 'loyalty_id', from: ['traits.loyalty_id', 'properties.loyalty_id'], limit: 1 }] } }),
  );
  tessera = await startTestTessera({ dataDir, config: { configFile } });
  web = await tessera.createSource('Imports web', 'web');
});
afterAll(async () => {
  await tessera.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const profileOf = async (identifier: string): Promise<JsonBody> => {
  const found = await tessera.api<JsonBody>('GET', `/profiles?identifier=${encodeURIComponent(identifier)}`);
  expect(found.status).toBe(200);
  return found.body.profiles[0];
};

const customersMapping: ImportMapping = {
  identifiers: [
    { column: 'customer_id', type: 'user_id' },
    { column: 'Email', type: 'email' },
    { column: 'card', type: 'loyalty_id' },
  ],
  traits: [
    { column: 'First Name', trait: 'first_name' },
    { column: 'birthday', type: 'date', format: 'DD/MM/YYYY' },
    { column: 'vip', type: 'boolean' },
    { column: 'ltv', type: 'number' },
    { column: 'notes' },
  ],
  timestamp: { column: 'updated_at', format: 'YYYY-MM-DD' },
};

const customersCsv = [
  'customer_id,Email,card,First Name,birthday,vip,ltv,updated_at,notes',
  'u-1,jane@example.com,L-1,Jane,31/12/1984,yes,120.5,2025-01-02,"likes ""blue"", tea"',
  'u-2,,L-2,Ann,01/02/1990,no,,2025-01-03,"two',
  'lines"',
  'u-3,bob@example.com,,Bob,15/06/1975,true,80,2025-01-04,',
  'u-4,carl@example.com,,Carl,31/02/1990,yes,1,2025-01-05,bad date',
  ',,,Nobody,,,,2025-01-06,no id',
  'u-5,too,few',
  '',
].join('\r\n');

describe('CSV import of customers', { timeout: 60_000 }, () => {
  let source: Source;
  let imported: JsonBody;

  beforeAll(async () => {
    // People known before the import: Bob by email (anonymous), and u-3 by user id alone.
    expect((await tessera.track('/v1/identify', web.writeKey, { anonymousId: 'anon-bob', traits: { email: 'bob@example.com', plan: 'free' } })).status).toBe(200);
    expect((await tessera.track('/v1/identify', web.writeKey, { userId: 'u-3', traits: { city: 'Lyon' } })).status).toBe(200);
    await tessera.settled();

    source = await tessera.createSource('CRM', 'import');
    const created = await createImport(tessera, { sourceId: source.id, format: 'csv', mapping: customersMapping, fileName: 'customers.csv', fileKey: 'sha256-customers' });
    expect(created).toMatchObject({ status: 'created', sourceId: source.id, fileName: 'customers.csv', rows: { read: 0 }, profiles: { pending: true } });
    const uploaded = await uploadImport(tessera, created.id, customersCsv);
    expect(uploaded.status).toBe(200);
    imported = uploaded.body;
  });

  it('answers with the counts once every row is durable or rejected', () => {
    expect(imported).toMatchObject({
      status: 'completed',
      columns: ['customer_id', 'Email', 'card', 'First Name', 'birthday', 'vip', 'ltv', 'updated_at', 'notes'],
      rows: { read: 6, accepted: 3, duplicates: 0, rejected: 3 },
      messages: 3,
      committed: { line: 8, offset: Buffer.byteLength(customersCsv) },
      error: null,
    });
    expect(imported.messageIdPrefix).toMatch(/^import:[\w-]{16}:$/);
  });

  it('keeps every rejected row with its line, column, reason and text', async () => {
    const { body } = await tessera.api<JsonBody>('GET', `/imports/${imported.id}/rejects`);
    expect(body).toEqual({
      rejects: [
        { line: 6, column: 'birthday', reason: 'birthday: "31/02/1990": 1990-02 has no day 31 (format DD/MM/YYYY)', record: 'u-4,carl@example.com,,Carl,31/02/1990,yes,1,2025-01-05,bad date' },
        { line: 7, column: null, reason: 'no identifier: customer_id, Email, card are all empty', record: ',,,Nobody,,,,2025-01-06,no id' },
        { line: 8, column: null, reason: 'has 3 fields; the header has 9', record: 'u-5,too,few' },
      ],
      nextAfterLine: null,
    });
    const page = await tessera.api<JsonBody>('GET', `/imports/${imported.id}/rejects?afterLine=6&limit=1`);
    expect(page.body).toMatchObject({ rejects: [{ line: 7 }], nextAfterLine: 7 });
  });

  it('builds golden records with typed traits whose lineage names the import source and row', async () => {
    await tessera.settled();
    const jane = await profileOf('user_id:u-1');
    expect(jane.identities).toEqual(expect.arrayContaining([
      { type: 'user_id', value: 'u-1' },
      { type: 'email', value: 'jane@example.com' },
      { type: 'loyalty_id', value: 'L-1' },
    ]));
    // The traits the import gave, without the channels' built-in traits every profile carries.
    const builtIn = new Set(channelAffinityTraits().map((t) => t.name));
    const given = Object.entries(jane.traits as Record<string, { value: unknown }>).filter(([name]) => !builtIn.has(name));
    expect(Object.fromEntries(given.map(([k, v]) => [k, v.value]))).toEqual({
      first_name: 'Jane',
      birthday: '1984-12-31',
      vip: true,
      ltv: 120.5,
      notes: 'likes "blue", tea',
      email: 'jane@example.com',
      loyalty_id: 'L-1',
    });
    expect(jane.traits.first_name.lineage).toEqual({ sourceId: source.id, messageId: `${imported.messageIdPrefix}000000002:identify`, timestamp: '2025-01-02T00:00:00.000Z' });
    expect(jane.channels).toEqual(['import']);

    const ann = await profileOf('loyalty_id:L-2');
    expect(ann.traits.notes.value).toBe('two\r\nlines');
    expect(ann.traits.vip.value).toBe(false);
    expect(ann.traits.ltv).toBeUndefined();
  });

  it('links imported rows to people already known, through the identity graph', async () => {
    const bob = await profileOf('user_id:u-3');
    expect((await profileOf('email:bob@example.com')).id).toBe(bob.id);
    expect(bob.identities).toEqual(expect.arrayContaining([{ type: 'anonymous_id', value: 'anon-bob' }, { type: 'user_id', value: 'u-3' }]));
    expect(bob.traits).toMatchObject({ first_name: { value: 'Bob' }, plan: { value: 'free' }, city: { value: 'Lyon' } });
    expect(bob.channels).toEqual(['import', 'web']);
    const history = await tessera.api<JsonBody>('GET', `/profiles/${bob.id}/history`);
    expect(JSON.stringify(history.body)).toContain(imported.messageIdPrefix);
  });

  it('reports, once unified, the profiles the file created and the merges it caused', async () => {
    const settled = await waitForImport(tessera, imported.id, (body) => body.profiles.pending === false);
    // u-1 and u-2 are new; the u-3 row joined Bob's two earlier profiles into one.
    expect(settled.profiles).toEqual({ pending: false, created: 2, merged: 1 });
  });

  it('stores nothing twice when the same file is imported again', async () => {
    const again = await createImport(tessera, { sourceId: source.id, format: 'csv', mapping: customersMapping, fileKey: 'sha256-customers' });
    expect(again.messageIdPrefix).toBe(imported.messageIdPrefix);
    const uploaded = await uploadImport(tessera, again.id, customersCsv);
    expect(uploaded.body).toMatchObject({ status: 'completed', rows: { read: 6, accepted: 3, duplicates: 3, rejected: 3 }, messages: 0 });
    expect((await waitForImport(tessera, again.id, (body) => body.profiles.pending === false)).profiles).toEqual({ pending: false, created: 0, merged: 0 });
    const events = await tessera.api<JsonBody>('GET', `/events?sourceId=${source.id}&limit=100`);
    expect(events.body.events).toHaveLength(3);
  });

  it('lists imports, newest first', async () => {
    const { body } = await tessera.api<JsonBody>('GET', `/imports?sourceId=${source.id}`);
    expect(body.imports.map((i: { rows: { read: number } }) => i.rows.read)).toEqual([6, 6]);
    expect(body.imports[1].id).toBe(imported.id);
  });
});

describe('NDJSON and JSON event imports', { timeout: 60_000 }, () => {
  const ordersMapping: ImportMapping = {
    identifiers: [
      { column: 'email', type: 'email' },
      { column: 'customer.id', type: 'user_id' },
    ],
    event: {
      nameColumn: 'event',
      timestamp: { column: 'at', format: 'iso' },
      properties: [
        { column: 'total', property: 'revenue', type: 'number' },
        { column: 'items', type: 'json' },
        { column: 'store' },
      ],
    },
  };
  const ndjson = [
    JSON.stringify({ email: 'ola@example.com', customer: { id: 'c-1' }, event: 'Order Completed', at: '2025-05-01T10:00:00Z', total: 30, items: [{ sku: 'A' }], store: 'Oslo' }),
    JSON.stringify({ email: 'ola@example.com', event: 'Order Refunded', at: '2025-05-03T10:00:00+02:00', total: '12.5' }),
    '{"email": "x@example.com", "event": "Order Completed", "at": "yesterday"}',
    'not json at all',
    JSON.stringify({ email: 'per@example.com', event: 'Order Completed', at: '2025-05-02T09:00:00Z', total: 7 }),
  ].join('\n');

  it('imports events: timelines, properties and the source channel', async () => {
    const source = await tessera.createSource('Shop orders', 'pos');
    const created = await createImport(tessera, { sourceId: source.id, format: 'ndjson', mapping: ordersMapping });
    const uploaded = await uploadImport(tessera, created.id, ndjson, { contentType: 'application/x-ndjson' });
    expect(uploaded.body).toMatchObject({ status: 'completed', rows: { read: 5, accepted: 3, rejected: 2 }, messages: 3 });
    const rejects = (await tessera.api<JsonBody>('GET', `/imports/${created.id}/rejects`)).body.rejects;
    expect(rejects.map((r: { line: number; column: string | null; reason: string }) => [r.line, r.column, r.reason])).toEqual([
      [3, 'at', expect.stringMatching(/^at: "yesterday" is not an ISO-8601 date/)],
      [4, null, expect.stringMatching(/^is not valid JSON/)],
    ]);

    await tessera.settled();
    const ola = await profileOf('email:ola@example.com');
    expect(ola.identities).toEqual(expect.arrayContaining([{ type: 'user_id', value: 'c-1' }]));
    expect(ola.channels).toEqual(['pos']);
    const timeline = await tessera.api<JsonBody>('GET', `/profiles/${ola.id}/events`);
    expect(timeline.body.events.map((e: { event: string; timestamp: string; properties: unknown; sourceId: string }) => [e.event, e.timestamp, e.properties, e.sourceId])).toEqual([
      ['Order Refunded', '2025-05-03T08:00:00.000Z', { revenue: 12.5 }, source.id],
      ['Order Completed', '2025-05-01T10:00:00.000Z', { revenue: 30, items: [{ sku: 'A' }], store: 'Oslo' }, source.id],
    ]);
    expect((await waitForImport(tessera, created.id, (body) => !body.profiles.pending)).profiles).toEqual({ pending: false, created: 2, merged: 0 });
  });

  it('imports a JSON array sent as application/json, reading it as a stream, not as a request body', async () => {
    const source = await tessera.createSource('Orders JSON', 'import');
    const created = await createImport(tessera, { sourceId: source.id, format: 'json', mapping: ordersMapping });
    const json = `[\n${ndjson.split('\n').filter((line) => line.startsWith('{')).join(',\n')}\n]\n`;
    const uploaded = await uploadImport(tessera, created.id, json, { contentType: 'application/json' });
    expect(uploaded.body).toMatchObject({ status: 'completed', rows: { read: 4, accepted: 3, rejected: 1 } });
    expect((await tessera.api<JsonBody>('GET', `/imports/${created.id}/rejects`)).body.rejects).toMatchObject([{ line: 4, column: 'at' }]);
  });

  it('fails an import whose JSON file is not an array, naming the line', async () => {
    const source = await tessera.createSource('Broken JSON', 'import');
    const created = await createImport(tessera, { sourceId: source.id, format: 'json', mapping: ordersMapping });
    const uploaded = await uploadImport(tessera, created.id, '\n{"email": "a@b.co"}', { contentType: 'application/json' });
    expect(uploaded.status).toBe(400);
    expect(uploaded.body).toMatchObject({ code: 'TESSERA_ERR_VALIDATION', message: 'line 2: a JSON import file is one array of objects: it must start with [' });
    expect((await tessera.api<JsonBody>('GET', `/imports/${created.id}`)).body).toMatchObject({ status: 'failed', error: 'line 2: a JSON import file is one array of objects: it must start with [' });
    expect((await uploadImport(tessera, created.id, '[]')).status).toBe(409);
  });
});

describe('import errors and resumption', { timeout: 60_000 }, () => {
  it('refuses a mapping that does not fit, naming the field', async () => {
    const source = await tessera.createSource('Mapping errors', 'import');
    const bad = await tessera.api<JsonBody>('POST', '/imports', {
      sourceId: source.id,
      format: 'csv',
      mapping: { identifiers: [{ column: 'id', type: 'shoe_size' }], traits: [{ column: 'b', type: 'date', format: 'dd/mm/yyyy' }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([
      { field: 'mapping.identifiers[0].type', rule: 'enum', message: expect.stringMatching(/"shoe_size" is not an identifier type/) },
      { field: 'mapping.traits[0].format', rule: 'format', message: expect.stringMatching(/"dd" is not a token/) },
    ]);
    const schema = await tessera.api<JsonBody>('POST', '/imports', { sourceId: source.id, format: 'xls', mapping: { identifiers: [] } });
    expect(schema.status).toBe(400);
    expect(schema.body.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['format', 'mapping.identifiers']));
    const noSource = await tessera.api<JsonBody>('POST', '/imports', { sourceId: 'src_nope', format: 'csv', mapping: customersMapping });
    expect(noSource.body).toMatchObject({ statusCode: 400, message: "sourceId: source 'src_nope' does not exist" });
  });

  it('fails an upload whose header lacks a mapped column', async () => {
    const source = await tessera.createSource('Header errors', 'import');
    const created = await createImport(tessera, { sourceId: source.id, format: 'csv', mapping: customersMapping });
    const uploaded = await uploadImport(tessera, created.id, 'customer_id,Email\nu-1,a@b.co\n');
    expect(uploaded.status).toBe(400);
    expect(uploaded.body.message).toMatch(/^line 1: the mapping reads column "card", which the header \(customer_id, Email\) does not have/);
  });

  it('resumes an interrupted upload from the committed offset, taking each row once', async () => {
    const source = await tessera.createSource('Resumed', 'import');
    const mapping: ImportMapping = { identifiers: [{ column: 'id', type: 'user_id' }], traits: [{ column: 'n', type: 'number' }] };
    const rows = 3000;
    const lines = ['id,n', ...Array.from({ length: rows }, (_, i) => (i === 2222 ? `r-${i},not-a-number` : `r-${i},${i}`))];
    const file = Buffer.from(`${lines.join('\n')}\n`);
    const created = await createImport(tessera, { sourceId: source.id, format: 'csv', mapping });

    // Send most of the file, wait until the server has taken some of it in, then drop the connection.
    const abort = new AbortController();
    const cut = file.indexOf('r-2600,');
    async function* firstPart(): AsyncGenerator<Uint8Array> {
      yield file.subarray(0, cut);
      await waitForImport(tessera, created.id, (body) => body.committed.line > 1000);
      abort.abort();
      await new Promise(() => undefined);
    }
    await expect(uploadImport(tessera, created.id, firstPart(), { signal: abort.signal })).rejects.toThrow();
    const interrupted = await waitForImport(tessera, created.id, (body) => body.status === 'interrupted');
    expect(interrupted.committed.line).toBeGreaterThan(1000);
    expect(interrupted.rows.read).toBe(interrupted.committed.line - 1);

    const wrongOffset = await uploadImport(tessera, created.id, file.subarray(5).toString(), { offset: 5 });
    expect(wrongOffset.status).toBe(409);
    expect(wrongOffset.body.message).toMatch(new RegExp(`continues at offset ${interrupted.committed.offset} \\(after line ${interrupted.committed.line}\\)`));

    const offset = interrupted.committed.offset as number;
    const resumed = await uploadImport(tessera, created.id, file.subarray(offset).toString(), { offset });
    expect(resumed.body).toMatchObject({ status: 'completed', rows: { read: rows, accepted: rows - 1, duplicates: 0, rejected: 1 }, messages: rows - 1 });
    expect((await tessera.api<JsonBody>('GET', `/imports/${created.id}/rejects`)).body.rejects).toMatchObject([{ line: 2224, column: 'n' }]);
    await tessera.settled();
    expect((await profileOf('user_id:r-2999')).traits.n.value).toBe(2999);
  });
});
