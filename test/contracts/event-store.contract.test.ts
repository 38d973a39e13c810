import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CollectedMessage, StoredEvent } from '../../src/contracts/index.js';
import type { EventRow, LogRecord } from '../../src/store/index.js';
import { ManualClock } from '../../src/lib/clock.js';
import { toEventRow } from '../../src/profiles/index.js';
import { eventStoreAdapters } from './adapters.js';
import { useTempDirs } from './temp-dir.js';

const event = (offset: number, overrides: Partial<EventRow> = {}): EventRow => ({
  offset,
  messageId: `m${offset}`,
  sourceId: 'src_a',
  channel: 'web',
  type: 'track',
  event: 'Viewed',
  category: null,
  userId: 'u1',
  anonymousId: null,
  groupId: null,
  previousId: null,
  properties: { offset, nested: { list: [1, 'two', null] } },
  traits: {},
  context: { ip: '10.0.0.1' },
  timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, offset)).toISOString(),
  originalTimestamp: null,
  sentAt: null,
  receivedAt: new Date(Date.UTC(2026, 0, 1, 0, 1, offset)).toISOString(),
  violations: [],
  fragmentKey: null,
  ...overrides,
});

/** What the store lists: the event without its internal fragment key. */
const listed = ({ fragmentKey: _fragmentKey, ...shown }: EventRow): StoredEvent => shown;

const checkpoint = (offset: number) => ({ consumer: 'test', partition: 0, offset });

/** Logged messages of every shape the event store maps differently. */
const messages: CollectedMessage[] = [
  {
    v: 1,
    messageId: 'track-1',
    type: 'track',
    sourceId: 'src_a',
    channel: 'web',
    userId: 'u1',
    anonymousId: 'a1',
    event: 'Order Completed',
    properties: { revenue: 42.5, items: [{ sku: 'x', n: 2 }], big: 1e21, tiny: 5e-324, text: 'h\u00e9 "q" \n \u2028 😀' },
    context: { ip: '10.0.0.1', library: { name: 'analytics.js' } },
    integrations: { All: false },
    timestamp: '2026-01-01T00:00:01.000Z',
    originalTimestamp: '2026-01-01T00:00:00.500Z',
    sentAt: '2026-01-01T00:00:02.000Z',
    receivedAt: '2026-01-01T00:00:03.000Z',
  },
  // A page names itself with `name`; no properties, no traits.
  { v: 1, messageId: 'page-2', type: 'page', sourceId: 'src_a', channel: 'web', anonymousId: 'a2', name: 'Home', category: 'Docs', context: {}, timestamp: '2026-01-02T00:00:00.000Z', receivedAt: '2026-01-02T00:00:00.000Z' },
  {
    v: 1,
    messageId: 'identify-3',
    type: 'identify',
    sourceId: 'src_b',
    channel: 'ios',
    userId: 'u3',
    traits: { email: 'jane@example.com', nested: { deep: [null, true, false, -0.25] } },
    context: {},
    violations: [{ field: 'traits.email', rule: 'format', message: 'x' }],
    timestamp: '2026-01-03T00:00:00.000Z',
    receivedAt: '2026-01-03T00:00:00.000Z',
  },
  { v: 1, messageId: 'alias-4', type: 'alias', sourceId: 'src_b', channel: 'ios', userId: 'u4', previousId: 'p4', context: {}, timestamp: '2026-01-04T00:00:00.000Z', receivedAt: '2026-01-04T00:00:00.000Z' },
  { v: 1, messageId: 'group-5', type: 'group', sourceId: 'src_b', channel: 'ios', userId: 'u5', groupId: 'g5', traits: {}, context: {}, timestamp: '2026-01-05T00:00:00.000Z', receivedAt: '2026-01-05T00:00:00.000Z' },
  // Skew correction can move an event outside years 0-9999; lone surrogates survive JSON.stringify as escapes
  // (in JSON columns: text columns hold UTF-8, where they become U+FFFD whichever way they are stored).
  { v: 1, messageId: 'odd-6', type: 'track', sourceId: 'src_a', channel: 'web', userId: 'u6', event: 'Odd', properties: { lone: '\udc00x', escaped: 'back\\ud800slash' }, context: { k: '\ud83d' }, timestamp: '+010000-01-01T00:00:00.000Z', originalTimestamp: '-000001-06-30T12:00:00.000Z', receivedAt: '2026-01-06T00:00:00.000Z' },
  { v: 1, messageId: 'far-7', type: 'track', sourceId: 'src_a', channel: 'web', userId: 'u7', event: 'Far', context: {}, timestamp: '+275760-09-13T00:00:00.000Z', originalTimestamp: '-271821-04-20T00:00:00.000Z', sentAt: '0000-01-01T00:00:00.000Z', receivedAt: '2026-01-07T00:00:00.000Z' },
];

