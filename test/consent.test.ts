import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Profile, Source } from '../src/contracts/index.js';
import { ManualClock } from '../src/lib/clock.js';
import { startTestTessera, type TestTessera } from './helpers/tessera.js';

let tessera: TestTessera;
let source: Source;
const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
const at = (minute: number): string => new Date(Date.UTC(2026, 10, 20, 9, minute)).toISOString();

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tessera-consent-'));
  const configFile = join(dataDir, 'tessera.json');
  await writeFile(
    configFile,
    JSON.stringify({
      profiles: {
        consent: {
          categories: {
            Advertising: [
              { channel: 'email', purpose: 'marketing' },
              { channel: 'sms', purpose: 'marketing' },
            ],
          },
          traits: { newsletter: [{ channel: 'email', purpose: 'marketing' }] },
        },
      },
    }),
  );
  tessera = await startTestTessera({ clock, dataDir, config: { configFile } });
  source = await tessera.createSource('Consent web', 'web');
});
afterAll(async () => {
  await tessera.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const send = async (type: string, body: Record<string, unknown>): Promise<void> => {
  const res = await tessera.track(`/v1/${type}`, source.writeKey, body);
  expect(res.status).toBe(200);
};

async function profileOf(identifier: string): Promise<Profile> {
  await tessera.settled();
  const res = await tessera.api<{ profiles: Profile[] }>('GET', `/profiles?identifier=${encodeURIComponent(identifier)}`);
  expect(res.status).toBe(200);
  return res.body.profiles[0]!;
}

const putConsent = (id: string, body: unknown) => tessera.api<Profile & { code?: string; details?: { field: string }[] }>('PUT', `/profiles/${id}/consent`, body);

describe('consent from messages, as configured in TESSERA_CONFIG', () => {
  it('reads Segment consent categories, each covering its configured channels and purposes', async () => {
    await send('track', {
      userId: 'cat-1',
      event: 'Page Viewed',
      messageId: 'cat-1-a',
      timestamp: at(1),
      context: { consent: { categoryPreferences: { Advertising: true, Analytics: false } } },
    });
    const profile = await profileOf('user_id:cat-1');
    const granted = { state: 'granted', at: at(1), provenance: { sourceId: source.id, messageId: 'cat-1-a' } };
    expect(profile.consent.email!.marketing).toEqual(granted);
    expect(profile.consent.sms!.marketing).toEqual(granted);
    expect(profile.consent.push!.marketing).toBeNull();
    expect(profile.consent.email!.transactional).toBeNull();
  });

  it('reads mapped boolean traits, and the statement with the latest event time wins whatever the arrival order', async () => {
    await send('identify', { userId: 'trait-1', messageId: 'trait-1-late', timestamp: at(30), traits: { newsletter: false } });
    await send('identify', { userId: 'trait-1', messageId: 'trait-1-early', timestamp: at(10), traits: { newsletter: true } });
    const profile = await profileOf('user_id:trait-1');
    expect(profile.consent.email!.marketing).toEqual({ state: 'denied', at: at(30), provenance: { sourceId: source.id, messageId: 'trait-1-late' } });
    expect(profile.consent.sms!.marketing).toBeNull();
  });

  it('ignores consent a message does not say as a boolean, and categories the config does not map', async () => {
    await send('identify', {
      userId: 'noise-1',
      timestamp: at(2),
      traits: { newsletter: 'yes' },
      context: { consent: { categoryPreferences: { Unmapped: true } } },
    });
    const profile = await profileOf('user_id:noise-1');
    expect(Object.values(profile.consent).flatMap((purposes) => Object.values(purposes)).every((entry) => entry === null)).toBe(true);
  });
});

describe('PUT /api/v1/profiles/{id}/consent', () => {
  it('records statements at the server time with the api provenance and the given source label', async () => {
    await send('identify', { userId: 'api-1', timestamp: at(3), traits: { name: 'Ada' } });
    const { id } = await profileOf('user_id:api-1');
    const res = await putConsent(id, {
      consent: [
        { channel: 'email', purpose: 'marketing', state: 'granted' },
        { channel: 'phone', purpose: 'transactional', state: 'denied' },
      ],
      source: 'preference-center',
    });
    expect(res.status).toBe(200);
    const now = new Date(clock.now()).toISOString();
    expect(res.body.consent.email!.marketing).toEqual({ state: 'granted', at: now, provenance: { sourceId: 'api', messageId: 'preference-center' } });
    expect(res.body.consent.phone!.transactional).toEqual({ state: 'denied', at: now, provenance: { sourceId: 'api', messageId: 'preference-center' } });
    expect(res.body.traits.name!.value).toBe('Ada');
    expect(res.body.messageCount).toBe(1);
    expect((await tessera.api<Profile>('GET', `/profiles/${id}`)).body.consent).toEqual(res.body.consent);
  });

  it('generates a provenance id when no source is given', async () => {
    await send('identify', { userId: 'api-2', timestamp: at(3) });
    const { id } = await profileOf('user_id:api-2');
    const res = await putConsent(id, { consent: [{ channel: 'push', purpose: 'marketing', state: 'denied' }] });
    expect(res.body.consent.push!.marketing?.provenance).toEqual({ sourceId: 'api', messageId: expect.stringMatching(/^csn_/) });
  });

  it('is overridden by a later message, not by an earlier one', async () => {
    await send('identify', { userId: 'api-3', timestamp: at(4) });
    const { id } = await profileOf('user_id:api-3');
    clock.advance(60_000);
    await putConsent(id, { consent: [{ channel: 'email', purpose: 'marketing', state: 'denied' }] });
    const apiTime = new Date(clock.now()).toISOString();

    await send('identify', { userId: 'api-3', timestamp: at(5), traits: { newsletter: true } });
    expect((await profileOf('user_id:api-3')).consent.email!.marketing).toMatchObject({ state: 'denied', at: apiTime });

    const later = new Date(clock.now() + 1000).toISOString();
    await send('identify', { userId: 'api-3', messageId: 'api-3-later', timestamp: later, traits: { newsletter: true } });
    expect((await profileOf('user_id:api-3')).consent.email!.marketing).toEqual({
      state: 'granted',
      at: later,
      provenance: { sourceId: source.id, messageId: 'api-3-later' },
    });
  });

  it('survives a merge, a split and a re-decision of the graph', async () => {
    // The anonymous profile is older, so it survives the merge and the API statement must travel into it.
    await send('page', { anonymousId: 'anon-m', timestamp: at(6), name: 'Home' });
    await tessera.settled();
    clock.advance(1000);
    await send('identify', { userId: 'merge-1', timestamp: at(7) });
    const member = await profileOf('user_id:merge-1');
    await putConsent(member.id, { consent: [{ channel: 'sms', purpose: 'marketing', state: 'granted' }], source: 'call' });
    const statement = { state: 'granted', at: new Date(clock.now()).toISOString(), provenance: { sourceId: 'api', messageId: 'call' } };

    await send('track', { userId: 'merge-1', anonymousId: 'anon-m', event: 'Linked', timestamp: at(8) });
    const merged = await profileOf('user_id:merge-1');
    expect(merged.mergedIds).toContain(member.id);
    expect(merged.consent.sms!.marketing).toEqual(statement);

    // The statement is anchored on user_id:merge-1, the highest-priority identifier: it leaves with it.
    const split = await tessera.api<{ profile: Profile; detached: Profile }>('POST', `/profiles/${merged.id}/split`, { identifiers: ['user_id:merge-1'] });
    expect(split.status).toBe(200);
    expect(split.body.detached.consent.sms!.marketing).toEqual(statement);
    expect(split.body.profile.consent.sms!.marketing).toBeNull();

    // The split constrains the graph: a new set of identifiers touching both sides makes their component be re-decided.
    await send('track', { userId: 'merge-1', anonymousId: 'anon-m', event: 'Again', timestamp: at(9), context: { device: { id: 'dev-m' } } });
    const redecided = await profileOf('user_id:merge-1');
    expect(redecided.messageCount).toBe(3);
    expect(redecided.consent.sms!.marketing).toEqual(statement);
    expect((await profileOf('anonymous_id:anon-m')).consent.sms!.marketing).toBeNull();
  });

  it('refuses malformed statements, two statements on one target, and unknown profiles', async () => {
    await send('identify', { userId: 'api-4', timestamp: at(3) });
    const { id } = await profileOf('user_id:api-4');
    const wrongChannel = await putConsent(id, { consent: [{ channel: 'fax', purpose: 'marketing', state: 'granted' }] });
    expect(wrongChannel.status).toBe(400);
    expect(wrongChannel.body.details?.[0]?.field).toBe('consent[0].channel');
    expect((await putConsent(id, { consent: [] })).status).toBe(400);
    expect((await putConsent(id, { consent: [{ channel: 'sms', purpose: 'marketing', state: 'maybe' }] })).status).toBe(400);

    const twice = await putConsent(id, {
      consent: [
        { channel: 'sms', purpose: 'marketing', state: 'granted' },
        { channel: 'sms', purpose: 'marketing', state: 'denied' },
      ],
    });
    expect(twice.status).toBe(400);
    expect(twice.body.details).toEqual([expect.objectContaining({ field: 'consent[1]', rule: 'unique' })]);
    expect((await tessera.api<Profile>('GET', `/profiles/${id}`)).body.consent.sms!.marketing).toBeNull();

    const missing = await putConsent('prf_missing', { consent: [{ channel: 'sms', purpose: 'marketing', state: 'granted' }] });
    expect(missing.status).toBe(404);
  });
});
