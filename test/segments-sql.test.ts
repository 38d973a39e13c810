/**
 * The SQL side of segments through the API: previews over the profile mirror
 * equal what the live segments compute (their first members decided by SQL
 * too), exports stream the members, and the mirror holds exactly what the
 * in-memory evaluator sees of each profile after merges, splits and erasures.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEventStore } from '../src/adapters/duckdb/index.js';
import { openSqliteOperationalStore } from '../src/adapters/sqlite/index.js';
import type { Source } from '../src/contracts/index.js';
import { IdentityWorkspace } from '../src/identity/index.js';
import { ManualClock } from '../src/lib/clock.js';
import { parseCsv } from '../src/lib/csv.js';
import { resolveProfileRules } from '../src/profiles/index.js';
import { ComputedTraitSet } from '../src/segments/computed-traits.js';
import { factsOf } from '../src/segments/profile-facts.js';
import { adminToken, startTestTessera, type JsonBody, type TestTessera } from './helpers/tessera.js';
import { channelAffinityTraits } from '../src/channels/affinity/channel-affinity.js';

const day = 86_400_000;

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Log lines as objects, to see how each segment was built. */
function capturingLogger(lines: Record<string, unknown>[]) {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return pino({ level: 'info' }, sink);
}

async function createLive(tessera: TestTessera, name: string, definition: string): Promise<string> {
  const created = await tessera.api<JsonBody>('POST', '/segments', { name, definition });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await until(() => tessera.api<JsonBody>('GET', `/segments/${created.body.id}`), (s) => s.body.status === 'live', `${name} to be live`);
  return created.body.id as string;
}

const membersOf = async (tessera: TestTessera, id: string): Promise<string[]> =>
  ((await tessera.api<JsonBody>('GET', `/segments/${id}/members?limit=1000`)).body.members as { profileId: string }[]).map((m) => m.profileId).sort();

