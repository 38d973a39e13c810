/**
 * Unify end to end: people as brands see them, sent through the official SDKs
 * (Segment analytics-node for web and app, RudderStack rudder-sdk-node for the
 * store and the call center), one source per channel, and checked through the
 * customer 360 API: profiles, identities, channels, timeline, history,
 * conflicts. Each scenario uses identifiers of its own, so they share one server.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel, EventsPage, Profile, Source } from '../src/contracts/index.js';
import { connectSdk, type SdkClient, type SdkName } from './helpers/sdk-clients.js';
import { startTestTessera, type TestTessera } from './helpers/tessera.js';

interface HistoryEntry {
  kind: 'merge' | 'split';
  profileId: string;
  otherProfileId: string;
  identifiers: string[];
  cause: Record<string, string>;
}

/** What each channel sends with. */
const sdkOf = { web: 'segment', ios: 'segment', pos: 'rudderstack', call_center: 'rudderstack' } as const satisfies Partial<Record<Channel, SdkName>>;
type ChannelName = keyof typeof sdkOf;

/** Reads of the customer 360 API, each after the unify stage has caught up with the log. */
function reader(tessera: TestTessera) {
  const get = async <T>(path: string): Promise<T> => {
    await tessera.settled();
    const res = await tessera.api<T>('GET', path);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  };
  return {
    byIdentifier: async (identifier: string): Promise<Profile> => {
      const [profile] = (await get<{ profiles: Profile[] }>(`/profiles?identifier=${encodeURIComponent(identifier)}`)).profiles;
      if (profile === undefined) throw new Error(`no profile holds ${identifier}`);
      return profile;
    },
    byTrait: async (trait: string, value: string, match = 'exact'): Promise<Profile[]> =>
      (await get<{ profiles: Profile[] }>(`/profiles?${new URLSearchParams({ trait, value, match }).toString()}`)).profiles,
    byId: (id: string): Promise<Profile> => get<Profile>(`/profiles/${id}`),
    timeline: async (id: string): Promise<string[]> =>
      (await get<EventsPage>(`/profiles/${id}/events?limit=1000`)).events.map((e) => e.messageId).sort(),
    history: async (id: string): Promise<HistoryEntry[]> => (await get<{ history: HistoryEntry[] }>(`/profiles/${id}/history`)).history,
  };
}

const keysOf = (profile: Profile): string[] => profile.identities.map((i) => `${i.type}:${i.value}`).sort();
const hoursAgo = (hours: number): Date => new Date(Date.now() - hours * 3600_000);
/** Within the few seconds between a call and its receipt: the stored event time is corrected by sentAt. */
const near = (date: Date): unknown => expect.toSatisfy((iso: string) => Math.abs(Date.parse(iso) - date.getTime()) < 5_000);

