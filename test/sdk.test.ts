/**
 * Real traffic from the official server-side SDKs (Segment's analytics-node and
 * RudderStack's rudder-sdk-node) with their batching, gzip and retries as an
 * app would use them, checked end to end through the events API.
 */
import { createRequire } from 'node:module';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel, Source, StoredEvent } from '../src/contracts/index.js';
import { allEvents, countByMessageId } from './helpers/events.js';
import { adminToken, startTestTessera, type TestTessera } from './helpers/tessera.js';

type Properties = { seq: number; sku: string; price: number; tags: string[]; gift: { wrapped: boolean } };
type Traits = { email: string; plan: string; seats: number };

/** One SDK call, with its parameters named as both SDKs name them. */
type Call = (
  | { type: 'identify'; userId: string; traits: Traits }
  | { type: 'track'; userId: string; event: string; properties: Properties }
  | { type: 'page'; anonymousId: string; name: string; category: string; properties: Properties }
  | { type: 'screen'; userId: string; name: string; properties: Properties }
  | { type: 'group'; userId: string; groupId: string; traits: Traits }
  | { type: 'alias'; userId: string; previousId: string }
) & { timestamp?: Date };

type Delivered = (error?: unknown) => void;
type CallOf<T extends Call['type']> = Extract<Call, { type: T }>;

/** What both SDK clients offer: one method per call type, taking the call and a delivery callback. */
interface TrackingMethods {
  identify(call: CallOf<'identify'>, done: Delivered): unknown;
  track(call: CallOf<'track'>, done: Delivered): unknown;
  page(call: CallOf<'page'>, done: Delivered): unknown;
  screen(call: CallOf<'screen'>, done: Delivered): unknown;
  group(call: CallOf<'group'>, done: Delivered): unknown;
  alias(call: CallOf<'alias'>, done: Delivered): unknown;
}

/** Makes `call` through the SDK; resolves once the SDK reports it delivered, rejects when it gives up. */
function send(client: TrackingMethods, call: Call): Promise<void> {
  return new Promise((resolve, reject) => {
    const done: Delivered = (error) => {
      if (error === undefined || error === null) resolve();
      else reject(error instanceof Error ? error : new Error(`delivery failed: ${JSON.stringify(error)}`));
    };
    switch (call.type) {
      case 'identify':
        return void client.identify(call, done);
      case 'track':
        return void client.track(call, done);
      case 'page':
        return void client.page(call, done);
      case 'screen':
        return void client.screen(call, done);
      case 'group':
        return void client.group(call, done);
      case 'alias':
        return void client.alias(call, done);
    }
  });
}

interface Sdk {
  readonly name: string;
  /** The channel of the source the SDK sends to. */
  readonly channel: Channel;
  /** What the SDK reports as context.library. */
  readonly library: { name: string; version: string };
  /** The shape of the messageIds the SDK generates. */
  readonly messageId: RegExp;
  connect(writeKey: string, url: string): { methods: TrackingMethods; flush(): Promise<void> };
}

