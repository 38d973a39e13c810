import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Source } from '../src/contracts/index.js';
import { ManualClock } from '../src/lib/clock.js';
import { startTestTessera, type JsonBody, type TestTessera } from './helpers/tessera.js';

const day = 86_400_000;
const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
let tessera: TestTessera;
let web: Source;
const daysAgo = (days: number): string => new Date(clock.now() - days * day).toISOString();

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function define(name: string, definition: unknown): Promise<string> {
  const res = await tessera.api<JsonBody>('POST', '/traits', { name, definition });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  await until(() => tessera.api<JsonBody>('GET', `/traits/${res.body.id}`), (t) => t.body.status === 'live', `${name} to be live`);
  return res.body.id as string;
}

type Traits = Record<string, { value: unknown; rule: string; lineage: { sourceId: string } }>;
const traitsOf = async (userId: string): Promise<Traits> =>
  (await tessera.api<{ profiles: { traits: Traits }[] }>('GET', `/profiles?identifier=user_id:${userId}`)).body.profiles[0]!.traits;

beforeAll(async () => {
  tessera = await startTestTessera({ clock });
  web = await tessera.createSource('Web', 'web');
  await tessera.track('/v1/batch', web.writeKey, {
    batch: [
      { type: 'track', userId: 'ann', event: 'Order Completed', properties: { revenue: 30, category: 'shoes' }, timestamp: daysAgo(40) },
      { type: 'track', userId: 'ann', event: 'Order Completed', properties: { revenue: 80, category: 'bags' }, timestamp: daysAgo(20) },
      { type: 'track', userId: 'ann', event: 'Order Completed', properties: { revenue: 90, category: 'shoes' }, timestamp: daysAgo(1) },
      { type: 'track', userId: 'bob', event: 'Order Completed', properties: { revenue: 10 }, timestamp: daysAgo(3) },
    ],
  });
  await tessera.settled();
});
afterAll(() => tessera.stop());

describe('computed traits', () => {
  it('aggregate history, appear on the profile with lineage naming the definition, and report the backfill', async () => {
    const orders30 = await define('orders_30d', { kind: 'aggregate', function: 'count', event: 'Order Completed', window: { amount: 30, unit: 'days' } });
    await define('revenue_total', { kind: 'aggregate', function: 'sum', event: 'Order Completed', property: 'revenue' });
    await define('orders_total', { kind: 'aggregate', function: 'count', event: 'Order Completed' });
    await define('favourite_category', { kind: 'aggregate', function: 'most_frequent', event: 'Order Completed', property: 'category' });
    await define('big_orders', { kind: 'aggregate', function: 'count', event: 'Order Completed', where: 'revenue > 50' });
    await define('last_revenue', { kind: 'aggregate', function: 'last', event: 'Order Completed', property: 'revenue' });
    await define('revenue_per_order', { kind: 'expression', expression: 'round(trait.revenue_total / trait.orders_total, 2)' });

    const ann = await traitsOf('ann');
    expect(Object.fromEntries(Object.entries(ann).map(([k, v]) => [k, v.value]))).toMatchObject({
      orders_30d: 2,
      revenue_total: 200,
      orders_total: 3,
      favourite_category: 'shoes',
      big_orders: 2,
      last_revenue: 90,
      revenue_per_order: 66.67,
    });
    expect(ann.orders_30d).toMatchObject({ rule: 'computed', lineage: { sourceId: `computed:${orders30}` } });
    // A 30-day window only needs the stored events of the last 30 days: three of the four.
    expect((await tessera.api<JsonBody>('GET', `/traits/${orders30}`)).body.backfill.eventsReplayed).toBe(3);
  });

  it('stay current on every event', async () => {
    await tessera.track('/v1/track', web.writeKey, { userId: 'bob', event: 'Order Completed', properties: { revenue: 70 }, timestamp: daysAgo(0.5) });
    const bob = await until(() => traitsOf('bob'), (t) => t.orders_total?.value === 2, 'bob to have two orders');
    expect(bob.revenue_total?.value).toBe(80);
    expect(bob.big_orders?.value).toBe(1);
    expect(bob.last_revenue?.value).toBe(70);
  });

  it('slide with their window, and move segments that read them by timer', async () => {
    const created = await tessera.api<JsonBody>('POST', '/segments', { name: 'Regulars', definition: 'trait.orders_30d >= 2' });
    await until(() => tessera.api<JsonBody>('GET', `/segments/${created.body.id}`), (s) => s.body.status === 'live', 'Regulars to be live');
    const members = () => tessera.api<JsonBody>('GET', `/segments/${created.body.id}/members`).then((r) => r.body.members as unknown[]);
    expect(await members()).toHaveLength(2);
    // Ann's order of 20 days ago leaves the 30-day window in 10 days.
    clock.advance(10 * day + 1000);
    expect((await traitsOf('ann')).orders_30d?.value).toBe(1);
    await until(members, (m) => m.length === 1, 'ann to leave Regulars by timer');
  });

  it.each([
    ['a value function without a property', { name: 'x1', definition: { kind: 'aggregate', function: 'sum', event: 'E' } }, 400, /definition\.property/],
    ['a filter that does not parse, located', { name: 'x2', definition: { kind: 'aggregate', function: 'count', event: 'E', where: 'revenue >' } }, 400, /column 10/],
    ['an expression that does not parse', { name: 'x3', definition: { kind: 'expression', expression: 'trait.a +' } }, 400, /expected a value/],
    ['an expression reading itself', { name: 'loop', definition: { kind: 'expression', expression: 'trait.loop + 1' } }, 400, /cycle/],
    ['a name already taken', { name: 'orders_total', definition: { kind: 'aggregate', function: 'count', event: 'E' } }, 409, /already exists/],
    ['a name conditions cannot read', { name: 'has space', definition: { kind: 'aggregate', function: 'count', event: 'E' } }, 400, /name/],
  ])('refuses %s', async (_case, body, status, message) => {
    const res = await tessera.api<JsonBody>('POST', '/traits', body);
    expect(res.status).toBe(status);
    expect(res.body.message).toMatch(message);
  });

  it('refuses deleting a trait a segment or another trait reads', async () => {
    const all = (await tessera.api<JsonBody>('GET', '/traits')).body.traits as { id: string; name: string }[];
    const orders30 = all.find((t) => t.name === 'orders_30d')!;
    const totals = all.find((t) => t.name === 'orders_total')!;
    expect((await tessera.api<JsonBody>('DELETE', `/traits/${orders30.id}`)).body.message).toMatch(/segment "Regulars"/);
    expect((await tessera.api<JsonBody>('DELETE', `/traits/${totals.id}`)).body.message).toMatch(/computed trait "revenue_per_order"/);
  });
});