describe('unify scenarios through the SDKs', () => {
  let tessera: TestTessera;
  let read: ReturnType<typeof reader>;
  const sources = {} as Record<ChannelName, Source>;
  const sdk = {} as Record<ChannelName, SdkClient>;

  beforeAll(async () => {
    tessera = await startTestTessera();
    read = reader(tessera);
    for (const channel of Object.keys(sdkOf) as ChannelName[]) {
      sources[channel] = await tessera.createSource(`${channel} source`, channel);
      sdk[channel] = connectSdk(sdkOf[channel], sources[channel].writeKey, tessera.url);
    }
  });
  afterAll(async () => {
    await Promise.all(Object.values(sdk).map((client) => client.close()));
    await tessera.stop();
  });

  it('web visitor -> sign-up -> anonymous app use -> login -> store purchase -> support call ends as one profile', async () => {
    const { web, ios, pos, call_center: support } = sdk;
    const sent: string[] = [];
    const id = (name: string): string => {
      sent.push(`journey-${name}`);
      return `journey-${name}`;
    };

    // An anonymous web visitor browses, then signs up.
    await web.page({ anonymousId: 'j-browser', name: 'Home', messageId: id('home') });
    await web.page({ anonymousId: 'j-browser', name: 'Pricing', messageId: id('pricing') });
    const visitor = await read.byIdentifier('anonymous_id:j-browser');
    await web.identify({ userId: 'j-user', anonymousId: 'j-browser', traits: { email: 'Jane.Doe@Example.com', firstName: 'Jane' }, messageId: id('signup') });
    await web.track({ userId: 'j-user', anonymousId: 'j-browser', event: 'Signed Up', messageId: id('signed-up') });

    // Uses the app before logging in there: another anonymous profile, until the login merges it.
    await ios.screen({ anonymousId: 'j-phone', name: 'Catalog', messageId: id('catalog') });
    await ios.track({ anonymousId: 'j-phone', event: 'Product Viewed', properties: { sku: 'SKU-1' }, messageId: id('viewed') });
    const app = await read.byIdentifier('anonymous_id:j-phone');
    expect(app.id).not.toBe(visitor.id);
    expect((await read.byIdentifier('user_id:j-user')).id).not.toBe(app.id);
    await ios.identify({ userId: 'j-user', anonymousId: 'j-phone', traits: { plan: 'pro' }, messageId: id('login') });

    // Buys in a store (the till knows email and phone, in national format), then calls support (phone only).
    const receipt = { anonymousId: 'j-receipt-5531' };
    await pos.identify({ ...receipt, traits: { email: 'jane.doe@example.com', phone: '(201) 555-0123' }, messageId: id('pos-customer') });
    await pos.track({ ...receipt, event: 'Order Completed', properties: { total: 89.9, phone: '(201) 555-0123' }, messageId: id('pos-order') });
    await support.identify({ anonymousId: 'j-call-77', traits: { phone: '201.555.0123' }, messageId: id('call-caller') });
    await support.track({ anonymousId: 'j-call-77', event: 'Support Call', properties: { reason: 'refund' }, messageId: id('call') });

    const profile = await read.byIdentifier('user_id:j-user');
    const identifiers = [
      'anonymous_id:j-browser',
      'anonymous_id:j-call-77',
      'anonymous_id:j-phone',
      'anonymous_id:j-receipt-5531',
      'email:jane.doe@example.com',
      'phone:+12015550123',
      'user_id:j-user',
    ];
    expect(keysOf(profile)).toEqual(identifiers);
    // Every identifier finds it, however it is written.
    for (const identifier of [...identifiers, 'email:JANE.DOE@example.com', 'phone:(201) 555-0123', 'phone:201 555 0123']) {
      expect((await read.byIdentifier(identifier)).id, identifier).toBe(profile.id);
    }
    expect(profile.channels).toEqual(['call_center', 'ios', 'pos', 'web']);
    expect(profile.messageCount).toBe(sent.length);
    expect(profile.traits).toMatchObject({ firstName: { value: 'Jane' }, plan: { value: 'pro' } });
    expect(profile.conflicts).toEqual([]);
    expect(await read.timeline(profile.id)).toEqual([...sent].sort());

    // Both earlier profiles resolve to it; the app profile's history says which message merged it, through which identifier.
    expect(profile.mergedIds).toEqual(expect.arrayContaining([app.id]));
    expect(profile.mergedIds.includes(visitor.id) || profile.id === visitor.id).toBe(true);
    const viaApp = await read.byId(app.id);
    expect(viaApp.id).toBe(profile.id);
    expect(await read.timeline(app.id)).toEqual([...sent].sort());
    expect(await read.history(app.id)).toContainEqual(
      expect.objectContaining({
        kind: 'merge',
        profileId: profile.id,
        otherProfileId: app.id,
        cause: { kind: 'message', messageId: 'journey-login', sourceId: sources.ios.id, identifier: 'anonymous_id:j-phone' },
      }),
    );
  });

  it('keeps a household member with the same email but another user_id apart, with the refused link on both profiles', async () => {
    await sdk.web.identify({ userId: 'h-alex', traits: { email: 'family@example.com', firstName: 'Alex' }, messageId: 'h-alex' });
    await sdk.ios.identify({ userId: 'h-sam', anonymousId: 'h-sam-phone', traits: { email: 'Family@Example.com', firstName: 'Sam' }, messageId: 'h-sam' });

    const [alex, sam] = [await read.byIdentifier('user_id:h-alex'), await read.byIdentifier('user_id:h-sam')];
    expect(sam.id).not.toBe(alex.id);
    expect(keysOf(alex)).toEqual(['email:family@example.com', 'user_id:h-alex']);
    expect(keysOf(sam)).toEqual(['anonymous_id:h-sam-phone', 'user_id:h-sam']);
    expect((await read.byIdentifier('email:family@example.com')).id).toBe(alex.id);
    expect([alex.traits.firstName?.value, sam.traits.firstName?.value]).toEqual(['Alex', 'Sam']);

    const refused = {
      identifier: 'email:family@example.com',
      anchor: 'user_id:h-sam',
      profileId: sam.id,
      otherProfileId: alex.id,
      reason: 'limit:user_id',
      messageId: 'h-sam',
    };
    expect(alex.conflicts).toEqual([expect.objectContaining(refused)]);
    expect(sam.conflicts).toEqual([expect.objectContaining(refused)]);
  });

  it('decides a contested email by event time when the earlier claim arrives late, and the first member keeps their profile id', async () => {
    await sdk.web.identify({ userId: 'h2-alex', traits: { email: 'home@example.com', firstName: 'Alex' }, timestamp: hoursAgo(1), messageId: 'h2-alex' });
    const alexBefore = await read.byIdentifier('user_id:h2-alex');
    expect(keysOf(alexBefore)).toEqual(['email:home@example.com', 'user_id:h2-alex']);
    // Sam used the email an hour earlier, on a device whose messages arrive only now.
    await sdk.ios.identify({ userId: 'h2-sam', traits: { email: 'home@example.com', firstName: 'Sam' }, timestamp: hoursAgo(2), messageId: 'h2-sam' });

    const [alex, sam] = [await read.byIdentifier('user_id:h2-alex'), await read.byIdentifier('user_id:h2-sam')];
    // The graph is a function of event time, so the email is Sam's; but Alex is still Alex, under the same id.
    expect(keysOf(sam)).toEqual(['email:home@example.com', 'user_id:h2-sam']);
    expect(alex.id).toBe(alexBefore.id);
    expect(keysOf(alex)).toEqual(['user_id:h2-alex']);
    expect([alex.traits.firstName?.value, sam.traits.firstName?.value]).toEqual(['Alex', 'Sam']);
    expect(await read.timeline(alex.id)).toEqual(['h2-alex']);
    const refused = { identifier: 'email:home@example.com', anchor: 'user_id:h2-alex', profileId: alex.id, otherProfileId: sam.id, reason: 'limit:user_id' };
    expect(alex.conflicts).toEqual([expect.objectContaining(refused)]);
    expect(sam.conflicts).toEqual([expect.objectContaining(refused)]);
    expect(await read.history(alex.id)).toEqual([
      expect.objectContaining({
        kind: 'split',
        profileId: alex.id,
        otherProfileId: sam.id,
        identifiers: ['email:home@example.com'],
        cause: { kind: 'recompute', messageId: 'h2-sam', sourceId: sources.ios.id },
      }),
    ]);
  });

  it('does not let an old identify arriving after a newer one overwrite its values (lineage says which won)', async () => {
    const [newer, older] = [hoursAgo(1), hoursAgo(2)];
    await sdk.web.identify({ userId: 'o-user', traits: { plan: 'pro', city: 'Lyon' }, timestamp: newer, messageId: 'o-newer' });
    await sdk.web.identify({ userId: 'o-user', traits: { plan: 'free', company: 'Acme' }, timestamp: older, messageId: 'o-older' });

    const profile = await read.byIdentifier('user_id:o-user');
    expect(profile.traits.plan).toEqual({
      value: 'pro',
      rule: 'latest',
      lineage: { sourceId: sources.web.id, messageId: 'o-newer', timestamp: near(newer) },
    });
    expect(profile.traits.city?.value).toBe('Lyon');
    // Values only the older message carried still count.
    expect(profile.traits.company).toMatchObject({ value: 'Acme', lineage: { messageId: 'o-older' } });
    expect(profile.firstSeen).toEqual(near(older));
    expect(profile.lastSeen).toEqual(near(newer));
  });

  it('merges the anonymous history into the user on alias (previousId -> userId)', async () => {
    await sdk.web.page({ anonymousId: 'a-browser', name: 'Landing', messageId: 'a-landing' });
    await sdk.web.track({ anonymousId: 'a-browser', event: 'Product Added', properties: { sku: 'SKU-9' }, messageId: 'a-cart' });
    await sdk.ios.identify({ userId: 'a-user', traits: { firstName: 'Kim' }, messageId: 'a-identify' });
    const [anonymous, known] = [await read.byIdentifier('anonymous_id:a-browser'), await read.byIdentifier('user_id:a-user')];
    expect(anonymous.id).not.toBe(known.id);

    await sdk.web.alias({ previousId: 'a-browser', userId: 'a-user', messageId: 'a-alias' });
    const profile = await read.byIdentifier('user_id:a-user');
    expect(keysOf(profile)).toEqual(['anonymous_id:a-browser', 'user_id:a-user']);
    expect(await read.timeline(profile.id)).toEqual(['a-alias', 'a-cart', 'a-identify', 'a-landing']);
    expect(profile.channels).toEqual(['ios', 'web']);

    // The older profile survives; the merged-away id keeps answering with it, and its history names
    // the alias and the identifier the alias linked (previousId, read as an anonymous_id).
    expect(profile.id).toBe(anonymous.id);
    expect(profile.mergedIds).toEqual([known.id]);
    expect((await read.byId(known.id)).id).toBe(profile.id);
    expect(await read.timeline(known.id)).toEqual(['a-alias', 'a-cart', 'a-identify', 'a-landing']);
    expect(await read.history(known.id)).toEqual([
      expect.objectContaining({
        kind: 'merge',
        profileId: anonymous.id,
        otherProfileId: known.id,
        identifiers: ['anonymous_id:a-browser', 'user_id:a-user'],
        cause: { kind: 'message', messageId: 'a-alias', sourceId: sources.web.id, identifier: 'anonymous_id:a-browser' },
      }),
    ]);
  });

  it('splits identifiers off into one new profile: history shows it, both records are rebuilt, timelines follow', async () => {
    await sdk.web.identify({ userId: 's-user', anonymousId: 's-browser', traits: { firstName: 'Lee', team: 'red' }, messageId: 's-signup' });
    // A shared in-store tablet: its anonymous use, then the user logging in on it.
    await sdk.ios.screen({ anonymousId: 's-tablet', name: 'Kiosk', messageId: 's-kiosk-1' });
    await sdk.ios.identify({ anonymousId: 's-tablet', traits: { favoriteColor: 'green', team: 'blue' }, messageId: 's-kiosk-2' });
    await sdk.ios.identify({ userId: 's-user', anonymousId: 's-tablet', messageId: 's-login' });
    const before = await read.byIdentifier('user_id:s-user');
    expect(keysOf(before)).toEqual(['anonymous_id:s-browser', 'anonymous_id:s-tablet', 'user_id:s-user']);
    expect(before.traits).toMatchObject({ favoriteColor: { value: 'green' }, team: { value: 'blue' } });

    const split = await tessera.api<{ profile: Profile; detached: Profile }>('POST', `/profiles/${before.id}/split`, {
      identifiers: ['anonymous_id:s-tablet'],
    });
    expect(split.status).toBe(200);
    const { profile, detached } = split.body;
    expect(profile.id).toBe(before.id);
    expect(keysOf(profile)).toEqual(['anonymous_id:s-browser', 'user_id:s-user']);
    expect(keysOf(detached)).toEqual(['anonymous_id:s-tablet']);

    // Rebuilt from the messages each one now holds.
    expect(profile.traits).toMatchObject({ firstName: { value: 'Lee' }, team: { value: 'red' } });
    expect(profile.traits.favoriteColor).toBeUndefined();
    expect(detached.traits).toMatchObject({ favoriteColor: { value: 'green' }, team: { value: 'blue' } });
    expect([profile.messageCount, detached.messageCount]).toEqual([2, 2]);
    expect([profile.channels, detached.channels]).toEqual([['ios', 'web'], ['ios']]);
    // The login message still says the two belong together: now a refused link.
    expect(profile.conflicts).toContainEqual(expect.objectContaining({ identifier: 'anonymous_id:s-tablet', reason: 'cannot_link', messageId: 's-login' }));

    expect(await read.history(before.id)).toContainEqual(
      expect.objectContaining({
        kind: 'split',
        profileId: before.id,
        otherProfileId: detached.id,
        identifiers: ['anonymous_id:s-tablet'],
        cause: { kind: 'split', requestedBy: 'admin-api' },
      }),
    );
    expect(await read.history(detached.id)).toHaveLength(1);
    expect(await read.timeline(profile.id)).toEqual(['s-login', 's-signup']);
    expect(await read.timeline(detached.id)).toEqual(['s-kiosk-1', 's-kiosk-2']);

    // Later tablet traffic goes to the detached profile.
    await sdk.ios.screen({ anonymousId: 's-tablet', name: 'Kiosk', messageId: 's-kiosk-3' });
    expect((await read.byIdentifier('anonymous_id:s-tablet')).id).toBe(detached.id);
    expect(await read.timeline(detached.id)).toEqual(['s-kiosk-1', 's-kiosk-2', 's-kiosk-3']);
    expect((await read.byId(before.id)).messageCount).toBe(2);
  });

  it('reflects a message in the profile well within a second of its acknowledgement', async () => {
    const latencies: number[] = [];
    for (let step = 0; step < 20; step++) {
      const res = await tessera.track('/v1/identify', sources.web.writeKey, { userId: 'latency-user', traits: { step } });
      const acknowledged = performance.now();
      expect(res.status).toBe(200);
      for (;;) {
        const found = await tessera.api<{ profiles: Profile[] }>('GET', '/profiles?identifier=user_id:latency-user');
        if (found.status === 200 && found.body.profiles[0]?.traits.step?.value === step) break;
        if (performance.now() - acknowledged > 5_000) throw new Error(`step ${step} not in the profile 5 s after its acknowledgement`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      latencies.push(performance.now() - acknowledged);
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (q: number): string => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN).toFixed(1);
    console.log(`acknowledgement -> profile latency over ${sorted.length} identifies: median ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${at(1)} ms`);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
  });
});

describe('survivorship configured per trait (TESSERA_CONFIG)', () => {
  let dir: string;
  let tessera: TestTessera;
  let read: ReturnType<typeof reader>;
  let crm: Source;
  let web: Source;
  let pos: Source;
  const clients: SdkClient[] = [];
  const client = (sdkName: SdkName, source: Source): SdkClient => {
    const connected = connectSdk(sdkName, source.writeKey, tessera.url);
    clients.push(connected);
    return connected;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tessera-survivorship-'));
    const dataDir = join(dir, 'data');
    // source_priority names source ids, which exist only once the sources do: create them, then restart with the config.
    const setup = await startTestTessera({ dataDir });
    crm = await setup.createSource('CRM', 'crm');
    web = await setup.createSource('Web', 'web');
    pos = await setup.createSource('Stores', 'pos');
    await setup.stop();
    const configFile = join(dir, 'tessera.json');
    await writeFile(
      configFile,
      JSON.stringify({
        profiles: {
          traits: {
            signupSource: { rule: 'first' },
            tier: { rule: 'source_priority', sources: [crm.id, web.id] },
            highestOrder: { rule: 'max' },
            favoriteStore: { rule: 'most_frequent' },
            interests: { rule: 'union' },
          },
          traitsFromEvents: [
            { event: 'Order Completed', property: 'total', trait: 'highestOrder' },
            { event: 'Order Completed', property: 'total', trait: 'lastOrderTotal' },
            { event: 'Order Completed', property: 'store.name', trait: 'favoriteStore' },
          ],
        },
      }),
    );
    tessera = await startTestTessera({ dataDir, config: { configFile } });
    read = reader(tessera);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await tessera.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('first keeps the earliest value even when it arrives last', async () => {
    const fromWeb = client('segment', web);
    const [newer, older] = [hoursAgo(1), hoursAgo(3)];
    await fromWeb.identify({ userId: 'c-first', traits: { signupSource: 'newsletter' }, timestamp: newer, messageId: 'c-first-newer' });
    await fromWeb.identify({ userId: 'c-first', traits: { signupSource: 'referral' }, timestamp: older, messageId: 'c-first-older' });
    const { traits } = await read.byIdentifier('user_id:c-first');
    expect(traits.signupSource).toEqual({
      value: 'referral',
      rule: 'first',
      lineage: { sourceId: web.id, messageId: 'c-first-older', timestamp: near(older) },
    });
  });

  it('source_priority prefers the CRM over the web, whatever is newer, and the web over unlisted sources', async () => {
    const [fromCrm, fromWeb, fromPos] = [client('segment', crm), client('segment', web), client('rudderstack', pos)];
    await fromCrm.identify({ userId: 'c-tier', traits: { tier: 'gold' }, timestamp: hoursAgo(48), messageId: 'c-tier-crm' });
    await fromWeb.identify({ userId: 'c-tier', traits: { tier: 'silver' }, timestamp: hoursAgo(1), messageId: 'c-tier-web' });
    await fromPos.identify({ userId: 'c-tier', traits: { tier: 'bronze' }, messageId: 'c-tier-pos' });
    await fromWeb.identify({ userId: 'c-tier-2', traits: { tier: 'silver' }, timestamp: hoursAgo(2), messageId: 'c-tier2-web' });
    await fromPos.identify({ userId: 'c-tier-2', traits: { tier: 'bronze' }, messageId: 'c-tier2-pos' });

    const profile = await read.byIdentifier('user_id:c-tier');
    expect(profile.traits.tier).toMatchObject({ value: 'gold', rule: 'source_priority', lineage: { sourceId: crm.id, messageId: 'c-tier-crm' } });
    expect((await read.byIdentifier('user_id:c-tier-2')).traits.tier).toMatchObject({ value: 'silver', lineage: { sourceId: web.id } });
    // The trait search answers with golden values under the configured rule.
    expect((await read.byTrait('tier', 'GOLD')).map((p) => p.id)).toEqual([profile.id]);
    expect((await read.byTrait('tier', 'bronze')).map((p) => p.id)).toEqual([]);
  });

  it('max, most_frequent and latest fed from order events (traitsFromEvents), union from identify', async () => {
    const [fromPos, fromWeb] = [client('rudderstack', pos), client('segment', web)];
    const order = (messageId: string, total: number, store: string) =>
      fromPos.track({ userId: 'c-orders', event: 'Order Completed', properties: { total, store: { name: store } }, messageId });
    await order('c-order-1', 40, 'Lyon');
    await order('c-order-2', 120, 'Paris');
    await order('c-order-3', 75, 'Lyon');
    await fromWeb.track({ userId: 'c-orders', event: 'Order Completed', properties: { total: 60, store: { name: 'Online' } }, messageId: 'c-order-4' });
    // Another event's properties are not mapped.
    await fromWeb.track({ userId: 'c-orders', event: 'Cart Viewed', properties: { total: 999, store: { name: 'Online' } }, messageId: 'c-cart' });
    await fromWeb.identify({ userId: 'c-orders', traits: { interests: ['running'] }, messageId: 'c-interests-1' });
    await fromWeb.identify({ userId: 'c-orders', traits: { interests: ['cycling', 'running'] }, messageId: 'c-interests-2' });
    await fromWeb.identify({ userId: 'c-orders', traits: { interests: 'swimming' }, messageId: 'c-interests-3' });

    const { traits } = await read.byIdentifier('user_id:c-orders');
    expect(traits.highestOrder).toMatchObject({ value: 120, rule: 'max', lineage: { sourceId: pos.id, messageId: 'c-order-2' } });
    expect(traits.favoriteStore).toMatchObject({ value: 'Lyon', rule: 'most_frequent', lineage: { messageId: 'c-order-3' } });
    expect(traits.lastOrderTotal).toMatchObject({ value: 60, rule: 'latest', lineage: { sourceId: web.id, messageId: 'c-order-4' } });
    expect(traits.interests).toMatchObject({ value: ['cycling', 'running', 'swimming'], rule: 'union', lineage: { messageId: 'c-interests-3' } });
    expect(traits.total).toBeUndefined();
    expect((await read.byTrait('favoriteStore', 'ly', 'prefix')).map((p) => p.traits.favoriteStore?.value)).toEqual(['Lyon']);
  });
});
