/**
 * A retailer's people and their events, generated from a seed: identify
 * calls with traits (plan, country, age, signup date, birthday, time zone,
 * email, phone, newsletter consent) and track events (views, carts,
 * checkouts, orders, emails, sign-ins, searches) spread over the last year.
 * Plus the definitions the benchmark keeps live: 200 segments built from
 * templates and 20 computed traits, and 5 representative segments with the
 * same queries written by hand in DuckDB SQL.
 */
import type { Channel, CollectedMessage } from '../../src/contracts/index.js';
import type { ComputedTraitDefinition } from '../../src/contracts/index.js';
import { Random } from '../shared/random.js';

const day = 86_400_000;

export interface BenchSource {
  readonly id: string;
  readonly channel: Channel;
}

export interface GeneratedProfile {
  readonly index: number;
  /** Whether the person has a user id (others are known by an anonymous id only). */
  readonly known: boolean;
  readonly messages: readonly CollectedMessage[];
}

const plans = ['free', 'free', 'free', 'pro', 'pro', 'enterprise'];
const countries = ['FR', 'DE', 'GB', 'US', 'ES', 'IT', 'NL', 'SE', 'PL', 'BR'];
const cities = ['Paris', 'Berlin', 'London', 'New York', 'Madrid', 'Rome', 'Amsterdam', 'Stockholm', 'Warsaw', 'Sao Paulo'];
const zones = ['Europe/Paris', 'Europe/Berlin', 'Europe/London', 'America/New_York', 'Europe/Madrid', 'Europe/Rome', 'Europe/Amsterdam', 'Europe/Stockholm', 'Europe/Warsaw', 'America/Sao_Paulo'];
const firstNames = ['Ann', 'Bob', 'Chloe', 'Dev', 'Emma', 'Farid', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Kim', 'Lea'];
const lastNames = ['Martin', 'Muller', 'Smith', 'Garcia', 'Rossi', 'de Vries', 'Nilsson', 'Nowak', 'Silva', 'Brown'];
const categories = ['shoes', 'bags', 'coats', 'shirts', 'jeans', 'hats', 'socks', 'watches'];
const searches = ['boots', 'red dress', 'sale', 'gift', 'leather bag', 'running', 'linen', 'wool'];
const currencies = ['EUR', 'EUR', 'USD', 'GBP'];

/** Track events with their share of traffic and their properties. */
export const eventMix: readonly { readonly name: string; readonly weight: number; properties(rng: Random): Record<string, unknown> }[] = [
  { name: 'Product Viewed', weight: 38, properties: (r) => ({ sku: `SKU-${r.int(0, 1999)}`, category: r.pick(categories), price: r.int(5, 500) }) },
  { name: 'Product Added', weight: 14, properties: (r) => ({ sku: `SKU-${r.int(0, 1999)}`, category: r.pick(categories), price: r.int(5, 500), quantity: r.int(1, 3) }) },
  { name: 'Checkout Started', weight: 7, properties: (r) => ({ value: r.int(10, 900) }) },
  {
    name: 'Order Completed',
    weight: 8,
    properties: (r) => ({ revenue: Math.round(r.float() * 80_000) / 100 + 10, currency: r.pick(currencies), items: r.int(1, 5), ...(r.chance(0.2) && { coupon: `SAVE${r.int(5, 30)}` }) }),
  },
  { name: 'Email Opened', weight: 11, properties: (r) => ({ campaign: `c${r.int(1, 50)}` }) },
  { name: 'Email Clicked', weight: 4, properties: (r) => ({ campaign: `c${r.int(1, 50)}` }) },
  { name: 'Signed In', weight: 9, properties: (r) => ({ method: r.pick(['password', 'google', 'apple']) }) },
  { name: 'Search', weight: 9, properties: (r) => ({ query: r.pick(searches) }) },
];
const totalWeight = eventMix.reduce((sum, e) => sum + e.weight, 0);

export function pickEvent(rng: Random): (typeof eventMix)[number] {
  let x = rng.float() * totalWeight;
  for (const e of eventMix) {
    x -= e.weight;
    if (x < 0) return e;
  }
  return eventMix[0]!;
}

/** The source a message comes through: the web mostly, the app often, store tills for some orders. */
function sourceFor(rng: Random, event: string, sources: readonly BenchSource[]): BenchSource {
  const [web, ios, pos] = sources as [BenchSource, BenchSource, BenchSource];
  if (event === 'Order Completed' && rng.chance(0.25)) return pos;
  return rng.chance(0.65) ? web : ios;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const dateOnly = (ms: number): string => iso(ms).slice(0, 10);

/** Who person `index` is: how they are identified, given every run the same. */
export const userIdOf = (index: number): string => `u${index}`;
export const anonymousIdOf = (index: number): string => `a${index}`;
/** Their profile id in the loaded stores. */
export const profileIdOf = (seed: number, index: number): string => `prf_${new Random(seed * 31 + index).hex(20)}`;
/** Whether they have a user id: the first draw of their generator (see generateProfile). */
export const isKnown = (seed: number, index: number): boolean => new Random(seed * 1_000_003 + index).chance(0.75);

/** One new message from person `index` at `at`: a track event from the mix, or `event` when given. */
export function liveMessage(rng: Random, seed: number, index: number, at: number, sources: readonly BenchSource[], event?: string): CollectedMessage {
  const picked = event === undefined ? pickEvent(rng) : { name: event, properties: () => ({ code: `X${rng.int(1, 99)}` }) };
  const source = sourceFor(rng, picked.name, sources);
  const who = isKnown(seed, index) ? { userId: userIdOf(index) } : { anonymousId: anonymousIdOf(index) };
  return {
    v: 1,
    messageId: `live-${rng.hex(16)}`,
    type: 'track',
    sourceId: source.id,
    channel: source.channel,
    ...who,
    event: picked.name,
    properties: picked.properties(rng),
    context: {},
    timestamp: iso(at),
    receivedAt: iso(at),
  };
}

/**
 * Person `index`'s messages, oldest first: one or two identify calls, then
 * `tracks` track events from the first time they were seen until now.
 */
export function generateProfile(seed: number, index: number, tracks: number, now: number, sources: readonly BenchSource[]): GeneratedProfile {
  const rng = new Random(seed * 1_000_003 + index);
  const known = rng.chance(0.75);
  const who = known ? { userId: userIdOf(index) } : { anonymousId: anonymousIdOf(index) };
  const firstSeen = now - rng.int(1, 365) * day - rng.int(0, day - 1);
  const messages: CollectedMessage[] = [];
  let n = 0;
  const message = (at: number, source: BenchSource, body: Partial<CollectedMessage> & Pick<CollectedMessage, 'type'>): void => {
    messages.push({ v: 1, messageId: `m${index}-${n++}`, sourceId: source.id, channel: source.channel, ...who, context: {}, timestamp: iso(at), receivedAt: iso(at), ...body });
  };
  const traits: Record<string, unknown> = {
    plan: rng.pick(plans),
    country: rng.pick(countries),
    city: rng.pick(cities),
    age: rng.int(18, 80),
    signup_at: iso(firstSeen + rng.int(0, 3) * day),
    loyalty_points: rng.int(0, 5000),
    newsletter: rng.chance(0.5),
    firstName: rng.pick(firstNames),
    lastName: rng.pick(lastNames),
  };
  if (rng.chance(0.6)) traits.birthday = dateOnly(Date.UTC(1950, 0, 1) + rng.int(0, 55 * 365) * day);
  if (rng.chance(0.7)) traits.timezone = rng.pick(zones);
  if (known && rng.chance(0.8)) traits.email = `person${index}@example.com`;
  if (known && rng.chance(0.3)) traits.phone = `+1415${String(5_000_000 + (index % 5_000_000)).padStart(7, '0')}`;
  message(firstSeen, sources[0]!, { type: 'identify', traits });
  const span = now - firstSeen;
  const times = Array.from({ length: tracks }, () => firstSeen + Math.floor(rng.float() * span)).sort((a, b) => a - b);
  const secondIdentifyAt = rng.chance(0.3) ? (times[Math.floor(times.length / 2)] ?? now - day) : undefined;
  for (const at of times) {
    const event = pickEvent(rng);
    message(at, sourceFor(rng, event.name, sources), { type: 'track', event: event.name, properties: event.properties(rng) });
  }
  if (secondIdentifyAt !== undefined) {
    message(secondIdentifyAt + 1, sources[1]!, { type: 'identify', traits: { plan: rng.pick(plans), loyalty_points: rng.int(0, 9000), newsletter: rng.chance(0.5) } });
  }
  return { index, known, messages };
}

/** How many track events each person gets, so that the total comes to about `events`. */
export function trackCounts(seed: number, people: number, events: number): Uint16Array {
  const rng = new Random(seed);
  const mean = Math.max(0, events / people - 1.3);
  const counts = new Uint16Array(people);
  for (let i = 0; i < people; i++) counts[i] = Math.min(2_000, Math.round(rng.exponential(mean)));
  return counts;
}

// ---- definitions

export const computedTraits: readonly { readonly name: string; readonly definition: ComputedTraitDefinition }[] = [
  { name: 'orders_total', definition: { kind: 'aggregate', function: 'count', event: 'Order Completed' } },
  { name: 'orders_90d', definition: { kind: 'aggregate', function: 'count', event: 'Order Completed', window: { amount: 90, unit: 'days' } } },
  { name: 'revenue_total', definition: { kind: 'aggregate', function: 'sum', event: 'Order Completed', property: 'revenue' } },
  { name: 'revenue_90d', definition: { kind: 'aggregate', function: 'sum', event: 'Order Completed', property: 'revenue', window: { amount: 90, unit: 'days' } } },
  { name: 'max_order', definition: { kind: 'aggregate', function: 'max', event: 'Order Completed', property: 'revenue' } },
  { name: 'first_order_currency', definition: { kind: 'aggregate', function: 'first', event: 'Order Completed', property: 'currency' } },
  { name: 'last_viewed_sku', definition: { kind: 'aggregate', function: 'last', event: 'Product Viewed', property: 'sku' } },
  { name: 'favourite_category', definition: { kind: 'aggregate', function: 'most_frequent', event: 'Product Viewed', property: 'category' } },
  { name: 'categories_viewed', definition: { kind: 'aggregate', function: 'unique_count', event: 'Product Viewed', property: 'category' } },
  { name: 'views_7d', definition: { kind: 'aggregate', function: 'count', event: 'Product Viewed', window: { amount: 7, unit: 'days' } } },
  { name: 'carts_30d', definition: { kind: 'aggregate', function: 'count', event: 'Product Added', window: { amount: 30, unit: 'days' } } },
  { name: 'avg_cart_price', definition: { kind: 'aggregate', function: 'avg', event: 'Product Added', property: 'price' } },
  { name: 'emails_opened_30d', definition: { kind: 'aggregate', function: 'count', event: 'Email Opened', window: { amount: 30, unit: 'days' } } },
  { name: 'clicked_ever', definition: { kind: 'aggregate', function: 'exists', event: 'Email Clicked' } },
  { name: 'sign_ins_30d', definition: { kind: 'aggregate', function: 'count', event: 'Signed In', window: { amount: 30, unit: 'days' } } },
  { name: 'coupon_orders', definition: { kind: 'aggregate', function: 'count', event: 'Order Completed', where: 'coupon exists' } },
  { name: 'big_orders', definition: { kind: 'aggregate', function: 'count', event: 'Order Completed', where: 'revenue > 300' } },
  { name: 'aov', definition: { kind: 'expression', expression: 'round(coalesce(trait.revenue_total, 0) / max(coalesce(trait.orders_total, 0), 1), 2)' } },
  { name: 'engaged', definition: { kind: 'expression', expression: 'coalesce(trait.emails_opened_30d, 0) >= 3 or coalesce(trait.sign_ins_30d, 0) >= 2' } },
  { name: 'value_tier', definition: { kind: 'expression', expression: 'if(coalesce(trait.revenue_total, 0) > 1000, "high", if(coalesce(trait.revenue_total, 0) > 200, "mid", "low"))' } },
];

const windows = [7, 14, 30, 60, 90, 180];

/**
 * 200 segments over the population's vocabulary, from templates with seeded
 * parameters: traits, counts and windows with property filters, absences,
 * sequences, consent, identifiers, channels, computed traits, and segments
 * built on earlier ones.
 */
export function liveSegments(seed: number, count = 200): { name: string; text: string }[] {
  const rng = new Random(seed * 7 + 3);
  const out: { name: string; text: string }[] = [];
  const event = (): string => JSON.stringify(pickEvent(rng).name);
  const w = (): number => rng.pick(windows);
  const atoms: (() => string)[] = [
    () => `trait.plan = ${JSON.stringify(rng.pick(plans))}`,
    () => `trait.country in [${[rng.pick(countries), rng.pick(countries)].map((c) => JSON.stringify(c)).join(', ')}]`,
    () => `trait.age ${rng.pick(['<', '>=', '>'])} ${rng.int(20, 70)}`,
    () => `trait.age between ${rng.int(18, 40)} and ${rng.int(41, 80)}`,
    () => `trait.loyalty_points > ${rng.int(100, 4000)}`,
    () => `trait.signup_at within last ${w()} days`,
    () => `trait.birthday birthday in ${rng.int(0, 14)} days`,
    () => `trait.city starts with ${JSON.stringify(rng.pick(cities).slice(0, 2))}`,
    () => `performed ${event()} within last ${w()} days`,
    () => `count(event ${event()}, last ${w()} days) >= ${rng.int(2, 5)}`,
    () => `count(event "Order Completed" where revenue > ${rng.int(50, 500)}, last ${w()} days) >= ${rng.int(1, 3)}`,
    () => `performed "Product Viewed" where category = ${JSON.stringify(rng.pick(categories))} within last ${w()} days`,
    () => `performed "Order Completed" where currency = ${JSON.stringify(rng.pick(currencies))}`,
    () => `not performed ${event()} within last ${w()} days`,
    () => `count(event ${event()}) >= ${rng.int(3, 15)}`,
    () => `consent(email, marketing)`,
    () => `has identifier ${rng.pick(['email', 'phone', 'user_id'])}`,
    () => `seen on ${rng.pick(['web', 'ios', 'pos'])}`,
  ];
  const rare: (() => string)[] = [
    () => `performed "Product Added" then "Order Completed" within ${rng.int(1, 3)} days within last ${w()} days`,
    () => `trait.orders_90d >= ${rng.int(1, 3)}`,
    () => `trait.value_tier = ${JSON.stringify(rng.pick(['high', 'mid']))}`,
    () => `trait.engaged = true`,
    () => `trait.favourite_category = ${JSON.stringify(rng.pick(categories))}`,
    () => `trait.views_7d >= ${rng.int(1, 3)}`,
  ];
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    const size = rng.int(1, 3);
    for (let k = 0; k < size; k++) parts.push((rng.chance(0.12) ? rng.pick(rare) : rng.pick(atoms))());
    // Some build on an earlier segment.
    if (i > 10 && rng.chance(0.06)) parts.push(`in segment ${JSON.stringify(out[rng.int(0, out.length - 1)]!.name)}`);
    const text = rng.chance(0.2) && parts.length > 1 ? parts.join(' or ') : parts.join(' and ');
    out.push({ name: `live-${String(i).padStart(3, '0')}`, text });
  }
  // The latency probe: nobody has done it before the run.
  out[count - 1] = { name: 'probe', text: 'performed "Coupon Applied" within last 1 days' };
  return out;
}

/** Five representative segments, each with the same question written by hand in DuckDB SQL (`$now` a TIMESTAMP). */
export const representative: readonly { readonly name: string; readonly text: string; readonly sql: string }[] = [
  {
    name: 'High-value recent buyers',
    text: 'count(event "Order Completed" where revenue > 300, last 90 days) >= 2',
    sql: `SELECT profile_id FROM profile_events
          WHERE event = 'Order Completed' AND TRY_CAST((properties ->> 'revenue') AS DOUBLE) > 300
            AND timestamp > $now - INTERVAL 90 DAY AND timestamp <= $now
          GROUP BY profile_id HAVING count(*) >= 2`,
  },
  {
    name: 'Pro in France or Germany, emailable',
    text: 'trait.plan = "pro" and trait.country in ["FR", "DE"] and consent(email, marketing)',
    sql: `SELECT profile_id FROM profile_facts
          WHERE (traits ->> 'plan') = 'pro' AND (traits ->> 'country') IN ('FR', 'DE') AND (consent ->> '$."email:marketing"') = 'granted'`,
  },
  {
    name: 'Cart abandoners',
    text: 'performed "Product Added" within last 7 days and not performed "Order Completed" within last 7 days',
    sql: `SELECT profile_id FROM profile_events WHERE event = 'Product Added' AND timestamp > $now - INTERVAL 7 DAY AND timestamp <= $now
          EXCEPT
          SELECT profile_id FROM profile_events WHERE event = 'Order Completed' AND timestamp > $now - INTERVAL 7 DAY AND timestamp <= $now`,
  },
  {
    name: 'Quick converters',
    text: 'performed "Checkout Started" then "Order Completed" within 1 days within last 30 days',
    sql: `SELECT DISTINCT a.profile_id FROM profile_events a JOIN profile_events b ON b.profile_id = a.profile_id
          WHERE a.event = 'Checkout Started' AND b.event = 'Order Completed'
            AND b.timestamp > a.timestamp AND b.timestamp <= a.timestamp + INTERVAL 1 DAY
            AND a.timestamp > $now - INTERVAL 30 DAY AND a.timestamp <= $now
            AND b.timestamp > $now - INTERVAL 30 DAY AND b.timestamp <= $now`,
  },
  {
    name: 'Young app users, recent signups',
    text: 'trait.age between 25 and 34 and seen on ios and trait.signup_at within last 180 days',
    sql: `SELECT profile_id FROM profile_facts
          WHERE TRY_CAST((traits ->> 'age') AS DOUBLE) BETWEEN 25 AND 34 AND list_contains(channels, 'ios')
            AND TRY_CAST((traits ->> 'signup_at') AS TIMESTAMPTZ) > $now - INTERVAL 180 DAY
            AND TRY_CAST((traits ->> 'signup_at') AS TIMESTAMPTZ) <= $now`,
  },
];

/** Extra previews: a few of the live definitions, of different shapes. */
export const previewOnly: readonly string[] = [
  'has identifier phone and seen on pos',
  'count(event "Product Viewed", last 30 days) >= 3 and not performed "Order Completed" within last 30 days',
  'trait.birthday birthday in 7 days and consent(email, marketing)',
];