const logged = (record: LogRecord, fragmentKey: string | null) => ({ offset: record.offset, fragmentKey, json: JSON.stringify(record.message) });

describe.each(eventStoreAdapters)('EventStore contract: $name', (adapter) => {
  const tempDir = useTempDirs();

  it('stores events with every field intact and moves the checkpoint', async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    expect(await store.checkpoint('test', 0)).toBe(0);
    const full = event(1, {
      type: 'alias',
      event: null,
      category: 'Docs',
      anonymousId: 'a1',
      groupId: 'g1',
      previousId: 'p1',
      traits: { plan: 'pro' },
      originalTimestamp: '2025-12-31T23:59:00.000Z',
      sentAt: '2025-12-31T23:59:30.000Z',
      violations: [{ field: 'event', rule: 'unplannedEvent', message: 'x' }],
    });
    await store.insert([full, event(2)], checkpoint(2));
    expect(await store.checkpoint('test', 0)).toBe(2);
    expect(await store.checkpoint('other', 0)).toBe(0);
    const { events } = await store.list({});
    expect(events).toEqual([listed(event(2)), listed(full)]);
    await store.close();
  });

  it('lists newest first by event time, then offset, in pages that neither skip nor repeat', async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    // Offsets 10..39; events 20..29 share one timestamp, so the offset breaks the tie.
    const events = Array.from({ length: 30 }, (_, i) => {
      const offset = 10 + i;
      const second = offset >= 20 && offset < 30 ? 20 : offset;
      return event(offset, { timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString() });
    });
    await store.insert(events, checkpoint(39));
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ limit: 7, ...(cursor !== undefined && { cursor }) });
      expect(page.events.length).toBeLessThanOrEqual(7);
      seen.push(...page.events.map((e) => e.offset));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    const expected = [...events]
      .sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp) || b.offset - a.offset)
      .map((e) => e.offset);
    expect(seen).toEqual(expected);
    await store.close();
  });

  it('filters by source, type, event name and time', async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    await store.insert(
      [
        event(1, { sourceId: 'src_a', event: 'Order Completed' }),
        event(2, { sourceId: 'src_b', event: 'Order Completed' }),
        event(3, { sourceId: 'src_a', type: 'page', event: 'Home' }),
        event(4, { sourceId: 'src_a', event: 'Order Completed' }),
      ],
      checkpoint(4),
    );
    const offsets = async (query: Parameters<typeof store.list>[0]) => (await store.list(query)).events.map((e) => e.offset);
    expect(await offsets({ sourceId: 'src_a' })).toEqual([4, 3, 1]);
    expect(await offsets({ type: 'page' })).toEqual([3]);
    expect(await offsets({ event: 'Order Completed', sourceId: 'src_a' })).toEqual([4, 1]);
    expect(await offsets({ since: event(3).timestamp })).toEqual([4, 3]);
    await store.close();
  });

  it("lists one person's timeline by fragment keys", async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    await store.insert(
      [event(1, { fragmentKey: 'web' }), event(2, { fragmentKey: 'app' }), event(3, { fragmentKey: 'other' }), event(4)],
      checkpoint(4),
    );
    const offsets = async (keys: string[]) => (await store.list({}, { fragmentKeys: keys })).events.map((e) => e.offset);
    expect(await offsets(['web', 'app'])).toEqual([2, 1]);
    expect(await offsets([])).toEqual([]);
    await store.close();
  });

  it('erases the events of some fragments and at some offsets, durably, and says which', async () => {
    const dir = await tempDir();
    const store = await adapter.open(dir, new ManualClock());
    await store.insert(
      [event(1, { fragmentKey: 'erased' }), event(2, { fragmentKey: 'kept' }), event(3, { fragmentKey: 'erased' }), event(4), event(5)],
      checkpoint(5),
    );
    expect((await store.erase({ fragmentKeys: ['erased', 'unknown'], offsets: [4, 99] })).sort()).toEqual([1, 3, 4]);
    expect(await store.erase({ fragmentKeys: ['erased'], offsets: [] })).toEqual([]);
    expect(await store.erase({ fragmentKeys: [], offsets: [] })).toEqual([]);
    await store.close();
    const reopened = await adapter.open(dir, new ManualClock());
    expect((await reopened.list({})).events.map((e) => e.offset)).toEqual([5, 2]);
    expect(await reopened.checkpoint('test', 0)).toBe(5);
    await reopened.close();
  });

  it('refuses a cursor it did not issue', async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    await expect(store.list({ cursor: 'garbage' })).rejects.toThrow(/cursor/);
    await store.close();
  });

  it('keeps events and checkpoints across a reopen', async () => {
    const dir = await tempDir();
    const store = await adapter.open(dir, new ManualClock());
    await store.insert([event(1), event(2)], checkpoint(2));
    await store.close();
    const reopened = await adapter.open(dir, new ManualClock());
    expect(await reopened.checkpoint('test', 0)).toBe(2);
    expect((await reopened.list({})).events).toHaveLength(2);
    await reopened.close();
  });

  it('serialises concurrent inserts so checkpoints never go backwards', async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    await Promise.all([store.insert([event(1)], checkpoint(1)), store.insert([event(2)], checkpoint(2))]);
    expect(await store.checkpoint('test', 0)).toBe(2);
    expect((await store.list({})).events.map((e) => e.offset)).toEqual([2, 1]);
    await store.close();
  });

  it('stores logged messages exactly as insert stores their toEventRow rows', async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    const records: LogRecord[] = messages.map((message, i) => ({ partition: 0, offset: i + 1, message }));
    const fragmentKeys = records.map((_, i) => (i % 2 === 0 ? `fragment-${i}` : null));
    await store.insertLogged(
      records.map((r, i) => logged(r, fragmentKeys[i]!)),
      checkpoint(records.length),
    );
    expect(await store.checkpoint('test', 0)).toBe(records.length);
    const expected = records.map((r, i) => listed({ ...toEventRow(r, []), fragmentKey: fragmentKeys[i]! }));
    const byOffset = (a: StoredEvent, b: StoredEvent): number => a.offset - b.offset;
    expect([...(await store.list({ limit: 100 })).events].sort(byOffset)).toEqual(expected);
    // The fragment keys went along: each person's timeline finds its events.
    expect((await store.list({}, { fragmentKeys: ['fragment-0', 'fragment-4'] })).events.map((e) => e.offset).sort()).toEqual([1, 5]);
    await store.close();
  });

  it('keeps any JSON in properties, traits and context as it was logged', async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    const object = fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });
    let offset = 0;
    await fc.assert(
      fc.asyncProperty(object, object, object, async (properties, traits, context) => {
        offset += 1;
        const message: CollectedMessage = { ...messages[0]!, messageId: `p${offset}`, properties, traits, context };
        await store.insertLogged([logged({ partition: 0, offset, message }, null)], checkpoint(offset));
        const [stored] = (await store.list({ limit: 1 })).events;
        const asLogged = JSON.parse(JSON.stringify(message)) as CollectedMessage;
        expect(stored).toEqual(listed(toEventRow({ partition: 0, offset, message: asLogged }, [])));
        await store.erase({ fragmentKeys: [], offsets: [offset] });
      }),
      { numRuns: 60 },
    );
    await store.close();
  });
});
