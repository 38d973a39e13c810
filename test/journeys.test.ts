import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceView, Source } from '../src/contracts/index.js';
import { ManualClock } from '../src/lib/clock.js';
import { nextLocalTime } from '../src/lib/zoned-time.js';
import { startTestTessera, type JsonBody, type TestTessera } from './helpers/tessera.js';
import { until } from './helpers/wait.js';

const hour = 3_600_000;
const day = 24 * hour;
const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
let tessera: TestTessera;
let web: Source;
const nowIso = () => new Date(clock.now()).toISOString();

interface Send {
  profileId: string;
  template: string;
  channel: string;
  journeyId: string;
}

async function person(userId: string, traits: Record<string, unknown>, marketing: Partial<Record<'email' | 'sms', boolean>> = { email: true }): Promise<string> {
  clock.advance(1000);
  await tessera.track('/v1/identify', web.writeKey, { userId, traits, timestamp: nowIso() });
  await tessera.settled();
  const id = (await tessera.api<JsonBody>('GET', `/profiles?identifier=user_id:${userId}`)).body.profiles[0].id as string;
  const consent = Object.entries(marketing).map(([channel, on]) => ({ channel, purpose: 'marketing', state: on ? 'granted' : 'denied' }));
  if (consent.length > 0) await tessera.api('PUT', `/profiles/${id}/consent`, { consent });
  return id;
}

async function liveJourney(name: string, definition: unknown): Promise<string> {
  const created = await tessera.api<JsonBody>('POST', '/journeys', { name, definition });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect((await tessera.api('POST', `/journeys/${created.body.id}/publish`)).status).toBe(200);
  return created.body.id as string;
}

const track = async (userId: string, event: string, properties: Record<string, unknown> = {}) => {
  await tessera.track('/v1/track', web.writeKey, { userId, event, properties, timestamp: nowIso() });
  await tessera.settled();
};
const sendsTo = async (profileId: string, journeyId?: string): Promise<Send[]> =>
  ((await tessera.api<{ sends: Send[] }>('GET', `/sends?profileId=${profileId}`)).body.sends).filter((s) => journeyId === undefined || s.journeyId === journeyId);
const journeysOf = async (profileId: string): Promise<InstanceView[]> =>
  (await tessera.api<{ journeys: InstanceView[] }>('GET', `/profiles/${profileId}/journeys`)).body.journeys;
/** The profile's latest instance of one journey; fails the test when there is none. */
const latestInstance = async (profileId: string, journeyId: string): Promise<InstanceView> => {
  const instance = (await journeysOf(profileId)).filter((j) => j.journeyId === journeyId).at(-1);
  if (instance === undefined) throw new Error(`profile ${profileId} has no instance of journey ${journeyId}`);
  return instance;
};
/** Moves the clock and lets the timer loop (every 250 ms) catch up. */
const pass = async (ms: number) => {
  clock.advance(ms);
  await new Promise((r) => setTimeout(r, 600));
};

beforeAll(async () => {
  tessera = await startTestTessera({ clock });
  web = await tessera.createSource('Web', 'web');
});
afterAll(() => tessera.stop());

