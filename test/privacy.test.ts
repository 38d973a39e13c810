import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErasureRecord, Profile, ProfileExport, Source, StoredEvent, Suppression, SuppressionsPage } from '../src/contracts/index.js';
import { ManualClock } from '../src/lib/clock.js';
import { allEvents } from './helpers/events.js';
import { adminToken, startTestTessera, type TestTessera } from './helpers/tessera.js';

let tessera: TestTessera;
let source: Source;
let dataDir: string;
const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
const at = (second: number): string => new Date(Date.UTC(2026, 10, 20, 9, 0, second)).toISOString();

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tessera-privacy-'));
  tessera = await startTestTessera({ clock, dataDir });
  source = await tessera.createSource('Privacy web', 'web');
});
afterAll(async () => {
  await tessera.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function send(messages: Record<string, unknown>[]): Promise<void> {
  const res = await tessera.track('/v1/batch', source.writeKey, { batch: messages });
  expect(res.status).toBe(200);
  expect(res.body.accepted).toBe(messages.length);
  await tessera.settled();
}

async function find(identifier: string): Promise<Profile | undefined> {
  const res = await tessera.api<{ profiles: Profile[] }>('GET', `/profiles?identifier=${encodeURIComponent(identifier)}`);
  return res.status === 200 ? res.body.profiles[0] : undefined;
}

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${tessera.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

/** Every file in the data dir whose name starts with `prefix` (a database, its WAL...), as text. */
async function bytesOf(prefix: string): Promise<string> {
  const files = (await readdir(tessera.dataDir)).filter((f) => f.startsWith(prefix));
  return (await Promise.all(files.map((f) => readFile(join(tessera.dataDir, f), 'latin1')))).join('\n');
}

describe('GET /api/v1/profiles/{id}/export', () => {
  it('holds the profile, every trait value with its lineage, consent, conflicts, history and every event, over many pages', async () => {
    await send([{ type: 'page', anonymousId: 'exp-anon', name: 'Home', messageId: 'exp-page', timestamp: at(1) }]);
    clock.advance(1000);
    await send([
      { type: 'identify', userId: 'exp-1', anonymousId: 'exp-anon', traits: { email: 'exp@example.com', name: 'Eve' }, messageId: 'exp-id', timestamp: at(2) },
      { type: 'group', userId: 'exp-1', groupId: 'g-1', messageId: 'exp-g1', timestamp: at(3) },
      { type: 'group', userId: 'exp-1', groupId: 'g-2', messageId: 'exp-g2', timestamp: at(4) },
      // Another user id with the same email: the link is refused (one user_id per profile), a conflict.
      { type: 'identify', userId: 'exp-other', traits: { email: 'exp@example.com' }, messageId: 'exp-conflict', timestamp: at(5) },
    ]);
    const tracks = Array.from({ length: 1100 }, (_, i) => ({ type: 'track', userId: 'exp-1', event: 'Viewed', messageId: `exp-t${i}`, timestamp: at(10) }));
    await send(tracks.slice(0, 600));
    await send(tracks.slice(600));
    const profile = (await find('user_id:exp-1'))!;
    await tessera.api('PUT', `/profiles/${profile.id}/consent`, { consent: [{ channel: 'email', purpose: 'marketing', state: 'granted' }] });

    const res = await tessera.api<ProfileExport>('GET', `/profiles/${profile.id}/export`);
    expect(res.status).toBe(200);
    const data = res.body;
    expect(data.exportedAt).toBe(new Date(clock.now()).toISOString());
    expect(data.profile.id).toBe(profile.id);
    expect(data.profile.identities).toEqual([
      { type: 'anonymous_id', value: 'exp-anon' },
      { type: 'email', value: 'exp@example.com' },
      { type: 'user_id', value: 'exp-1' },
    ]);
    expect(data.profile.consent.email!.marketing).toMatchObject({ state: 'granted', provenance: { sourceId: 'api' } });
    expect(data.profile.conflicts).toEqual([
      expect.objectContaining({ identifier: 'email:exp@example.com', anchor: 'user_id:exp-other', reason: 'limit:user_id', messageId: 'exp-conflict' }),
    ]);
    expect(data.traitLineage.groups).toEqual([
      { value: 'g-1', count: 1, lineage: { sourceId: source.id, messageId: 'exp-g1', timestamp: at(3) } },
      { value: 'g-2', count: 1, lineage: { sourceId: source.id, messageId: 'exp-g2', timestamp: at(4) } },
    ]);
    expect(data.traitLineage.name).toEqual([{ value: 'Eve', count: 1, lineage: { sourceId: source.id, messageId: 'exp-id', timestamp: at(2) } }]);
    expect(data.history).toEqual([expect.objectContaining({ kind: 'merge', profileId: expect.any(String), otherProfileId: expect.any(String) })]);
    const ids = data.events.map((e) => e.messageId);
    expect(data.events).toHaveLength(1104);
    expect(new Set(ids).size).toBe(1104);
    expect(ids).toEqual(expect.arrayContaining(['exp-page', 'exp-id', 'exp-g1', 'exp-g2', 'exp-t0', 'exp-t1099']));
    expect(ids).not.toContain('exp-conflict');
  });

  it('answers 404 for an unknown profile', async () => {
    expect((await tessera.api('GET', '/profiles/prf_nobody/export')).status).toBe(404);
  });
});

describe('DELETE /api/v1/profiles/{id}', () => {
  const email = 'erase-me-x7@example.com';
  let person: Profile;
  let neighbour: Profile;
  let erasure: ErasureRecord;
  const personMessages = ['del-page', 'del-identify', 'del-track-1', 'del-track-2'];

  beforeAll(async () => {
    await send([{ type: 'page', anonymousId: 'del-anon', name: 'Landing', messageId: 'del-page', timestamp: at(20) }]);
    clock.advance(1000);
    await send([
      { type: 'identify', userId: 'del-1', anonymousId: 'del-anon', traits: { email, name: 'Dee' }, messageId: 'del-identify', timestamp: at(21) },
      { type: 'track', userId: 'del-1', event: 'Bought', properties: { sku: 'del-sku-9' }, messageId: 'del-track-1', timestamp: at(22) },
      { type: 'track', userId: 'del-1', event: 'Bought', messageId: 'del-track-2', timestamp: at(23) },
      // A neighbour whose message carried the person's email: the link was refused, but it names the person.
      { type: 'identify', userId: 'nb-1', traits: { email, plan: 'pro' }, messageId: 'nb-with-email', timestamp: at(24) },
      { type: 'identify', userId: 'nb-1', traits: { city: 'Oslo' }, messageId: 'nb-own', timestamp: at(25) },
    ]);
    person = (await find('user_id:del-1'))!;
    neighbour = (await find('user_id:nb-1'))!;
    expect(person.mergedIds).toHaveLength(1);
    expect(neighbour.conflicts).toHaveLength(1);
    expect(neighbour.traits.plan?.value).toBe('pro');
    await tessera.api('PUT', `/profiles/${person.id}/consent`, { consent: [{ channel: 'sms', purpose: 'marketing', state: 'denied' }] });
    await tessera.api('POST', '/suppressions', { suppressions: [
      { identifier: `email:${email}`, reason: 'unsubscribed' },
      { identifier: 'email:someone-else@example.com', reason: 'bounced' },
    ] });
    expect(await bytesOf('log.db')).toContain(email);

    clock.advance(5000);
    const res = await tessera.api<ErasureRecord>('DELETE', `/profiles/${person.id}`);
    expect(res.status).toBe(200);
    erasure = res.body;
  });

  it('answers the audit record: who, when, which profiles, and a keyed hash of each identifier', () => {
    expect(erasure).toEqual({
      id: expect.stringMatching(/^era_/),
      profileId: person.id,
      mergedIds: person.mergedIds,
      requestedBy: 'admin-api',
      at: new Date(clock.now()).toISOString(),
      identifierHashes: [expect.stringMatching(/^[0-9a-f]{64}$/), expect.stringMatching(/^[0-9a-f]{64}$/), expect.stringMatching(/^[0-9a-f]{64}$/)],
      // The person's four messages, and the neighbour's message that carried their email.
      erasedEvents: 5,
    });
    // Keyed, not a bare hash: the hash of the identifier alone is not among them.
    expect(new Set(erasure.identifierHashes).size).toBe(3);
  });

  it('leaves no profile, identifier, event or suppression of the person', async () => {
    expect((await tessera.api('GET', `/profiles/${person.id}`)).status).toBe(404);
    expect((await tessera.api('GET', `/profiles/${person.mergedIds[0]!}`)).status).toBe(404);
    for (const identifier of ['user_id:del-1', `email:${email}`, 'anonymous_id:del-anon']) expect(await find(identifier)).toBeUndefined();
    const stored = (await allEvents(tessera.url, adminToken)).map((e: StoredEvent) => e.messageId);
    for (const id of [...personMessages, 'nb-with-email']) expect(stored).not.toContain(id);
    expect(stored).toContain('nb-own');
    const listed = (await tessera.api<SuppressionsPage>('GET', '/suppressions?limit=1000')).body.suppressions.map((s: Suppression) => s.identifier);
    expect(listed).not.toContain(`email:${email}`);
    expect(listed).toContain('email:someone-else@example.com');
    expect((await tessera.api('DELETE', `/profiles/${person.id}`)).status).toBe(404);
  });

  it('overwrites the person\'s bytes in the log and the operational store', async () => {
    for (const file of ['log.db', 'state.db']) {
      const bytes = await bytesOf(file);
      expect(bytes).not.toContain(email);
      expect(bytes).not.toContain('del-sku-9');
    }
    expect(await bytesOf('log.db')).toContain('Oslo');
  });

  it('rebuilds the neighbour without what came from the erased message', async () => {
    const after = (await find('user_id:nb-1'))!;
    expect(after.id).toBe(neighbour.id);
    expect(after.conflicts).toEqual([]);
    expect(after.traits.plan).toBeUndefined();
    expect(after.traits.email).toBeUndefined();
    expect(after.traits.city?.value).toBe('Oslo');
    expect(after.messageCount).toBe(1);
    const timeline = await tessera.api<{ events: StoredEvent[] }>('GET', `/profiles/${neighbour.id}/events`);
    expect(timeline.body.events.map((e) => e.messageId)).toEqual(['nb-own']);
  });

  it('keeps history entries, without the erased identifiers', async () => {
    const history = await tessera.api<{ history: { identifiers: string[] }[] }>('GET', `/profiles/${neighbour.id}/history`);
    expect(history.status).toBe(200);
    expect(JSON.stringify(history.body)).not.toContain(email);
  });

  it('drops later messages carrying an erased identifier in both stages, counted; other people still come in', async () => {
    const droppedBefore = {
      unify: await metric('tessera_erased_messages_dropped_total', 'stage="unify"'),
      events: await metric('tessera_erased_messages_dropped_total', 'stage="event-store"'),
    };
    await send([
      { type: 'identify', userId: 'del-1', traits: { name: 'Dee again' }, messageId: 'del-again-1', timestamp: at(40) },
      { type: 'track', anonymousId: 'del-anon', userId: 'brand-new-with-old-anon', event: 'Back', messageId: 'del-again-2', timestamp: at(41) },
      { type: 'identify', userId: 'fresh-1', traits: { email: 'fresh@example.com' }, messageId: 'fresh-1', timestamp: at(42) },
    ]);
    // Re-sent with its original message id, the old message is a duplicate at the door.
    expect((await tessera.track('/v1/track', source.writeKey, { userId: 'del-1', event: 'Bought', messageId: 'del-track-1', timestamp: at(22) })).body.duplicates).toBe(1);
    await tessera.settled();

    expect(await find('user_id:del-1')).toBeUndefined();
    expect(await find('user_id:brand-new-with-old-anon')).toBeUndefined();
    expect((await find('user_id:fresh-1'))?.traits.email?.value).toBe('fresh@example.com');
    const stored = (await allEvents(tessera.url, adminToken)).map((e) => e.messageId);
    expect(stored).not.toContain('del-again-1');
    expect(stored).not.toContain('del-again-2');
    expect(stored).toContain('fresh-1');
    expect(await metric('tessera_erased_messages_dropped_total', 'stage="unify"')).toBe(droppedBefore.unify + 2);
    expect(await metric('tessera_erased_messages_dropped_total', 'stage="event-store"')).toBe(droppedBefore.events + 2);
  });

  it('still recognises erased people after a restart', async () => {
    await tessera.running.close();
    tessera = await startTestTessera({ clock, dataDir });
    await send([{ type: 'identify', userId: 'del-1', messageId: 'del-after-restart', timestamp: at(50) }]);
    expect(await find('user_id:del-1')).toBeUndefined();
    expect((await allEvents(tessera.url, adminToken)).map((e) => e.messageId)).not.toContain('del-after-restart');
  });
});
