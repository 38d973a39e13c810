import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile, Suppression, SuppressionImportReport, SuppressionsPage } from '../src/contracts/index.js';
import { ManualClock } from '../src/lib/clock.js';
import { adminToken, startTestTessera, type TestTessera } from './helpers/tessera.js';

let tessera: TestTessera;
const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
const iso = (ms: number): string => new Date(ms).toISOString();

beforeAll(async () => {
  tessera = await startTestTessera({ clock });
});
afterAll(() => tessera.stop());

const suppress = (body: unknown) => tessera.api<{ suppressions: Suppression[]; details?: { field: string; rule: string }[] }>('POST', '/suppressions', body);

async function csvRequest(method: string, path: string, body?: string): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(`${tessera.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body !== undefined && { 'content-type': 'text/csv' }) },
    ...(body !== undefined && { body }),
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

async function listAll(query = ''): Promise<Suppression[]> {
  const all: Suppression[] = [];
  let cursor: string | null = null;
  do {
    const res: { status: number; body: SuppressionsPage } = await tessera.api<SuppressionsPage>(
      'GET',
      `/suppressions?limit=2${query}${cursor !== null ? `&cursor=${cursor}` : ''}`,
    );
    expect(res.status).toBe(200);
    all.push(...res.body.suppressions);
    cursor = res.body.nextCursor;
  } while (cursor !== null);
  return all;
}

/** Empties the list, so each test starts from nothing. */
async function clear(): Promise<void> {
  for (const s of await listAll()) expect((await tessera.api('DELETE', `/suppressions/${encodeURIComponent(s.identifier)}`)).status).toBe(204);
}

describe('the suppression list API', () => {
  it('adds one identifier, normalized as profile lookups do', async () => {
    await clear();
    const res = await suppress({ identifier: 'email: Jane.Doe@Example.COM ', reason: 'unsubscribed', note: 'asked by phone' });
    expect(res.status).toBe(200);
    expect(res.body.suppressions).toEqual([
      {
        identifier: 'email:jane.doe@example.com',
        type: 'email',
        value: 'jane.doe@example.com',
        reason: 'unsubscribed',
        note: 'asked by phone',
        createdAt: iso(clock.now()),
      },
    ]);
  });

  it('adds many at once, and refuses the whole request naming every invalid identifier', async () => {
    await clear();
    const bad = await suppress({
      suppressions: [
        { identifier: 'email:ok@example.com', reason: 'bounced' },
        { identifier: 'email:not-an-email', reason: 'bounced' },
        { identifier: 'no-type', reason: 'bounced' },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details?.map((d) => d.field)).toEqual(['suppressions[1].identifier', 'suppressions[2].identifier']);
    expect(await listAll()).toEqual([]);

    const good = await suppress({
      suppressions: [
        { identifier: 'phone:(201) 555-0123', reason: 'complained' },
        { identifier: 'user_id:u-42', reason: 'legal' },
      ],
    });
    expect(good.status).toBe(200);
    expect(good.body.suppressions.map((s) => s.identifier)).toEqual(['phone:+12015550123', 'user_id:u-42']);
    expect((await suppress({ identifier: 'email:x@example.com', reason: 'forgotten' })).status).toBe(400);
  });

  it('lists newest first in pages, filtered by reason and by type; a new entry for a listed identifier replaces it', async () => {
    await clear();
    const add = async (identifier: string, reason: string) => {
      clock.advance(1000);
      expect((await suppress({ identifier, reason })).status).toBe(200);
    };
    await add('email:a@example.com', 'bounced');
    await add('email:b@example.com', 'unsubscribed');
    await add('phone:+12015550124', 'bounced');
    await add('email:c@example.com', 'bounced');
    await add('email:a@example.com', 'complained');
    expect((await listAll()).map((s) => `${s.identifier} ${s.reason}`)).toEqual([
      'email:a@example.com complained',
      'email:c@example.com bounced',
      'phone:+12015550124 bounced',
      'email:b@example.com unsubscribed',
    ]);
    expect((await listAll('&reason=bounced')).map((s) => s.identifier)).toEqual(['email:c@example.com', 'phone:+12015550124']);
    expect((await listAll('&type=email&reason=bounced')).map((s) => s.identifier)).toEqual(['email:c@example.com']);
    expect((await tessera.api('GET', '/suppressions?reason=sad')).status).toBe(400);
    expect((await tessera.api('GET', '/suppressions?cursor=nope')).status).toBe(400);
  });

  it('removes an identifier however it is written, and answers 404 when it is not listed', async () => {
    await clear();
    await suppress({ identifier: 'email:gone@example.com', reason: 'manual' });
    expect((await tessera.api('DELETE', `/suppressions/${encodeURIComponent('email:GONE@example.com')}`)).status).toBe(204);
    expect(await listAll()).toEqual([]);
    const again = await tessera.api<{ code: string }>('DELETE', '/suppressions/email:gone@example.com');
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('TESSERA_ERR_NOT_FOUND');
    expect((await tessera.api('DELETE', '/suppressions/not-an-identifier')).status).toBe(400);
  });
});

describe('CSV export and import', () => {
  it('exports the list with its header, quoting what needs it', async () => {
    await clear();
    clock.advance(1000);
    await suppress({ identifier: 'email:quote@example.com', reason: 'manual', note: 'said "stop", twice\nthen hung up' });
    clock.advance(1000);
    await suppress({ identifier: 'phone:+12015550125', reason: 'deceased' });
    const res = await csvRequest('GET', '/suppressions/export.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="suppressions.csv"/);
    expect(res.text).toBe(
      'identifier,type,value,reason,note,created_at\r\n' +
        `phone:+12015550125,phone,+12015550125,deceased,,${iso(clock.now())}\r\n` +
        `email:quote@example.com,email,quote@example.com,manual,"said ""stop"", twice\nthen hung up",${iso(clock.now() - 1000)}\r\n`,
    );
    const bounced = await csvRequest('GET', '/suppressions/export.csv?reason=bounced');
    expect(bounced.text).toBe('identifier,type,value,reason,note,created_at\r\n');
  });

  it('guards notes that a spreadsheet would run as a formula', async () => {
    await clear();
    await suppress({ identifier: 'email:formula@example.com', reason: 'manual', note: '=HYPERLINK("http://evil")' });
    const { text } = await csvRequest('GET', '/suppressions/export.csv');
    expect(text).toContain(`,"'=HYPERLINK(""http://evil"")",`);
  });

  it('reads an export back into an empty list unchanged', async () => {
    await clear();
    for (const [identifier, reason, note] of [
      ['email:one@example.com', 'bounced', 'a, b'],
      ['phone:+12015550126', 'legal', ''],
      ['user_id:rt-1', 'manual', 'multi\nline'],
    ] as const) {
      clock.advance(1000);
      await suppress({ identifier, reason, ...(note !== '' && { note }) });
    }
    const before = await listAll();
    const exported = (await csvRequest('GET', '/suppressions/export.csv')).text;
    await clear();
    clock.advance(60_000);
    const imported = await csvRequest('POST', '/suppressions/import', exported);
    expect(imported.status).toBe(200);
    expect(JSON.parse(imported.text)).toEqual({ accepted: 3, rejected: 0, rejections: [] });
    expect(await listAll()).toEqual(before);
  });

  it('stores the valid rows and reports each invalid one with its line and reason', async () => {
    await clear();
    const file = [
      'reason,identifier,note', // columns by name, in any order
      'bounced,email:First@Example.com,',
      'unsubscribed,email:not-an-email,',
      'sad,email:third@example.com,',
      '',
      'legal,phone:(201) 555-0127,"spans',
      'two lines"',
      'manual,email:too@many.com,note,extra',
      'manual,,missing identifier',
      'complained,user_id:u-7,ok',
    ].join('\n');
    const res = await csvRequest('POST', '/suppressions/import', file);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text) as SuppressionImportReport).toEqual({
      accepted: 3,
      rejected: 4,
      rejections: [
        { line: 3, reason: '"not-an-email" is not a valid email' },
        { line: 4, reason: expect.stringMatching(/^reason "sad" is not one of unsubscribed, bounced/) },
        { line: 8, reason: 'has 4 fields; the header has 3' },
        { line: 9, reason: 'has no identifier (identifier, or type and value)' },
      ],
    });
    const listed = await listAll();
    expect(listed.map((s) => s.identifier).sort()).toEqual(['email:first@example.com', 'phone:+12015550127', 'user_id:u-7']);
    expect(listed.find((s) => s.type === 'phone')?.note).toBe('spans\ntwo lines');
    expect(listed.every((s) => s.createdAt === iso(clock.now()))).toBe(true);
  });

  it('reads type and value columns, which must agree with an identifier column, and created_at when given', async () => {
    await clear();
    const file =
      'identifier,type,value,reason,note,created_at\r\n' +
      ',email,Typed@Example.com,bounced,,2026-03-01T10:00:00.000Z\r\n' +
      'email:a@example.com,email,b@example.com,bounced,,\r\n' +
      'email:c@example.com,email,C@example.com,bounced,,yesterday\r\n';
    const res = await csvRequest('POST', '/suppressions/import', file);
    expect(JSON.parse(res.text)).toEqual({
      accepted: 1,
      rejected: 2,
      rejections: [
        { line: 3, reason: 'identifier email:a@example.com does not match type and value email:b@example.com' },
        { line: 4, reason: 'created_at "yesterday" is not an ISO-8601 timestamp' },
      ],
    });
    expect(await listAll()).toEqual([
      expect.objectContaining({ identifier: 'email:typed@example.com', createdAt: '2026-03-01T10:00:00.000Z' }),
    ]);
  });

  it('refuses a file whose header it cannot use, or that is not CSV', async () => {
    await clear();
    const refusal = async (file: string): Promise<string> => {
      const res = await csvRequest('POST', '/suppressions/import', file);
      expect(res.status).toBe(400);
      return (JSON.parse(res.text) as { message: string }).message;
    };
    expect(await refusal('email,reason\nemail:a@example.com,bounced\n')).toMatch(/^header\[0\]: "email" is not a column/);
    expect(await refusal('identifier\nemail:a@example.com\n')).toBe('header: needs a reason column');
    expect(await refusal('identifier,reason\n"email:a@example.com,bounced\n')).toBe('line 2: a quoted field is never closed');
    expect(await refusal('')).toMatch(/empty/);
    expect(await listAll()).toEqual([]);
  });
});

describe('suppression on the profile view', () => {
  it('shows the entries of the profile\'s identifiers', async () => {
    await clear();
    const source = await tessera.createSource('Suppressed web', 'web');
    expect((await tessera.track('/v1/identify', source.writeKey, { userId: 'sup-1', traits: { email: 'Sup@Example.com' } })).status).toBe(200);
    await tessera.settled();
    const find = async () => (await tessera.api<{ profiles: Profile[] }>('GET', '/profiles?identifier=user_id:sup-1')).body.profiles[0]!;
    expect((await find()).suppressions).toEqual([]);
    await suppress({ identifier: 'email:SUP@example.com', reason: 'bounced', note: 'hard bounce' });
    expect((await find()).suppressions).toEqual([
      {
        identifier: 'email:sup@example.com',
        type: 'email',
        value: 'sup@example.com',
        reason: 'bounced',
        note: 'hard bounce',
        createdAt: iso(clock.now()),
      },
    ]);
  });
});

describe('the OpenAPI document', () => {
  it('describes the suppression and privacy endpoints, the import as a CSV body', async () => {
    const doc = (await (await fetch(`${tessera.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>;
    };
    for (const path of ['/api/v1/suppressions', '/api/v1/suppressions/{identifier}', '/api/v1/suppressions/export.csv', '/api/v1/suppressions/import']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(Object.keys(doc.paths['/api/v1/suppressions/import']!.post!.requestBody!.content)).toEqual(['text/csv']);
    expect(Object.keys(doc.paths['/api/v1/profiles/{id}']!)).toEqual(expect.arrayContaining(['get', 'delete']));
    expect(Object.keys(doc.paths['/api/v1/profiles/{id}/consent']!)).toEqual(['put']);
    expect(Object.keys(doc.paths['/api/v1/profiles/{id}/export']!)).toEqual(['get']);
  });
});