describe('abandoned cart', () => {
  let journey: string;
  beforeAll(async () => {
    journey = await liveJourney('Abandoned cart', {
      entry: { kind: 'event', event: 'Product Added' },
      goal: { event: 'Order Completed', within: { amount: 7, unit: 'days' } },
      start: 'wait_order',
      steps: {
        wait_order: { type: 'waitForEvent', event: 'Order Completed', correlate: { cart_id: 'cart_id' }, timeout: { amount: 1, unit: 'hours' }, onEvent: 'done', onTimeout: 'push' },
        push: { type: 'send', channel: ['push', 'email'], template: 'cart-reminder', category: 'marketing', next: 'wait_day' },
        wait_day: { type: 'wait', duration: { amount: 24, unit: 'hours' }, next: 'check' },
        check: { type: 'branch', branches: [{ condition: 'performed "Order Completed" within last 2 days', next: 'done' }], else: 'email' },
        email: { type: 'send', channel: 'email', template: 'cart-last-chance', category: 'marketing', next: 'done' },
        done: { type: 'exit' },
      },
    });
  });

  it('sends nothing when the same cart is bought within the hour, and counts the conversion', async () => {
    const ann = await person('cart-ann', { email: 'ann@example.com' });
    await track('cart-ann', 'Product Added', { cart_id: 'c1' });
    await pass(20 * 60_000);
    await track('cart-ann', 'Order Completed', { cart_id: 'c1' });
    await until(() => journeysOf(ann), (j) => j[0]?.status === 'completed', 'the journey to end');
    const instance = await latestInstance(ann, journey);
    expect(instance).toMatchObject({ converted: true, step: null });
    expect(instance.history.map((h: { kind: string }) => h.kind)).toContain('resumed');
    await pass(2 * hour);
    expect(await sendsTo(ann, journey)).toEqual([]);
  });

  it('reminds when another cart is bought, falls back from push to email, then sends the last chance after a day', async () => {
    const bob = await person('cart-bob', { email: 'bob@example.com' });
    await track('cart-bob', 'Product Added', { cart_id: 'c2' });
    await track('cart-bob', 'Order Completed', { cart_id: 'other' });
    await pass(hour + 1000);
    const first = await until(() => sendsTo(bob, journey), (s) => s.length === 1, 'the reminder');
    expect(first[0]).toMatchObject({ template: 'cart-reminder', channel: 'email' });
    const { history } = await latestInstance(bob, journey);
    expect(history.find((h) => h.kind === 'sent')?.detail).toMatch(/push: not reachable/);
    await pass(day + 1000);
    // An order of another cart was made, but over two days ago? No: an hour and a day ago, so the branch holds.
    const instance = await latestInstance(bob, journey);
    expect(instance.history.find((h: { kind: string }) => h.kind === 'branch')?.detail).toBe('condition 1 held');
    expect((await sendsTo(bob, journey)).map((s) => s.template)).toEqual(['cart-reminder']);
  });

  it('sends the last chance when nothing was bought since', async () => {
    const cid = await person('cart-cid', { email: 'cid@example.com' });
    await track('cart-cid', 'Product Added', { cart_id: 'c3' });
    await pass(hour + 1000);
    await pass(day + 1000);
    const sends = await until(() => sendsTo(cid, journey), (s) => s.length === 2, 'both messages');
    expect(sends.map((s) => s.template).sort()).toEqual(['cart-last-chance', 'cart-reminder']);
    expect((await journeysOf(cid))[0]).toMatchObject({ status: 'completed', converted: false });
  });

  it('counts entries, completions and conversions per step', async () => {
    const stats = (await tessera.api<JsonBody>('GET', `/journeys/${journey}/stats`)).body;
    // Ann and Bob placed an order within the goal's week (the goal names no cart); Cid did not.
    expect(stats).toMatchObject({ entered: 3, completed: 3, converted: 2 });
    expect(stats.conversionRate).toBeCloseTo(2 / 3);
    expect(stats.steps.find((s: { step: string }) => s.step === 'wait_order')).toMatchObject({ arrived: 3 });
    expect(stats.steps.find((s: { step: string }) => s.step === 'email')).toMatchObject({ arrived: 1 });
  });
});

describe('welcome series with a holdout and an A/B split', () => {
  it('keeps holdout people out of every send but in the statistics, and splits deterministically', async () => {
    const journey = await liveJourney('Welcome', {
      entry: { kind: 'event', event: 'Signed Up' },
      goal: { event: 'Order Completed', within: { amount: 30, unit: 'days' } },
      start: 'holdout',
      steps: {
        holdout: { type: 'holdout', percent: 50, next: 'split' },
        split: { type: 'split', variants: [{ name: 'A', weight: 1, next: 'a' }, { name: 'B', weight: 1, next: 'b' }] },
        a: { type: 'send', channel: 'email', template: 'welcome-a', category: 'marketing', next: 'end' },
        b: { type: 'send', channel: 'email', template: 'welcome-b', category: 'marketing', next: 'end' },
        end: { type: 'exit' },
      },
    });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      ids.push(await person(`welcome-${i}`, { email: `w${i}@example.com` }));
      await track(`welcome-${i}`, 'Signed Up');
    }
    const instances = await Promise.all(ids.map(async (id) => (await journeysOf(id)).find((j) => j.journeyId === journey)));
    const held = instances.filter((i) => i?.holdout);
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBeLessThan(12);
    for (const [index, id] of ids.entries()) {
      const sends = await sendsTo(id, journey);
      const instance = instances[index];
      expect(sends).toHaveLength(instance?.holdout ? 0 : 1);
      if (!instance?.holdout) expect(sends[0]?.template).toBe(`welcome-${(instance?.variant as string).toLowerCase()}`);
    }
    const stats = (await tessera.api<JsonBody>('GET', `/journeys/${journey}/stats`)).body;
    expect(stats.entered).toBe(12);
    expect(stats.variants.map((v: { variant: string }) => v.variant)).toEqual(['A', 'B']);
  });
});

