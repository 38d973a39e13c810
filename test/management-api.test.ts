import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Source, StoredEvent } from '../src/contracts/index.js';
import { ManualClock } from '../src/lib/clock.js';
import { startTestTessera, type TestTessera } from './helpers/tessera.js';

let tessera: TestTessera;
const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));

beforeAll(async () => {
  tessera = await startTestTessera({ clock });
});
afterAll(() => tessera.stop());

describe('admin authentication', () => {
  it('refuses /api/v1 without the bearer token, or with a wrong one', async () => {
    const none = await fetch(`${tessera.url}/api/v1/sources`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { message: string }).message).toMatch(/Authorization: Bearer/);
    const wrong = await fetch(`${tessera.url}/api/v1/sources`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });
});

describe('sources', () => {
  it('creates a source with a write key, lists it and reads it back', async () => {
    const created = await tessera.api<Source>('POST', '/sources', { name: 'Store POS', channel: 'pos' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Store POS', channel: 'pos', enabled: true, allowedOrigins: ['*'] });
    expect(created.body.id).toMatch(/^src_/);
    expect(created.body.writeKey).toMatch(/^[0-9A-Za-z]{32}$/);
    const list = await tessera.api<{ sources: Source[] }>('GET', '/sources');
    expect(list.body.sources).toContainEqual(created.body);
    expect((await tessera.api('GET', `/sources/${created.body.id}`)).body).toEqual(created.body);
  });

  it.each([
    ['a missing name', { channel: 'web' }, 'name', 'required'],
    ['an unknown channel', { name: 'X', channel: 'fax' }, 'channel', 'enum'],
    ['an unknown field', { name: 'X', channel: 'web', colour: 'red' }, '(body)', 'additionalProperties'],
    ['an invalid origin', { name: 'X', channel: 'web', allowedOrigins: ['not a url'] }, 'allowedOrigins[0]', 'pattern'],
  ])('refuses %s with 400 naming the field', async (_case, body, field, rule) => {
    const res = await tessera.api<{ code: string; details: { field: string; rule: string; message: string }[] }>('POST', '/sources', body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('TESSERA_ERR_VALIDATION');
    expect(res.body.details).toContainEqual(expect.objectContaining({ field, rule }));
  });

  it('lists the allowed channels when one is wrong', async () => {
    const res = await tessera.api<{ message: string }>('POST', '/sources', { name: 'X', channel: 'fax' });
    expect(res.body.message).toMatch(/channel: must be one of "web", "ios", .*"other"/);
  });

  it('answers 404 for a source that does not exist', async () => {
    const res = await tessera.api<{ code: string; message: string }>('GET', '/sources/src_missing');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'TESSERA_ERR_NOT_FOUND', message: "source 'src_missing' does not exist" });
  });

  it('disables and re-enables a source, which turns its key off and on', async () => {
    const source = await tessera.createSource('Toggle', 'android');
    const send = () => tessera.track('/v1/track', source.writeKey, { userId: 'u', event: 'E' });
    expect((await tessera.api('PATCH', `/sources/${source.id}`, { enabled: false })).status).toBe(200);
    expect((await send()).status).toBe(401);
    await tessera.api('PATCH', `/sources/${source.id}`, { enabled: true, name: 'Toggled' });
    expect((await send()).status).toBe(200);
    expect((await tessera.api<Source>('GET', `/sources/${source.id}`)).body.name).toBe('Toggled');
    expect((await tessera.api('PATCH', `/sources/${source.id}`, {})).status).toBe(400);
  });

  it('rotates a key at once by default', async () => {
    const source = await tessera.createSource('Rotate now', 'server');
    const rotated = await tessera.api<Source>('POST', `/sources/${source.id}/rotate-key`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.writeKey).not.toBe(source.writeKey);
    expect(rotated.body.previousWriteKeyExpiresAt).toBeNull();
    expect((await tessera.track('/v1/track', source.writeKey, { userId: 'u', event: 'E' })).status).toBe(401);
    expect((await tessera.track('/v1/track', rotated.body.writeKey, { userId: 'u', event: 'E' })).status).toBe(200);
  });

  it('keeps the old key working for the grace period, then refuses it', async () => {
    const source = await tessera.createSource('Rotate gently', 'ios');
    const rotated = await tessera.api<Source>('POST', `/sources/${source.id}/rotate-key`, { gracePeriodSeconds: 3600 });
    expect(rotated.body.previousWriteKeyExpiresAt).toBe(new Date(clock.now() + 3600_000).toISOString());
    const withOld = () => tessera.track('/v1/track', source.writeKey, { userId: 'u', event: 'E' });
    expect((await withOld()).status).toBe(200);
    clock.advance(3600_000 + 10_000);
    const expired = await withOld();
    expect(expired.status).toBe(401);
    expect(expired.body.message).toMatch(/rotated/);
    expect((await tessera.track('/v1/track', rotated.body.writeKey, { userId: 'u', event: 'E' })).status).toBe(200);
  });
});

describe('events', () => {
  it('pages through events newest first with a cursor', async () => {
    const source = await tessera.createSource('Pager', 'web');
    const batch = Array.from({ length: 25 }, (_, i) => ({
      type: 'track',
      userId: 'pager',
      event: 'Paged',
      messageId: `page-${i}`,
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    }));
    expect((await tessera.track('/v1/batch', source.writeKey, { batch })).body.accepted).toBe(25);
    await tessera.settled();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `sourceId=${source.id}&limit=10${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await tessera.api<{ events: StoredEvent[]; nextCursor: string | null }>('GET', `/events?${query}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.events.map((e) => e.messageId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(batch.map((m) => m.messageId).reverse());
  });

  it.each([
    ['limit=0', 'querystring.limit'],
    ['limit=5000', 'querystring.limit'],
    ['type=purchase', 'querystring.type'],
    ['since=last-week', 'querystring.since'],
  ])('refuses ?%s naming %s', async (query, field) => {
    const res = await tessera.api<{ details: { field: string }[] }>('GET', `/events?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.details[0]?.field).toBe(field);
  });

  it('refuses a cursor it did not issue', async () => {
    const res = await tessera.api<{ message: string }>('GET', '/events?cursor=abc');
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/cursor/);
  });
});

describe('operations', () => {
  it('answers liveness and readiness', async () => {
    expect(await (await fetch(`${tessera.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${tessera.url}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('exposes Prometheus metrics, including tracked message outcomes', async () => {
    const source = await tessera.createSource('Metered', 'web');
    await tessera.track('/v1/batch', source.writeKey, { batch: [{ type: 'track', userId: 'u', event: 'E' }, { type: 'track' }] });
    const text = await (await fetch(`${tessera.url}/metrics`)).text();
    expect(text).toMatch(/tessera_tracking_messages_total\{outcome="accepted"\} \d+/);
    expect(text).toMatch(/tessera_tracking_messages_total\{outcome="rejected"\} \d+/);
    expect(text).toMatch(/tessera_http_request_duration_seconds_bucket\{.*route="\/v1\/batch"/);
    expect(text).toContain('tessera_projection_lag_records');
  });

  it('serves an OpenAPI document generated from the request schemas', async () => {
    const res = await fetch(`${tessera.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    interface Operation {
      security: unknown;
      requestBody: { content: Record<string, { schema: { properties: Record<string, { enum: string[] }> } }> };
    }
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, Operation>> };
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/v1/track', '/v1/batch', '/api/v1/sources', '/api/v1/sources/{id}/rotate-key', '/api/v1/events', '/api/v1/profiles/{id}']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    const create = doc.paths['/api/v1/sources']!.post!;
    expect(create.requestBody.content['application/json']!.schema.properties.channel!.enum).toContain('call_center');
    expect(create.security).toEqual([{ adminToken: [] }]);
    expect(doc.paths['/v1/track']!.post!.security).toEqual([{ writeKey: [] }]);
  });

  it('answers unknown routes with a coded 404', async () => {
    const res = await fetch(`${tessera.url}/v2/nothing`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('TESSERA_ERR_NOT_FOUND');
  });
});
