import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Source, StoredEvent } from '../src/contracts/index.js';
import { startTestTessera, type TestTessera } from './helpers/tessera.js';

let tessera: TestTessera;
let source: Source;

beforeAll(async () => {
  tessera = await startTestTessera();
  source = await tessera.createSource('Web store', 'web', { allowedOrigins: ['https://shop.example.com', 'https://*.example.org'] });
});
afterAll(() => tessera.stop());

const eventsOf = async (query: string): Promise<StoredEvent[]> => {
  await tessera.settled();
  return (await tessera.api<{ events: StoredEvent[] }>('GET', `/events?${query}`)).body.events;
};

describe('each tracking call', () => {
  const calls = [
    ['identify', { userId: 'u-identify', traits: { email: 'a@example.com' } }],
    ['track', { userId: 'u-track', event: 'Order Completed', properties: { revenue: 10 } }],
    ['page', { anonymousId: 'anon-page', name: 'Home', category: 'Landing', properties: { path: '/' } }],
    ['screen', { anonymousId: 'anon-screen', name: 'Cart' }],
    ['group', { userId: 'u-group', groupId: 'g-1', traits: { plan: 'pro' } }],
    ['alias', { userId: 'u-alias', previousId: 'anon-old' }],
  ] as const;

  it.each(calls)('/v1/%s stores the message with the source and channel', async (type, body) => {
    const messageId = `msg-${type}`;
    const res = await tessera.track(`/v1/${type}`, source.writeKey, { ...body, messageId });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, accepted: 1, duplicates: 0, rejected: 0 });
    const [stored] = await eventsOf(`type=${type}&sourceId=${source.id}`);
    expect(stored).toMatchObject({ messageId, type, sourceId: source.id, channel: 'web' });
    if ('name' in body) expect(stored?.event).toBe(body.name);
    if ('category' in body) expect(stored?.category).toBe(body.category);
    if (type === 'track') expect(stored).toMatchObject({ event: 'Order Completed', properties: { revenue: 10 } });
    if (type === 'alias') expect(stored).toMatchObject({ userId: 'u-alias', previousId: 'anon-old' });
    if (type === 'group') expect(stored).toMatchObject({ groupId: 'g-1', traits: { plan: 'pro' } });
  });
});