describe('birthday offer in the customer\'s time zone', () => {
  it('enters each person at 9:00 where they live on their birthday', async () => {
    // A birthday three days from now (the clock has moved with the tests before).
    const date = new Date(clock.now() + 3 * day);
    const [year, month, dayOfMonth] = [date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()];
    const monthDay = date.toISOString().slice(5, 10);
    const tokyo = await person('bday-tokyo', { email: 'tokyo@example.com', birthday: `1990-${monthDay}`, timezone: 'Asia/Tokyo' });
    const york = await person('bday-york', { email: 'york@example.com', birthday: `1985-${monthDay}`, timezone: 'America/New_York' });
    const seg = await tessera.api<JsonBody>('POST', '/segments', { name: 'Birthday people', definition: 'trait.birthday exists' });
    await until(() => tessera.api<JsonBody>('GET', `/segments/${seg.body.id}`), (s) => s.body.status === 'live', 'the segment');
    const journey = await liveJourney('Birthday', {
      entry: { kind: 'schedule', segment: 'Birthday people', dateTrait: 'birthday', localTime: '09:00' },
      start: 'offer',
      steps: { offer: { type: 'send', channel: 'email', template: 'birthday', category: 'marketing', next: 'end' }, end: { type: 'exit' } },
    });
    const entered = async (id: string) => (await journeysOf(id)).some((j) => j.journeyId === journey);
    // 09:00 in Tokyo (UTC+9) is 00:00 UTC that day: move the clock there.
    clock.set(Date.UTC(year, month, dayOfMonth, 0, 1));
    await pass(31_000);
    await until(() => entered(tokyo), (v) => v, 'Tokyo to get the offer');
    expect(await entered(york)).toBe(false);
    // 09:00 in New York (EST in late autumn, UTC-5) is 14:00 UTC.
    clock.set(Date.UTC(year, month, dayOfMonth, 14, 1));
    await pass(31_000);
    await until(() => entered(york), (v) => v, 'New York to get the offer');
    expect((await sendsTo(york, journey)).map((s) => s.template)).toEqual(['birthday']);
  });
});

describe('win-back on segment exit', () => {
  it('reacts when time alone takes someone out of a segment', async () => {
    const dan = await person('winback-dan', { email: 'dan@example.com' });
    const seg = await tessera.api<JsonBody>('POST', '/segments', { name: 'Active buyers', definition: 'performed "Purchase" within last 30 days' });
    await until(() => tessera.api<JsonBody>('GET', `/segments/${seg.body.id}`), (s) => s.body.status === 'live', 'the segment');
    const journey = await liveJourney('Win back', {
      entry: { kind: 'segment', segment: 'Active buyers', on: 'exit' },
      start: 'email',
      steps: { email: { type: 'send', channel: 'email', template: 'we-miss-you', category: 'marketing', next: 'end' }, end: { type: 'exit' } },
    });
    await track('winback-dan', 'Purchase');
    await until(async () => (await tessera.api<JsonBody>('GET', `/profiles/${dan}/segments`)).body.segments.length as number, (n) => n > 0, 'dan to be active');
    await pass(30 * day + 1000);
    const sends = await until(() => sendsTo(dan, journey), (s) => s.length === 1, 'the win-back email');
    expect(sends[0]?.template).toBe('we-miss-you');
  });
});

describe('quiet hours and frequency caps', () => {
  it('delays a message to the end of quiet hours and suppresses one over the cap, saying why', async () => {
    await tessera.api('PUT', '/policies', {
      quietHours: { start: '21:00', end: '08:00', channels: ['sms'] },
      frequencyCaps: [{ channels: ['sms'], max: 1, days: 1 }],
    });
    const eve = await person('quiet-eve', { phone: '+14155550100', timezone: 'America/Los_Angeles' }, { sms: true });
    const journey = await liveJourney('Flash sale', {
      entry: { kind: 'event', event: 'Browsed Sale' },
      rules: { reentry: 'always' },
      start: 'sms',
      steps: { sms: { type: 'send', channel: 'sms', template: 'flash-sale', category: 'marketing', next: 'end' }, end: { type: 'exit' } },
    });
    // The next 22:30 in Los Angeles, inside quiet hours; they end at 08:00 there.
    const evening = nextLocalTime(clock.now(), 'America/Los_Angeles', '22:30');
    const morning = nextLocalTime(evening, 'America/Los_Angeles', '08:00');
    clock.set(evening);
    await track('quiet-eve', 'Browsed Sale');
    const delayed = await latestInstance(eve, journey);
    expect(delayed.history.find((h: { kind: string }) => h.kind === 'delayed')?.detail).toMatch(/quiet hours until 08:00/);
    expect(delayed.wakeAt).toBe(new Date(morning).toISOString());
    expect(await sendsTo(eve, journey)).toEqual([]);
    clock.set(morning + 1000);
    await pass(0);
    await until(() => sendsTo(eve, journey), (s) => s.length === 1, 'the delayed sms');
    await track('quiet-eve', 'Browsed Sale');
    const second = await latestInstance(eve, journey);
    expect(second.history.find((h: { kind: string }) => h.kind === 'suppressed')?.detail).toMatch(/frequency cap: 1 of 1 marketing messages in 1 day/);
    expect(await sendsTo(eve, journey)).toHaveLength(1);
    await tessera.api('PUT', '/policies', {});
  });

  it('suppresses marketing without consent, and names the reason', async () => {
    const fay = await person('no-consent-fay', { email: 'fay@example.com' }, { email: false });
    const journey = await liveJourney('Newsletter', {
      entry: { kind: 'event', event: 'Read Blog' },
      start: 'email',
      steps: { email: { type: 'send', channel: 'email', template: 'news', category: 'marketing', next: 'end' }, end: { type: 'exit' } },
    });
    await track('no-consent-fay', 'Read Blog');
    const instance = await latestInstance(fay, journey);
    expect(instance.history.find((h: { kind: string }) => h.kind === 'suppressed')?.detail).toMatch(/email: no marketing consent/);
  });
});