const installedVersion = (name: string): string =>
  (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Batches as an app would have them, but flushed quickly so the test does not wait on timers. */
const batching = { flushAt: 20, flushInterval: 50 };

const segment: Sdk = {
  name: 'Segment analytics-node',
  channel: 'server',
  library: { name: '@segment/analytics-node', version: installedVersion('@segment/analytics-node') },
  messageId: new RegExp(`^node-next-\\d+-${uuid.source.slice(1, -1)}$`),
  connect(writeKey, host) {
    const analytics = new SegmentAnalytics({ writeKey, host, ...batching, maxRetries: 3 });
    return { methods: analytics, flush: () => analytics.closeAndFlush() };
  },
};

const rudderstack: Sdk = {
  name: 'RudderStack rudder-sdk-node',
  // Not "server", which the SDK itself puts in every message: the source's channel must win.
  channel: 'pos',
  library: { name: 'analytics-node', version: installedVersion('@rudderstack/rudder-sdk-node') },
  messageId: uuid,
  connect(writeKey, dataPlaneUrl) {
    // gzip is on by default; no persistence queue (that would need Redis).
    const analytics = new RudderAnalytics(writeKey, { dataPlaneUrl, ...batching, retryCount: 3, logLevel: 'error' });
    return { methods: analytics, flush: () => analytics.flush() };
  },
};

/** `perType` calls of each of the six types; each call has an identity (userId or anonymousId) of its own. */
function plannedCalls(prefix: string, perType: number): Call[] {
  return Array.from({ length: perType }, (_, i): Call[] => {
    const properties: Properties = { seq: i, sku: `SKU-${i}`, price: 9.5 + i, tags: ['sdk', prefix], gift: { wrapped: i % 2 === 0 } };
    const traits: Traits = { email: `${prefix}-${i}@example.com`, plan: i % 3 === 0 ? 'pro' : 'free', seats: i };
    const id = (type: string) => `${prefix}-${type}-${i}`;
    return [
      { type: 'identify', userId: id('identify'), traits },
      { type: 'track', userId: id('track'), event: i % 2 === 0 ? 'Order Completed' : 'Product Viewed', properties },
      { type: 'page', anonymousId: id('page'), name: `Product ${i}`, category: 'Catalog', properties },
      { type: 'screen', userId: id('screen'), name: `Checkout step ${i % 4}`, properties },
      { type: 'group', userId: id('group'), groupId: `${prefix}-company-${i % 5}`, traits },
      { type: 'alias', userId: id('alias'), previousId: `${prefix}-anon-${i}` },
    ];
  }).flat();
}

const identityOf = (message: { userId?: string | null; anonymousId?: string | null }): string | undefined =>
  message.userId ?? message.anonymousId ?? undefined;

/** The stored fields a call must produce: page and screen names are stored as `event`. */
function expectedFields(call: Call): Record<string, unknown> {
  const { timestamp: _timestamp, ...fields } = call;
  if (!('name' in fields)) return fields;
  const { name, category: _category, ...rest } = fields as typeof fields & { category?: string };
  return { ...rest, event: name };
}

let tessera: TestTessera;

beforeAll(async () => {
  tessera = await startTestTessera();
});
afterAll(() => tessera.stop());

/** Sends every call through a fresh client of `sdk`, flushes it and waits until each call is reported delivered. */
async function sendAll(sdk: Sdk, source: Source, calls: readonly Call[]): Promise<void> {
  const client = sdk.connect(source.writeKey, tessera.url);
  const deliveries = calls.map((call) => send(client.methods, call));
  await client.flush();
  await Promise.all(deliveries);
}

/** How many /v1/batch requests the server has answered with 200, from its Prometheus metrics. */
async function batchRequestsAnswered(): Promise<number> {
  const metrics = await (await fetch(`${tessera.url}/metrics`)).text();
  const line = metrics
    .split('\n')
    .find((l) => l.startsWith('tessera_http_request_duration_seconds_count{') && l.includes('route="/v1/batch"') && l.includes('status="200"'));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const storedFrom = async (source: Source, query: Record<string, string> = {}): Promise<StoredEvent[]> => {
  await tessera.settled();
  return allEvents(tessera.url, adminToken, { sourceId: source.id, ...query });
};

describe.each([segment, rudderstack])('$name', (sdk) => {
  it('delivers identify, track, page, screen, group and alias calls exactly once, with every field', async () => {
    const source = await tessera.createSource(sdk.name, sdk.channel);
    const calls = plannedCalls(source.id, 25);
    const requestsBefore = await batchRequestsAnswered();
    const sendStarted = Date.now();
    await sendAll(sdk, source, calls);
    const sendEnded = Date.now();
    // Batched as configured: at least ceil(calls / flushAt) requests, but far fewer than one per call.
    const requests = (await batchRequestsAnswered()) - requestsBefore;
    expect(requests).toBeGreaterThanOrEqual(Math.ceil(calls.length / batching.flushAt));
    expect(requests).toBeLessThan(calls.length / 5);

    const stored = await storedFrom(source);
    const duplicated = [...countByMessageId(stored)].filter(([, count]) => count > 1);
    expect(duplicated).toEqual([]);
    expect(stored.map(identityOf).sort()).toEqual(calls.map(identityOf).sort());

    const byIdentity = new Map(stored.map((event) => [identityOf(event), event]));
    for (const call of calls) {
      const event = byIdentity.get(identityOf(call))!;
      expect(event).toMatchObject({ ...expectedFields(call), sourceId: source.id, channel: sdk.channel });
      expect(event.messageId).toMatch(sdk.messageId);
      expect(event.context.library).toEqual(sdk.library);

      // Same clock on both ends: the skew correction must land between the call and its receipt.
      const [timestamp, original, sentAt, receivedAt] = [event.timestamp, event.originalTimestamp, event.sentAt, event.receivedAt].map(
        (iso) => Date.parse(iso ?? 'missing'),
      ) as [number, number, number, number];
      expect(receivedAt).toBeGreaterThanOrEqual(sendStarted);
      expect(receivedAt).toBeLessThanOrEqual(sendEnded);
      expect(original).toBeGreaterThanOrEqual(sendStarted);
      expect(sentAt).toBeGreaterThanOrEqual(original);
      expect(timestamp).toBe(receivedAt - (sentAt - original));
    }

    const rejections = await tessera.api<{ rejections: unknown[] }>('GET', `/sources/${source.id}/rejections`);
    expect(rejections.body.rejections).toEqual([]);
  });
});

describe('a timestamp the app sets on a call', () => {
  /** Sends one backdated track call and returns how far the stored timestamp is from the time the app gave. */
  async function storedOffsetOfBackdatedCall(sdk: Sdk): Promise<number> {
    const source = await tessera.createSource(`${sdk.name} import`, sdk.channel);
    const happenedAt = new Date(Date.now() - 3 * 3600_000);
    const properties: Properties = { seq: 0, sku: 'SKU-old', price: 1, tags: [], gift: { wrapped: false } };
    await sendAll(sdk, source, [{ type: 'track', userId: 'backdated-user', event: 'Backdated', properties, timestamp: happenedAt }]);
    const [event] = await storedFrom(source, { event: 'Backdated' });
    return Date.parse(event!.timestamp) - happenedAt.getTime();
  }

  it('is the event time with Segment analytics-node (off by no more than the request latency)', async () => {
    const offset = await storedOffsetOfBackdatedCall(segment);
    expect(offset).toBeGreaterThanOrEqual(0);
    expect(offset).toBeLessThan(5_000);
  });

  // rudder-sdk-node sends the app's `timestamp` and, next to it, `originalTimestamp` set to the time of
  // the call: the app's timestamp must be the event time.
  it('is the event time with RudderStack rudder-sdk-node', async () => {
    const offset = await storedOffsetOfBackdatedCall(rudderstack);
    expect(offset).toBeGreaterThanOrEqual(0);
    expect(offset).toBeLessThan(5_000);
  });
});
