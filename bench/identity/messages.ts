/**
 * The planned events as Segment-spec JSON, cut into /v1/batch bodies the way
 * SDKs send them: each source (web, the two apps, the tills, the call centre)
 * batches its own events, so a quiet source's batch carries older events than
 * a busy one's sent at the same moment, and Tessera sees some messages out of
 * event-time order.
 */
import { epoch, Kind, type Device, type Person, type PlannedEvent, type Population, type SourceChannel } from './population.js';

export interface Batch {
  readonly channel: SourceChannel;
  /** The /v1/batch JSON, serialized on each call. */
  readonly body: () => string;
  readonly events: number;
  /** The probes this batch carries: their profile is looked up by userId once it is acknowledged. */
  readonly probes: readonly Probe[];
}

export interface Probe {
  readonly userId: string;
  readonly trait: string;
  readonly value: string;
}

export const probeTrait = 'bench_probe';

const products = [
  ['sku-1001', 'Trail Runner 2', 'Shoes', 129.0],
  ['sku-1002', 'City Sneaker', 'Shoes', 89.5],
  ['sku-2001', 'Wool Socks (3 pack)', 'Accessories', 19.99],
  ['sku-3001', 'Rain Jacket', 'Outerwear', 149.0],
  ['sku-3002', 'Down Vest', 'Outerwear', 119.0],
  ['sku-4001', 'Canvas Tote', 'Bags', 35.0],
  ['sku-4002', 'Merino Beanie', 'Accessories', 29.0],
  ['sku-5001', 'Linen Shirt', 'Tops', 59.0],
] as const;
const storefrontEvents = ['Product Viewed', 'Product Viewed', 'Product List Viewed', 'Products Searched', 'Product Added', 'Cart Viewed', 'Checkout Started', 'Order Completed'];
const pages = ['Home', 'Category', 'Product', 'Search', 'Cart', 'Account'];
const stores = ['London Covent Garden', 'Manchester Arndale', 'Paris Marais', 'Berlin Mitte', 'New York SoHo'];
const callReasons = ['order status', 'return', 'size advice', 'delivery', 'loyalty points'];
const agents = {
  web: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  ios: 'Shop/4.12.0 (iPhone; iOS 17.5; Scale/3.00)',
  android: 'Shop/4.12.0 (Linux; Android 14; Pixel 8)',
};

const at = <T>(items: readonly T[], n: number): T => items[n % items.length]!;

/** The `context` of web and app calls: shared objects (JSON.stringify only reads them), one per device and page. */
const contexts = new Map<string, Record<string, unknown>>();
function context(device: Device, variant: number): { context: Record<string, unknown>; path: string } {
  const page = at(pages, variant);
  const path = page === 'Product' ? `/p/${at(products, variant >>> 3)[0]}` : `/${page.toLowerCase()}`;
  const key = `${device.deviceId ?? device.channel}|${path}`;
  let found = contexts.get(key);
  if (found === undefined) {
    found =
      device.channel === 'web'
        ? {
            library: { name: 'analytics.js', version: '5.2.0' },
            page: { path, url: `https://shop.example.com${path}`, title: `${page} | Shop` },
            userAgent: agents.web,
            locale: 'en-GB',
          }
        : {
            library: { name: device.channel === 'ios' ? 'analytics-swift' : 'analytics-kotlin', version: '1.5.0' },
            app: { name: 'Shop', version: '4.12.0', build: '412' },
            device: { id: device.deviceId, type: device.channel, manufacturer: device.channel === 'ios' ? 'Apple' : 'Google' },
            os: { name: device.channel === 'ios' ? 'iOS' : 'Android', version: device.channel === 'ios' ? '17.5' : '14' },
            userAgent: agents[device.channel],
            locale: 'en-GB',
          };
    // App contexts are per device; web ones per page. Both stay few: a cache, not a copy of the stream.
    if (contexts.size < 50_000) contexts.set(key, found);
  }
  return { context: found, path };
}

function productProperties(variant: number): Record<string, unknown> {
  const [sku, name, category, price] = at(products, variant >>> 3);
  return { product_id: sku, sku, name, category, price, currency: 'EUR', quantity: 1 + (variant % 2) };
}