describe('journey definitions and lifecycle', () => {
  it('refuses a definition with precise errors', async () => {
    const res = await tessera.api<JsonBody>('POST', '/journeys', {
      name: 'Broken',
      definition: {
        entry: { kind: 'event', event: 'X', where: 'total >' },
        start: 'a',
        steps: {
          a: { type: 'wait', duration: { amount: 1, unit: 'hours' }, next: 'nowhere' },
          b: { type: 'teleport' },
          c: { type: 'branch', branches: [{ condition: 'trait.x === 1', next: 'a' }], else: 'a' },
        },
      },
    });
    expect(res.status).toBe(400);
    const fields = (res.body.details as { field: string }[]).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['definition.entry.where', 'definition.steps.a', 'definition.steps.b.type', 'definition.steps.c.branches[0].condition']));
  });

  it('enters by API, exits on an exit event, and refuses re-entry while inside', async () => {
    const gus = await person('life-gus', { email: 'gus@example.com' });
    const journey = await liveJourney('Onboarding', {
      entry: { kind: 'api' },
      exit: [{ kind: 'event', event: 'Unsubscribed' }],
      start: 'wait',
      steps: { wait: { type: 'wait', duration: { amount: 3, unit: 'days' }, next: 'end' }, end: { type: 'exit' } },
    });
    expect((await tessera.api<JsonBody>('POST', `/journeys/${journey}/enter`, { profileId: gus })).body.status).toBe('active');
    const again = await tessera.api<JsonBody>('POST', `/journeys/${journey}/enter`, { profileId: gus });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/already inside/);
    await track('life-gus', 'Unsubscribed');
    expect((await journeysOf(gus)).find((j) => j.journeyId === journey)).toMatchObject({ status: 'exited', exitReason: 'exit event "Unsubscribed"' });
  });

  it('runs a new version for new entries and migrates people inside when asked', async () => {
    const hal = await person('version-hal', { email: 'hal@example.com' });
    const journey = await liveJourney('Versioned', {
      entry: { kind: 'api' },
      start: 'long',
      steps: { long: { type: 'wait', duration: { amount: 10, unit: 'days' }, next: 'end' }, end: { type: 'exit' } },
    });
    await tessera.api('POST', `/journeys/${journey}/enter`, { profileId: hal });
    const patched = await tessera.api<JsonBody>('PATCH', `/journeys/${journey}`, {
      definition: {
        entry: { kind: 'api' },
        start: 'short',
        steps: { short: { type: 'send', channel: 'email', template: 'v2', category: 'transactional', next: 'end' }, end: { type: 'exit' } },
      },
      migrate: { long: 'short' },
    });
    expect(patched.body).toMatchObject({ liveVersion: 2, latestVersion: 2 });
    const instance = (await journeysOf(hal)).find((j) => j.journeyId === journey);
    expect(instance).toMatchObject({ version: 2, status: 'completed' });
    expect((await sendsTo(hal, journey)).map((s) => s.template)).toEqual(['v2']);
  });

  it('simulates a path without sending anything', async () => {
    const journey = (await tessera.api<JsonBody>('GET', '/journeys')).body.journeys.find((j: { name: string }) => j.name === 'Abandoned cart');
    const before = (await tessera.api<JsonBody>('GET', '/sends?limit=1000')).body.sends.length;
    const sim = await tessera.api<JsonBody>('POST', `/journeys/${journey.id}/simulate`, {
      profile: { identifiers: ['email'], consent: { 'email:marketing': 'granted' } },
      events: [{ event: 'Product Added', properties: { cart_id: 'x' }, timestamp: '2026-01-01T10:00:00Z' }],
    });
    expect(sim.body.messages.map((m: { template: string }) => m.template)).toEqual(['cart-reminder', 'cart-last-chance']);
    expect(sim.body.messages[0].at).toBe('2026-01-01T11:00:00.000Z');
    expect(sim.body.final.status).toBe('completed');
    expect((await tessera.api<JsonBody>('GET', '/sends?limit=1000')).body.sends.length).toBe(before);
  });
});