describe('previews and first members over the profile mirror', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
  const daysAgo = (days: number): string => new Date(clock.now() - days * day).toISOString();
  const logs: Record<string, unknown>[] = [];
  let tessera: TestTessera;
  let web: Source;
  let pos: Source;
  const idOf = async (userId: string): Promise<string> =>
    (await tessera.api<JsonBody>('GET', `/profiles?identifier=user_id:${userId}`)).body.profiles[0].id as string;

  beforeAll(async () => {
    tessera = await startTestTessera({ clock, logger: capturingLogger(logs) });
    web = await tessera.createSource('Web', 'web');
    pos = await tessera.createSource('Tills', 'pos');
    await tessera.track('/v1/batch', web.writeKey, {
      batch: [
        { type: 'identify', userId: 'ann', traits: { plan: 'pro', email: 'ann@example.com', firstName: 'Ann', lastName: 'Lee', timezone: 'Europe/Paris' }, timestamp: daysAgo(3) },
        { type: 'track', userId: 'ann', event: 'Order Completed', properties: { revenue: 80 }, timestamp: daysAgo(2) },
        { type: 'track', userId: 'ann', event: 'Order Completed', properties: { revenue: 90 }, timestamp: daysAgo(1) },
        { type: 'page', userId: 'ann', name: 'Pricing', timestamp: daysAgo(1) },
        { type: 'identify', userId: 'bob', traits: { plan: 'free', email: 'bob@example.com', phone: '+1 415 555 0100', firstName: '=cmd' }, timestamp: daysAgo(5) },
        { type: 'track', userId: 'bob', event: 'Product Viewed', properties: { sku: 'A-1' }, timestamp: daysAgo(1.5) },
        { type: 'track', userId: 'bob', event: 'Order Completed', properties: { revenue: 10 }, timestamp: daysAgo(1) },
        { type: 'identify', userId: 'cid', traits: { plan: 'free', birthday: '1990-12-01' }, timestamp: daysAgo(50) },
        { type: 'track', anonymousId: 'eve-browser', event: 'Product Viewed', properties: { sku: 'B-2' }, timestamp: daysAgo(3) },
      ],
    });
    await tessera.track('/v1/batch', pos.writeKey, {
      batch: [{ type: 'track', userId: 'cid', event: 'Order Completed', properties: { revenue: 99 }, timestamp: daysAgo(40) }],
    });
    await tessera.settled();
  });
  afterAll(() => tessera.stop());

  const definitions = [
    ['Big recent buyers', 'count(event "Order Completed" where revenue > 50, last 30d) >= 2'],
    ['Free buyers', 'trait.plan = "free" and performed "Order Completed"'],
    ['Reachable or in store', 'has identifier phone or seen on pos'],
    ['Browsers', 'performed "Product Viewed" within last 7 days and not performed "Order Completed" within last 7 days'],
    ['Viewed then bought', 'performed "Product Viewed" then "Order Completed" within 1 days'],
    ['Birthdays soon', 'trait.birthday birthday in 10 days'],
    ['Recent big buyers on pro', 'in segment "Big recent buyers" and trait.plan = "pro"'],
  ] as const;

  it('preview counts and samples exactly the members the live segment computes, deciding first members by SQL', async () => {
    for (const [name, definition] of definitions) {
      const preview = await tessera.api<JsonBody>('POST', '/segments/preview', { definition, sampleSize: 100 });
      expect(preview.status, JSON.stringify(preview.body)).toBe(200);
      const id = await createLive(tessera, name, definition);
      const members = await membersOf(tessera, id);
      expect(preview.body, name).toMatchObject({ count: members.length, sample: members });
      expect(preview.body.tookMs).toBeGreaterThanOrEqual(0);
      expect(logs.find((l) => l.msg === 'segment built' && l.segment === id), name).toMatchObject({ by: 'sql' });
    }
    // Not vacuous: the definitions tell people apart.
    const sizes = (await tessera.api<JsonBody>('GET', '/segments')).body.segments.map((s: { size: number }) => s.size);
    expect(sizes.filter((n: number) => n > 0).length).toBeGreaterThanOrEqual(5);
    const bigBuyers = (await tessera.api<JsonBody>('GET', '/segments')).body.segments.find((s: { name: string }) => s.name === 'Big recent buyers');
    expect(await membersOf(tessera, bigBuyers.id as string)).toEqual([await idOf('ann')]);
  });

  it('keeps a segment decided by SQL current in real time, with its timers', async () => {
    const browsers = (await tessera.api<JsonBody>('GET', '/segments')).body.segments.find((s: { name: string }) => s.name === 'Browsers').id as string;
    const eve = (await tessera.api<JsonBody>('GET', '/profiles?identifier=anonymous_id:eve-browser')).body.profiles[0].id as string;
    expect(await membersOf(tessera, browsers)).toContain(eve);
    // Eve viewed 3 days ago: four more days and the view has left the 7-day window.
    clock.advance(4.1 * day);
    await until(() => membersOf(tessera, browsers), (m) => !m.includes(eve), 'eve to leave Browsers by time');
    await tessera.track('/v1/track', web.writeKey, { anonymousId: 'eve-browser', event: 'Product Viewed', properties: { sku: 'C-3' } });
    await until(() => membersOf(tessera, browsers), (m) => m.includes(eve), 'eve to enter Browsers again');
    // The preview sees the same, once the mirror has caught up.
    await tessera.settled();
    const preview = await tessera.api<JsonBody>('POST', '/segments/preview', { definition: definitions[3][1], sampleSize: 100 });
    expect(preview.body.sample).toEqual(await membersOf(tessera, browsers));
  });

  it('refuses a definition it cannot read, naming the problem, and saves nothing', async () => {
    const bad = await tessera.api<JsonBody>('POST', '/segments/preview', { definition: 'trait.plan = ' });
    expect(bad.status).toBe(400);
    const unknown = await tessera.api<JsonBody>('POST', '/segments/preview', { definition: 'in segment "Nope"' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/segment "Nope", which does not exist/);
  });

  it('exports members as CSV with identifiers and the traits asked for', async () => {
    const all = (await tessera.api<JsonBody>('GET', '/segments')).body.segments as { id: string; name: string }[];
    const free = all.find((s) => s.name === 'Free buyers')!;
    const response = await fetch(`${tessera.url}/api/v1/segments/${free.id}/export.csv?traits=plan,firstName`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    const parsed = parseCsv(await response.text());
    if (!parsed.ok) throw new Error(parsed.error);
    const [header, ...rows] = parsed.records.map((r) => r.fields);
    expect(header).toEqual(['profile_id', 'since', 'user_id', 'email', 'phone', 'trait.plan', 'trait.firstName']);
    const members = await membersOf(tessera, free.id);
    expect(rows.map((r) => r[0])).toEqual(members);
    const bob = rows.find((r) => r[2] === 'bob');
    // A value a spreadsheet would run as a formula is quoted.
    expect(bob).toEqual([await idOf('bob'), expect.stringMatching(/^\d{4}-\d\d-\d\dT/), 'bob', 'bob@example.com', '+14155550100', 'free', "'=cmd"]);
    const cid = rows.find((r) => r[2] === 'cid');
    expect(cid?.slice(2)).toEqual(['cid', '', '', 'free', '']);

    const defaults = await fetch(`${tessera.url}/api/v1/segments/${free.id}/export.csv`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect((await defaults.text()).split('\r\n')[0]).toBe('profile_id,since,user_id,email,phone,trait.firstName,trait.lastName');
    expect((await tessera.api<JsonBody>('GET', '/segments/seg_nope/export.csv')).status).toBe(404);
  });

  it('shows how far behind the mirror is', async () => {
    const metrics = await fetch(`${tessera.url}/metrics`);
    expect(await metrics.text()).toMatch(/^tessera_profile_mirror_pending_profiles \d+$/m);
  });
});

describe('the profile mirror after merges, splits and erasures', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
  let tessera: TestTessera;
  let dataDir: string;
  const merged: string[] = [];
  const erased: string[] = [];

  beforeAll(async () => {
    tessera = await startTestTessera({ clock });
    dataDir = tessera.dataDir;
    const web = await tessera.createSource('Web', 'web');
    const send = async (batch: unknown[]) => {
      clock.advance(1000);
      expect((await tessera.track('/v1/batch', web.writeKey, { batch })).status).toBe(200);
      await tessera.settled();
    };
    const find = async (identifier: string) => (await tessera.api<JsonBody>('GET', `/profiles?identifier=${identifier}`)).body.profiles[0] as { id: string; mergedIds: string[] } | undefined;
    await createLive(tessera, 'Buyers', 'performed "Order Completed"');

    // Two profiles, then a message naming both: one is merged into the other.
    await send([
      { type: 'track', anonymousId: 'm-anon', event: 'Order Completed', properties: { revenue: 5 } },
      { type: 'identify', userId: 'm-user', traits: { email: 'm@example.com', plan: 'pro', timezone: 'Asia/Tokyo' } },
    ]);
    const anonymous = (await find('anonymous_id:m-anon'))!.id;
    const user = (await find('user_id:m-user'))!.id;
    expect(anonymous).not.toBe(user);
    await send([{ type: 'identify', userId: 'm-user', anonymousId: 'm-anon', traits: { vip: true } }]);
    const survivor = (await find('user_id:m-user'))!;
    merged.push(...survivor.mergedIds);
    expect(merged).toHaveLength(1);

    // A profile split in two.
    await send([
      { type: 'identify', userId: 's-user', anonymousId: 's-tablet', traits: { email: 's@example.com', team: 'red' } },
      { type: 'track', anonymousId: 's-tablet', event: 'Order Completed', properties: { revenue: 7 } },
    ]);
    const split = await tessera.api<JsonBody>('POST', `/profiles/${(await find('user_id:s-user'))!.id}/split`, { identifiers: ['anonymous_id:s-tablet'] });
    expect(split.status).toBe(200);

    // A profile erased, with a profile merged into it.
    await send([{ type: 'track', anonymousId: 'e-anon', event: 'Order Completed', properties: { revenue: 9 } }]);
    await send([{ type: 'identify', userId: 'e-user', traits: { email: 'e@example.com' } }]);
    await send([{ type: 'identify', userId: 'e-user', anonymousId: 'e-anon' }]);
    const doomed = (await find('user_id:e-user'))!;
    erased.push(doomed.id, ...doomed.mergedIds);
    expect((await tessera.api('DELETE', `/profiles/${doomed.id}`)).status).toBe(200);

    await send([{ type: 'identify', userId: 'z-user', traits: { plan: 'free' } }]);
    await tessera.settled();
    // Stopped cleanly, so that its files can be opened to look inside; afterAll removes them.
    await tessera.running.close();
  });
  afterAll(() => tessera.stop());

  it('holds every live profile exactly as the in-memory evaluator sees it, with its fragments, and nothing else', async () => {
    const state = openSqliteOperationalStore(`${dataDir}/state.db`);
    const events = await DuckDbEventStore.open(`${dataDir}/events.duckdb`);
    const db = await events.connect();
    try {
      const rows = (await db.runAndReadAll('SELECT * FROM profile_facts ORDER BY profile_id')).getRowObjectsJS();
      const fragments = (await db.runAndReadAll('SELECT fragment_key, profile_id FROM fragment_profiles ORDER BY fragment_key')).getRowObjectsJS();
      const names = new Map((await state.segments.list()).map((s) => [s.id, s.name]));
      // The server computes the channels' built-in traits (channel_affinity, best_channel...) for everyone.
      const context = { profileRules: resolveProfileRules(undefined), timeZoneTrait: 'timezone', computed: () => new ComputedTraitSet(channelAffinityTraits()) };
      const live = await state.identity.liveProfiles('', 1000);
      const ws = new IdentityWorkspace(state.identity);
      const expectedFragments: { fragment_key: string; profile_id: string }[] = [];
      const expectedRows = [];
      for (const profile of live) {
        const memberships = (await state.segments.membershipsOf([profile.id])).get(profile.id) ?? [];
        const facts = factsOf(profile, new Set(memberships.map((m) => names.get(m.segmentId)!)), context, clock.now());
        expectedRows.push({
          profile_id: profile.id,
          traits: facts.traits,
          consent: facts.consent,
          identifier_types: [...facts.identifierTypes].sort(),
          channels: [...facts.channels].sort(),
          segments: [...facts.segments].sort(),
          time_zone: facts.timeZone,
        });
        for (const f of await ws.fragmentsOf(profile.id)) expectedFragments.push({ fragment_key: f.key, profile_id: profile.id });
      }
      const actualRows = rows.map((r) => ({
        profile_id: r.profile_id,
        traits: JSON.parse(r.traits as string),
        consent: JSON.parse(r.consent as string),
        identifier_types: r.identifier_types,
        channels: r.channels,
        segments: r.segments,
        time_zone: r.time_zone,
      }));
      expect(actualRows).toEqual(expectedRows);
      expect(fragments).toEqual(expectedFragments.sort((a, b) => (a.fragment_key < b.fragment_key ? -1 : 1)));
      // Enough happened to mean something: merged, split, erased, in a segment, with a time zone.
      expect(live.length).toBe(4);
      expect(expectedRows.some((r) => r.segments.includes('Buyers'))).toBe(true);
      expect(expectedRows.some((r) => r.time_zone === 'Asia/Tokyo')).toBe(true);
      for (const id of [...merged, ...erased]) {
        expect(rows.map((r) => r.profile_id)).not.toContain(id);
        expect(fragments.map((f) => f.profile_id)).not.toContain(id);
      }
      const [queued] = (await db.runAndReadAll('SELECT count(*) AS n FROM profile_events')).getRowObjectsJS();
      expect(Number(queued?.n)).toBeGreaterThan(0);
      expect(await state.profileChanges.size()).toBe(0);
    } finally {
      db.closeSync();
      await events.close();
      await state.close();
    }
  });
});