describe('write keys', () => {
  it('accepts the key as writeKey in the body', async () => {
    const res = await fetch(`${tessera.url}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ writeKey: source.writeKey, userId: 'u-body-key', event: 'Body Key' }),
    });
    expect(res.status).toBe(200);
    const [stored] = await eventsOf('event=Body%20Key');
    expect(stored?.userId).toBe('u-body-key');
    expect(JSON.stringify(stored)).not.toContain(source.writeKey);
  });

  it('refuses a missing, wrong or disabled key with 401 and says why', async () => {
    const missing = await fetch(`${tessera.url}/v1/track`, { method: 'POST', body: JSON.stringify({ userId: 'u', event: 'E' }) });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { message: string }).message).toMatch(/No write key/);

    const wrong = await tessera.track('/v1/track', 'not-a-key', { userId: 'u', event: 'E' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.message).toMatch(/write key is not valid/);

    const other = await tessera.createSource('Soon disabled', 'server');
    await tessera.api('PATCH', `/sources/${other.id}`, { enabled: false });
    const disabled = await tessera.track('/v1/track', other.writeKey, { userId: 'u', event: 'E' });
    expect(disabled.status).toBe(401);
    expect(disabled.body.message).toMatch(/disabled/);
  });
});

describe('bodies', () => {
  it('accepts gzip bodies', async () => {
    const body = gzipSync(JSON.stringify({ batch: [{ type: 'track', userId: 'u-gzip', event: 'Zipped' }] }));
    const res = await tessera.track('/v1/batch', source.writeKey, body, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(1);
    expect((await eventsOf('event=Zipped'))[0]?.userId).toBe('u-gzip');
  });

  it('refuses a body that is not gzip despite its header', async () => {
    const res = await tessera.track('/v1/track', source.writeKey, '{"userId":"x","event":"E"}', {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/gzip/);
  });

  it('applies the size limit to the decompressed body (no zip bombs)', async () => {
    const huge = JSON.stringify({ userId: 'u', event: 'E', properties: { pad: 'x'.repeat(40_000) } });
    const res = await tessera.track('/v1/track', source.writeKey, gzipSync(huge), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
  });

  it('accepts JSON sent as text/plain, as analytics.js does', async () => {
    const res = await tessera.track('/v1/track', source.writeKey, JSON.stringify({ userId: 'u-plain', event: 'Plain' }), {
      'content-type': 'text/plain',
    });
    expect(res.status).toBe(200);
  });

  it('says where malformed JSON breaks', async () => {
    const res = await tessera.track('/v1/track', source.writeKey, '{"userId": "u", "event": }', { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('TESSERA_ERR_MALFORMED_BODY');
    expect(res.body.message).toMatch(/not valid JSON: expected a value .* at line 1, column 26 \(position 25\), found "}"/);
  });

  it('refuses an empty body and unknown encodings', async () => {
    expect((await tessera.track('/v1/track', source.writeKey, '', { 'content-type': 'application/json' })).status).toBe(400);
    const br = await tessera.track('/v1/track', source.writeKey, '{}', { 'content-type': 'application/json', 'content-encoding': 'br' });
    expect(br.status).toBe(415);
    expect(br.body.message).toMatch(/br/);
  });
});

describe('validation of single calls', () => {
  const cases: [string, string, Record<string, unknown>, string, string][] = [
    ['track without ids', 'track', { event: 'E' }, 'userId', 'required'],
    ['track without event', 'track', { userId: 'u' }, 'event', 'required'],
    ['track with empty event', 'track', { userId: 'u', event: '' }, 'event', 'minLength'],
    ['properties not an object', 'track', { userId: 'u', event: 'E', properties: [1, 2] }, 'properties', 'type'],
    ['userId of the wrong type', 'identify', { userId: true }, 'userId', 'type'],
    ['alias without previousId', 'alias', { userId: 'u' }, 'previousId', 'required'],
    ['alias without userId', 'alias', { previousId: 'p', anonymousId: 'a' }, 'userId', 'required'],
    ['group without groupId', 'group', { userId: 'u' }, 'groupId', 'required'],
    ['timestamp that is not a date', 'track', { userId: 'u', event: 'E', timestamp: 'yesterday' }, 'timestamp', 'format'],
    ['messageId over 100 characters', 'track', { userId: 'u', event: 'E', messageId: 'm'.repeat(101) }, 'messageId', 'maxLength'],
    ['type that contradicts the endpoint', 'track', { type: 'identify', userId: 'u', event: 'E' }, 'type', 'const'],
  ];

  it.each(cases)('%s: 400 naming the field and rule, and kept as a rejection', async (_name, type, body, field, rule) => {
    const res = await tessera.track(`/v1/${type}`, source.writeKey, body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('TESSERA_ERR_VALIDATION');
    expect(res.body.details).toContainEqual(expect.objectContaining({ field, rule }));
    expect(res.body.message).toContain(field);
    const rejections = await tessera.api<{ rejections: { problems: { field: string }[]; message: unknown }[] }>(
      'GET',
      `/sources/${source.id}/rejections?limit=1`,
    );
    expect(rejections.body.rejections[0]?.message).toEqual(body);
  });

  it('refuses a single call over 32 KB with 413', async () => {
    const res = await tessera.track('/v1/track', source.writeKey, { userId: 'u', event: 'E', properties: { pad: 'x'.repeat(33 * 1024) } });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('TESSERA_ERR_PAYLOAD_TOO_LARGE');
    expect(res.body.message).toMatch(/32768 bytes/);
  });
});

describe('batches', () => {
  it('accepts the valid messages and keeps each invalid one with its reason', async () => {
    const batch = [
      { type: 'track', userId: 'u-batch', event: 'Batch OK', messageId: 'batch-ok-1' },
      { type: 'track', event: 'No ids', messageId: 'batch-bad-1' },
      { type: 'teleport', userId: 'u' },
      { type: 'identify', userId: 'u-batch', traits: { plan: 'pro' } },
      { type: 'track', userId: 'u-batch', event: 'Too big', properties: { pad: 'x'.repeat(33 * 1024) } },
    ];
    const res = await tessera.track('/v1/batch', source.writeKey, { batch });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 2, rejected: 3 });
    expect(res.body.rejections.map((r: { index: number }) => r.index)).toEqual([1, 2, 4]);
    expect(res.body.rejections[0].problems[0]).toMatchObject({ field: 'batch[1].userId', rule: 'required' });
    expect(res.body.rejections[1].problems[0]).toMatchObject({ field: 'batch[2].type', rule: 'enum' });
    expect(res.body.rejections[2].problems[0]).toMatchObject({ field: 'batch[4]', rule: 'maxSize' });

    const kept = await tessera.api<{ rejections: { messageId: string | null; problems: { field: string }[] }[] }>(
      'GET',
      `/sources/${source.id}/rejections?limit=3`,
    );
    expect(kept.body.rejections.map((r) => r.problems[0]?.field)).toEqual(['batch[4]', 'batch[2].type', 'batch[1].userId']);
    expect(kept.body.rejections[2]?.messageId).toBe('batch-bad-1');
  });

  it('merges batch-level context and integrations into every message; the message wins on conflicts', async () => {
    const res = await tessera.track('/v1/batch', source.writeKey, {
      context: { library: { name: 'batch-lib' }, locale: 'fr-FR' },
      integrations: { All: false },
      batch: [
        { type: 'track', userId: 'u-ctx', event: 'Ctx A' },
        { type: 'track', userId: 'u-ctx', event: 'Ctx B', context: { locale: 'de-DE' } },
      ],
    });
    expect(res.body.accepted).toBe(2);
    const [a] = await eventsOf('event=Ctx%20A');
    const [b] = await eventsOf('event=Ctx%20B');
    expect(a?.context).toMatchObject({ library: { name: 'batch-lib' }, locale: 'fr-FR', ip: '127.0.0.1' });
    expect(b?.context).toMatchObject({ library: { name: 'batch-lib' }, locale: 'de-DE' });
  });

  it('refuses more than 2,500 messages, and bodies over 500 KB, with 413', async () => {
    const many = Array.from({ length: 2501 }, () => ({ type: 'track', userId: 'u', event: 'E' }));
    const tooMany = await tessera.track('/v1/batch', source.writeKey, { batch: many });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.message).toMatch(/2501 messages; the limit is 2500/);
    const big = Array.from({ length: 30 }, () => ({ type: 'track', userId: 'u', event: 'E', properties: { pad: 'x'.repeat(20_000) } }));
    expect((await tessera.track('/v1/batch', source.writeKey, { batch: big })).status).toBe(413);
  });

  it('refuses a body whose batch is not an array', async () => {
    const res = await tessera.track('/v1/batch', source.writeKey, { batch: 'nope' });
    expect(res.status).toBe(400);
    expect(res.body.details[0]).toMatchObject({ field: 'batch' });
  });
});

describe('deduplication', () => {
  it('acknowledges a retried message but stores it once, per source', async () => {
    const body = { userId: 'u-dup', event: 'Dup', messageId: 'dup-1' };
    expect((await tessera.track('/v1/track', source.writeKey, body)).body.accepted).toBe(1);
    const again = await tessera.track('/v1/track', source.writeKey, body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 1 });
    const inBatch = await tessera.track('/v1/batch', source.writeKey, { batch: [{ type: 'track', ...body }, { type: 'track', ...body }] });
    expect(inBatch.body).toMatchObject({ accepted: 0, duplicates: 2 });
    // Same messageId from another source is another message.
    const other = await tessera.createSource('Other', 'ios');
    expect((await tessera.track('/v1/track', other.writeKey, body)).body.accepted).toBe(1);
    expect(await eventsOf('event=Dup')).toHaveLength(2);
  });

  it('generates a messageId when the message has none', async () => {
    await tessera.track('/v1/track', source.writeKey, { userId: 'u-noid', event: 'No Id' });
    const [stored] = await eventsOf('event=No%20Id');
    expect(stored?.messageId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('timestamps', () => {
  it('corrects device clock skew with sentAt and keeps originalTimestamp', async () => {
    // The device clock runs one hour fast; the event happened 5 s before sending.
    const skew = 3600_000;
    const now = Date.now();
    const res = await tessera.track('/v1/track', source.writeKey, {
      userId: 'u-skew',
      event: 'Skewed',
      timestamp: new Date(now + skew - 5000).toISOString(),
      sentAt: new Date(now + skew).toISOString(),
    });
    expect(res.status).toBe(200);
    const [stored] = await eventsOf('event=Skewed');
    const corrected = Date.parse(stored!.timestamp);
    const received = Date.parse(stored!.receivedAt);
    expect(received - corrected).toBe(5000);
    expect(stored?.originalTimestamp).toBe(new Date(now + skew - 5000).toISOString());
  });

  it('uses batch-level sentAt for every message', async () => {
    const now = Date.now();
    await tessera.track('/v1/batch', source.writeKey, {
      sentAt: new Date(now - 60_000).toISOString(),
      batch: [{ type: 'track', userId: 'u-bsent', event: 'Batch Sent', timestamp: new Date(now - 70_000).toISOString() }],
    });
    const [stored] = await eventsOf('event=Batch%20Sent');
    expect(Date.parse(stored!.receivedAt) - Date.parse(stored!.timestamp)).toBe(10_000);
  });
});

describe('CORS for browser SDKs', () => {
  it('answers preflight for an allowed origin and refuses others', async () => {
    const preflight = (origin: string) =>
      fetch(`${tessera.url}/v1/batch`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
      });
    const allowed = await preflight('https://shop.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    expect(allowed.headers.get('access-control-allow-headers')).toBe('content-type, authorization');
    expect((await preflight('https://m.example.org')).status).toBe(204);
  });

  it("checks the origin against the source's own list on the call itself", async () => {
    const ok = await tessera.track('/v1/track', source.writeKey, { userId: 'u', event: 'Cors' }, { origin: 'https://shop.example.com' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    const refused = await tessera.track('/v1/track', source.writeKey, { userId: 'u', event: 'Cors' }, { origin: 'https://evil.example.net' });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/evil\.example\.net/);
  });
});

describe('tracking plans', () => {
  let planned: Source;
  beforeAll(async () => {
    planned = await tessera.createSource('Planned', 'ios');
  });

  const plan = (mode: 'flag' | 'block') => ({
    mode,
    events: {
      'Order Completed': {
        properties: { type: 'object', required: ['revenue'], properties: { revenue: { type: 'number' } } },
      },
      'App Opened': {},
    },
    identify: { traits: { type: 'object', properties: { email: { type: 'string', format: 'email' } } } },
  });

  it('refuses a plan whose JSON Schema does not compile, saying where', async () => {
    const res = await tessera.api<{ details: { field: string }[] }>('PUT', `/sources/${planned.id}/tracking-plan`, {
      mode: 'flag',
      events: { Broken: { properties: { type: 'no-such-type' } } },
    });
    expect(res.status).toBe(400);
    expect(res.body.details[0]?.field).toBe('events.Broken.properties');
  });

  it('flag mode accepts and marks violations, and counts them per event', async () => {
    expect((await tessera.api('PUT', `/sources/${planned.id}/tracking-plan`, plan('flag'))).status).toBe(200);
    const res = await tessera.track('/v1/batch', planned.writeKey, {
      batch: [
        { type: 'track', userId: 'u', event: 'Order Completed', properties: { revenue: 5 } },
        { type: 'track', userId: 'u', event: 'Order Completed', properties: { revenue: 'five' } },
        { type: 'track', userId: 'u', event: 'Order Completed', properties: {} },
        { type: 'track', userId: 'u', event: 'Unplanned Thing' },
        { type: 'identify', userId: 'u', traits: { email: 'not-an-email' } },
        { type: 'page', userId: 'u', name: 'Pages are not planned' },
      ],
    });
    expect(res.body).toMatchObject({ accepted: 6, rejected: 0 });
    const stored = await eventsOf(`sourceId=${planned.id}&limit=10`);
    const flagged = stored.filter((e) => e.violations.length > 0);
    expect(flagged).toHaveLength(4);
    expect(stored.find((e) => e.event === 'Unplanned Thing')?.violations[0]).toMatchObject({ rule: 'unplannedEvent' });
    const counts = await tessera.api<{ violations: { type: string; event: string | null; count: number }[] }>(
      'GET',
      `/sources/${planned.id}/tracking-plan/violations`,
    );
    expect(counts.body.violations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'track', event: 'Order Completed', count: 2 }),
        expect.objectContaining({ type: 'track', event: 'Unplanned Thing', count: 1 }),
        expect.objectContaining({ type: 'identify', event: null, count: 1 }),
      ]),
    );
  });

  it('block mode sends violations to the rejection store', async () => {
    await tessera.api('PUT', `/sources/${planned.id}/tracking-plan`, plan('block'));
    const res = await tessera.track('/v1/batch', planned.writeKey, {
      batch: [
        { type: 'track', userId: 'u', event: 'App Opened' },
        { type: 'track', userId: 'u', event: 'Order Completed', properties: { revenue: 'lots' } },
      ],
    });
    expect(res.body).toMatchObject({ accepted: 1, rejected: 1 });
    expect(res.body.rejections[0].problems[0]).toMatchObject({ field: 'batch[1].properties.revenue', rule: 'type' });
    const single = await tessera.track('/v1/track', planned.writeKey, { userId: 'u', event: 'Nope' });
    expect(single.status).toBe(400);
    expect(single.body.details[0]).toMatchObject({ rule: 'unplannedEvent' });
  });

  it('can be read and removed', async () => {
    const got = await tessera.api<{ version: number; plan: { mode: string } }>('GET', `/sources/${planned.id}/tracking-plan`);
    expect(got.body).toMatchObject({ version: 2, plan: { mode: 'block' } });
    expect((await tessera.api('DELETE', `/sources/${planned.id}/tracking-plan`)).status).toBe(204);
    expect((await tessera.api('GET', `/sources/${planned.id}/tracking-plan`)).status).toBe(404);
    expect((await tessera.track('/v1/track', planned.writeKey, { userId: 'u', event: 'Anything' })).status).toBe(200);
  });
});