/** The Segment message for one planned event, and the source it is sent from. */
export function message(person: Person, event: PlannedEvent): { channel: SourceChannel; json: Record<string, unknown> } {
  const messageId = `m${event.seq.toString().padStart(9, '0')}`;
  const timestamp = new Date(epoch + event.time).toISOString();
  // One object literal per kind, with undefined for absent fields (JSON.stringify leaves them out).
  switch (event.kind) {
    case Kind.Pos: {
      const [sku, name, category, price] = at(products, event.variant >>> 3);
      return {
        channel: 'pos',
        json: {
          type: 'track',
          messageId,
          timestamp,
          anonymousId: person.posAccount,
          event: 'Order Completed',
          properties: {
            order_id: `pos-${event.seq.toString(36)}`,
            store: { name: at(stores, event.variant), id: `st-${event.variant % stores.length}` },
            revenue: price,
            currency: 'EUR',
            products: [{ product_id: sku, name, category, price, quantity: 1 }],
          },
          context: {
            library: { name: 'till-connector', version: '2.3.1' },
            traits: { email: person.emailTyped, phone: event.withPhone ? person.phone : undefined },
          },
        },
      };
    }
    case Kind.Call:
      return {
        channel: 'call_center',
        json: {
          type: 'track',
          messageId,
          timestamp,
          anonymousId: person.callerRecord,
          event: 'Call Completed',
          properties: { reason: at(callReasons, event.variant), duration_s: 60 + (event.variant % 900), agent_id: `agent-${event.variant % 40}` },
          context: { library: { name: 'contact-centre-connector', version: '1.0.4' }, traits: { phone: person.phoneNational } },
        },
      };
  }
  const device = person.devices[event.device]!;
  const { context: ctx, path } = context(device, event.variant);
  const common = { messageId, timestamp, anonymousId: device.anonymousId, userId: event.known ? person.userId : undefined };
  const probe = event.probe;
  let json: Record<string, unknown>;
  switch (event.kind) {
    case Kind.View:
      json =
        device.channel === 'web'
          ? { type: 'page', ...common, name: at(pages, event.variant), properties: { path }, context: ctx }
          : { type: 'screen', ...common, name: at(pages, event.variant), properties: {}, context: ctx };
      break;
    case Kind.Track: {
      const name = at(storefrontEvents, event.variant);
      const properties = name === 'Products Searched' ? { query: at(products, event.variant)[2].toLowerCase() } : productProperties(event.variant);
      json = { type: 'track', ...common, event: name, properties, context: ctx };
      break;
    }
    case Kind.Signup:
      json = {
        type: 'identify',
        ...common,
        traits: {
          email: person.emailTyped,
          firstName: person.firstName,
          lastName: person.lastName,
          createdAt: timestamp,
          phone: event.withPhone ? person.phone : undefined,
          [probeTrait]: probe,
        },
        context: ctx,
      };
      break;
    case Kind.Login:
      json = { type: 'identify', ...common, traits: { email: person.emailTyped, [probeTrait]: probe }, context: ctx };
      break;
    default:
      json = {
        type: 'identify',
        ...common,
        traits: {
          newsletter_opt_in: event.variant % 3 !== 0,
          favourite_category: at(products, event.variant)[2],
          phone: event.withPhone ? person.phone : undefined,
          [probeTrait]: probe,
        },
        context: ctx,
      };
  }
  return { channel: device.channel, json };
}

/**
 * Cuts the stream into batches of `size`, per source, in the order the
 * sources would fill and send them. A body is serialized when it is sent
 * (a few µs per event), so the stream never sits in memory as text.
 */
export function batches(population: Population, size: number): Batch[] {
  const out: Batch[] = [];
  const open = new Map<SourceChannel, { events: PlannedEvent[]; probes: Probe[] }>();
  const flush = (channel: SourceChannel): void => {
    const pending = open.get(channel);
    if (pending === undefined || pending.events.length === 0) return;
    const { events, probes } = pending;
    const body = (): string => `{"batch":[${events.map((e) => JSON.stringify(message(population.people[e.person]!, e).json)).join(',')}]}`;
    out.push({ channel, body, events: events.length, probes });
    open.delete(channel);
  };
  for (const event of population.events) {
    const person = population.people[event.person]!;
    const channel = channelOf(person, event);
    let pending = open.get(channel);
    if (pending === undefined) open.set(channel, (pending = { events: [], probes: [] }));
    pending.events.push(event);
    if (event.probe !== undefined) pending.probes.push({ userId: person.userId, trait: probeTrait, value: event.probe });
    if (pending.events.length >= size) flush(channel);
  }
  for (const channel of [...open.keys()]) flush(channel);
  return out;
}

/** The source an event is sent from. */
export function channelOf(person: Person, event: PlannedEvent): SourceChannel {
  if (event.kind === Kind.Pos) return 'pos';
  if (event.kind === Kind.Call) return 'call_center';
  return person.devices[event.device]!.channel;
}
