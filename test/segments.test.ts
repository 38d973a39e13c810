import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Source } from '../src/contracts/index.js';
import { ManualClock } from '../src/lib/clock.js';
import { startTestTessera, type JsonBody, type TestTessera } from './helpers/tessera.js';

const day = 86_400_000;
const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
let tessera: TestTessera;
let web: Source;

const daysAgo = (days: number): string => new Date(clock.now() - days * day).toISOString();
const send = (body: unknown) => tessera.track('/v1/batch', web.writeKey, { batch: body });

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function createLive(name: string, definition: unknown): Promise<string> {
  const created = await tessera.api<JsonBody>('POST', '/segments', { name, definition });
  expect(created.status).toBe(201);
  await until(() => tessera.api<JsonBody>('GET', `/segments/${created.body.id}`), (s) => s.body.status === 'live', `${name} to be live`);
  return created.body.id as string;
}

const profileIdOf = async (userId: string): Promise<string> =>
  (await tessera.api<JsonBody>('GET', `/profiles?identifier=user_id:${userId}`)).body.profiles[0].id as string;
const segmentsOf = async (userId: string): Promise<string[]> =>
  ((await tessera.api<JsonBody>('GET', `/profiles/${await profileIdOf(userId)}/segments`)).body.segments as { name: string }[]).map((s) => s.name);
const membersOf = async (id: string): Promise<string[]> =>
  ((await tessera.api<JsonBody>('GET', `/segments/${id}/members?limit=1000`)).body.members as { profileId: string }[]).map((m) => m.profileId).sort();

beforeAll(async () => {
  tessera = await startTestTessera({ clock });
  web = await tessera.createSource('Web', 'web');
  await send([
    { type: 'track', userId: 'ann', event: 'Order Completed', properties: { revenue: 80 }, timestamp: daysAgo(2) },
    { type: 'track', userId: 'ann', event: 'Order Completed', properties: { revenue: 90 }, timestamp: daysAgo(1) },
    { type: 'track', userId: 'bob', event: 'Order Completed', properties: { revenue: 10 }, timestamp: daysAgo(1) },
    { type: 'track', userId: 'cid', event: 'Order Completed', properties: { revenue: 99 }, timestamp: daysAgo(40) },
    { type: 'identify', userId: 'bob', traits: { plan: 'pro' } },
    { type: 'identify', userId: 'cid', traits: { plan: 'free' } },
  ]);
  await tessera.settled();
});
afterAll(() => tessera.stop());

describe('segments over history', () => {
  it('fill event conditions from stored events, with filters and windows', async () => {
    const id = await createLive('Big buyers', 'count(event "Order Completed" where revenue > 50, last 30d) >= 2');
    expect(await membersOf(id)).toEqual([await profileIdOf('ann')]);
    const segment = await tessera.api<JsonBody>('GET', `/segments/${id}`);
    expect(segment.body).toMatchObject({ name: 'Big buyers', size: 1, definition: { text: 'count(event "Order Completed" where revenue > 50, last 30 days) >= 2' } });
    expect(segment.body.definition.json).toMatchObject({ kind: 'event', count: { op: '>=', value: 2 } });
  });

  it('take the JSON form as well as the text form', async () => {
    const id = await createLive('Pro', { kind: 'trait', trait: 'plan', test: { op: '=', value: 'pro' } });
    expect(await membersOf(id)).toEqual([await profileIdOf('bob')]);
  });
});

describe('segments in real time', () => {
  it('enter a person when an event qualifies them, and say so on their timeline', async () => {
    await send([
      { type: 'track', userId: 'bob', event: 'Order Completed', properties: { revenue: 100 }, timestamp: daysAgo(0.5) },
      { type: 'track', userId: 'bob', event: 'Order Completed', properties: { revenue: 120 }, timestamp: daysAgo(0.2) },
    ]);
    await until(() => segmentsOf('bob'), (names) => names.includes('Big buyers'), 'bob to enter Big buyers');
    const timeline = await until(
      async () => (await tessera.api<JsonBody>('GET', `/profiles/${await profileIdOf('bob')}/events`)).body.events as { event: string; properties: { segment_name?: string } }[],
      (events) => events.some((e) => e.event === 'Segment Entered'),
      'Segment Entered on the timeline',
    );
    expect(timeline.find((e) => e.event === 'Segment Entered')?.properties.segment_name).toBe('Big buyers');
  });

  it('exit a person when a trait changes', async () => {
    // A later statement: with the clock standing still, both identifies would have the same time.
    clock.advance(1000);
    await tessera.track('/v1/identify', web.writeKey, { userId: 'bob', traits: { plan: 'free' } });
    await until(() => segmentsOf('bob'), (names) => !names.includes('Pro'), 'bob to leave Pro');
  });

  it('keep a segment built on another segment current', async () => {
    const id = await createLive('Big buyers on free plan', 'in segment "Big buyers" and trait.plan = "free"');
    expect(await membersOf(id)).toEqual([await profileIdOf('bob')]);
    clock.advance(1000);
    await tessera.track('/v1/identify', web.writeKey, { userId: 'ann', traits: { plan: 'free' } });
    await until(() => membersOf(id), (members) => members.length === 2, 'ann to join');
  });

  it('exit people when time alone moves them out of a window, with a Segment Exited event', async () => {
    const id = await createLive('Recent buyers', 'performed "Order Completed" within last 2 days');
    const ann = await profileIdOf('ann');
    expect(await membersOf(id)).toContain(ann);
    // Ann's last order was a day ago: 1.1 more days and it has left the window.
    clock.advance(1.1 * day);
    await until(() => membersOf(id), (members) => !members.includes(ann), 'ann to leave by time');
    await until(
      async () => (await tessera.api<JsonBody>('GET', `/profiles/${ann}/events`)).body.events as { event: string; properties: { segment_name?: string } }[],
      (events) => events.some((e) => e.event === 'Segment Exited' && e.properties.segment_name === 'Recent buyers'),
      'Segment Exited on the timeline',
    );
  });
});

describe('segments as profiles change', () => {
  it('enter the survivor of a merge when the merged profile brings what qualifies it, whatever message merged them', async () => {
    const id = await createLive('Two orders', 'count(event "Order Completed") >= 2');
    await send([
      { type: 'track', userId: 'dan', event: 'Order Completed', properties: { revenue: 5 }, timestamp: daysAgo(3) },
      { type: 'track', anonymousId: 'anon-dan', event: 'Order Completed', properties: { revenue: 6 }, timestamp: daysAgo(2) },
    ]);
    await tessera.settled();
    expect(await membersOf(id)).not.toContain(await profileIdOf('dan'));
    // An identify reads no event, yet the merge it causes gives dan a second order.
    await tessera.track('/v1/identify', web.writeKey, { userId: 'dan', anonymousId: 'anon-dan', traits: {} });
    await until(() => segmentsOf('dan'), (names) => names.includes('Two orders'), 'dan to enter Two orders');
  });

  it('enter as channels and identifiers are added, each through the message that adds them', async () => {
    const ios = await tessera.createSource('App', 'ios');
    const onIos = await createLive('On the app', 'seen on ios');
    const withPhone = await createLive('Has a phone', 'has identifier phone');
    await send([{ type: 'track', userId: 'eve', event: 'Page Viewed', timestamp: daysAgo(1) }]);
    await tessera.settled();
    const eve = await profileIdOf('eve');
    for (const segment of [onIos, withPhone]) expect(await membersOf(segment)).not.toContain(eve);
    await tessera.track('/v1/track', ios.writeKey, { userId: 'eve', event: 'App Opened' });
    await until(() => membersOf(onIos), (members) => members.includes(eve), 'eve to enter On the app');
    await tessera.track('/v1/identify', web.writeKey, { userId: 'eve', traits: { phone: '+33 6 12 34 56 78' } });
    await until(() => membersOf(withPhone), (members) => members.includes(eve), 'eve to enter Has a phone');
  });
});

describe('segments as the API changes profiles', () => {
  it('enter a person whose consent is given through the API, at once', async () => {
    const emailable = await createLive('Emailable', 'consent(email, marketing)');
    await send([{ type: 'identify', userId: 'fay', traits: { name: 'Fay' } }]);
    await tessera.settled();
    const fay = await profileIdOf('fay');
    expect(await membersOf(emailable)).not.toContain(fay);
    const put = await tessera.api('PUT', `/profiles/${fay}/consent`, { consent: [{ channel: 'email', purpose: 'marketing', state: 'granted' }] });
    expect(put.status).toBe(200);
    // Decided before the call returned: no message from Fay is needed.
    expect(await membersOf(emailable)).toContain(fay);
  });

  it('move memberships with the identifiers a split detaches', async () => {
    const tablet = await createLive('Tablet orders', 'performed "Order Completed" where till = "tablet"');
    await send([
      { type: 'track', anonymousId: 'kiosk', event: 'Order Completed', properties: { till: 'tablet' }, timestamp: daysAgo(1) },
      { type: 'identify', userId: 'gus', anonymousId: 'kiosk', traits: {} },
    ]);
    await until(() => segmentsOf('gus'), (names) => names.includes('Tablet orders'), 'gus to enter Tablet orders');
    const gus = await profileIdOf('gus');
    const split = await tessera.api<JsonBody>('POST', `/profiles/${gus}/split`, { identifiers: ['anonymous_id:kiosk'] });
    expect(split.status).toBe(200);
    expect(await membersOf(tablet)).toEqual([split.body.detached.id]);
  });
});

describe('definitions that are refused', () => {
  it.each([
    ['a syntax error, located', { name: 'Broken', definition: 'trait.plan = \n "pro" and count(event X)' }, 400, /line 2, column 24: expected an event name/],
    ['a JSON form with a bad operator', { name: 'Broken', definition: { kind: 'trait', trait: 'plan', test: { op: 'like', value: 'p' } } }, 400, /test\.op: must be one of/],
    ['a reference to an unknown segment', { name: 'Broken', definition: 'in segment "Nope"' }, 400, /segment "Nope", which does not exist/],
    ['a time-relative test on an event property', { name: 'Broken', definition: 'performed "X" where at within last 3 days' }, 400, /use the window/],
    ['a name already taken', { name: 'Pro', definition: 'seen on web' }, 409, /already exists/],
  ])('%s, and nothing is saved', async (_case, body, status, message) => {
    const before = (await tessera.api<JsonBody>('GET', '/segments')).body.segments.length;
    const res = await tessera.api<JsonBody>('POST', '/segments', body);
    expect(res.status).toBe(status);
    expect(res.body.message).toMatch(message);
    expect((await tessera.api<JsonBody>('GET', '/segments')).body.segments).toHaveLength(before);
  });

  it('refuses deleting a segment others are built on', async () => {
    const all = (await tessera.api<JsonBody>('GET', '/segments')).body.segments as { id: string; name: string }[];
    const bigBuyers = all.find((s) => s.name === 'Big buyers')!;
    const res = await tessera.api<JsonBody>('DELETE', `/segments/${bigBuyers.id}`);
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/Big buyers on free plan/);
  });
});
