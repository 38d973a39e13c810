import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/clock.js';
import type { EventRow, MirroredProfile, ProfileChange } from '../../src/store/index.js';
import { operationalStoreAdapters, profileMirrorAdapters } from './adapters.js';
import { useTempDirs } from './temp-dir.js';
import { fragmentRecord as fragment, identityChanges as changes, profileRecord as profile } from '../helpers/identity-changes.js';

/** Changes as id -> structural, whatever their order and sequence numbers. */
const byId = (list: readonly ProfileChange[]): Record<string, boolean> => Object.fromEntries(list.map((c) => [c.profileId, c.structural]));

describe.each(operationalStoreAdapters)('ProfileChangeFeed contract: $name', (adapter) => {
  const tempDir = useTempDirs();

  it('records what identity commits change, structure apart, in the same transaction', async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    const { identity, profileChanges: feed } = store;
    expect(await feed.lastSeq()).toBe(0);
    // New fragments change a profile's make-up; a rewritten profile alone changes its facts.
    await identity.commit(changes({ profiles: [profile('p1'), profile('p2'), profile('p3')], fragments: [fragment('f1', 'p1'), fragment('f2', 'p2')] }));
    expect(byId(await feed.next(10))).toEqual({ p1: true, p2: true, p3: false });
    await feed.acknowledge(await feed.next(10));
    expect(await feed.size()).toBe(0);

    await identity.commit(changes({ profiles: [profile('p1', { updatedAt: 2 })], fragments: [fragment('f1', 'p1')] }));
    expect(byId(await feed.next(10))).toEqual({ p1: false });
    await feed.acknowledge(await feed.next(10));

    // A merge: the merged-away profile and its survivor; a fragment moving: both homes.
    await identity.commit(changes({ profiles: [profile('p2', { mergedInto: 'p1' })] }));
    await identity.commit(changes({ fragments: [fragment('f1', 'p3')] }));
    expect(byId(await feed.next(10))).toEqual({ p1: true, p2: true, p3: true });
    await store.close();
  });

  it('waits once per profile, keeps a change recorded again after it was read, and records memberships', async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    const { identity, segments, profileChanges: feed } = store;
    await identity.commit(changes({ profiles: [profile('p1'), profile('p2')] }));
    await identity.commit(changes({ profiles: [profile('p1', { updatedAt: 3 })] }));
    expect(await feed.size()).toBe(2);
    const read = await feed.next(10);
    const mark = await feed.lastSeq();
    expect(Math.max(...read.map((c) => c.seq))).toBe(mark);
    expect(await feed.pendingUpTo(mark)).toBe(true);

    // p1 changes again while the mirror works on what it read: acknowledging the old change leaves the new one.
    await segments.commit({ entered: [{ segmentId: 'seg', profileId: 'p1', since: 1 }], exited: [], timers: [], outbox: [] });
    await feed.acknowledge(read);
    const left = await feed.next(10);
    expect(byId(left)).toEqual({ p1: false });
    expect(await feed.pendingUpTo(mark)).toBe(false);
    await feed.acknowledge(left);

    await segments.initialize({ segmentId: 'seg', entered: [{ segmentId: 'seg', profileId: 'p2', since: 2 }], exited: ['p1'], timers: [{ profileId: 'p2', dueAt: 50 }] });
    expect(byId(await feed.next(10))).toEqual({ p1: false, p2: false });
    expect(await segments.dueTimers(100, 10)).toEqual(['p2']);
    // A timer no later than: an earlier one stays.
    await segments.initialize({ segmentId: 'seg', entered: [], exited: [], timers: [{ profileId: 'p2', dueAt: 500 }] });
    expect(await segments.dueTimers(100, 10)).toEqual(['p2']);

    await identity.commit(changes({ profiles: [profile('p3', { mergedInto: 'p2' })] }));
    await feed.acknowledge(await feed.next(10));
    expect(await feed.recordAllLive()).toBe(2);
    expect(byId(await feed.next(10))).toEqual({ p1: true, p2: true });
    await store.close();
  });
});

const row = (profileId: string, traits: Record<string, unknown>, segments: string[] = []): MirroredProfile => ({
  profileId,
  traits,
  consent: { 'email:marketing': 'granted' },
  identifierTypes: ['user_id'],
  channels: ['web'],
  segments,
  timeZone: 'UTC',
});
const event = (offset: number, fragmentKey: string, name: string): EventRow => ({
  offset,
  messageId: `m${offset}`,
  sourceId: 'src_a',
  channel: 'web',
  type: 'track',
  event: name,
  category: null,
  userId: null,
  anonymousId: null,
  groupId: null,
  previousId: null,
  properties: { n: offset },
  traits: {},
  context: {},
  timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, offset)).toISOString(),
  originalTimestamp: null,
  sentAt: null,
  receivedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, offset)).toISOString(),
  violations: [],
  fragmentKey,
});
const query = (sql: string, params: Record<string, string | number | boolean> = {}) => ({ sql, params });

describe.each(profileMirrorAdapters)('ProfileMirror contract: $name', (adapter) => {
  const tempDir = useTempDirs();

  it('replaces rows and fragment mappings, follows fragments as they move, forgets removed profiles', async () => {
    const dir = await tempDir();
    const opened = await adapter.open(dir, new ManualClock());
    const { mirror, events } = opened;
    expect(await mirror.builtFor()).toBeNull();
    await events.insert([event(1, 'fa', 'Bought'), event(2, 'fb', 'Bought'), event(3, 'fc', 'Viewed')], { consumer: 'events', partition: 0, offset: 3 });
    await mirror.apply({
      upserts: [row('p1', { plan: 'pro' }), row('p2', { plan: 'free' }, ['vip'])],
      removals: [],
      fragments: [
        { profileId: 'p1', fragmentKeys: ['fa'] },
        { profileId: 'p2', fragmentKeys: ['fb', 'fc'] },
      ],
      at: 5000,
      purge: false,
    });
    const perProfile = query("SELECT profile_id FROM profile_events WHERE event = 'Bought' GROUP BY profile_id");
    expect(await mirror.preview(perProfile, 10)).toEqual({ count: 2, sample: ['p1', 'p2'] });
    expect(await mirror.preview(query("SELECT profile_id FROM profile_facts WHERE traits ->> 'plan' = $plan AND list_contains(segments, 'vip')", { plan: 'free' }), 1)).toEqual({
      count: 1,
      sample: ['p2'],
    });

    // p2 merged into p1: its fragments are p1's now, its row goes.
    await mirror.apply({
      upserts: [row('p1', { plan: 'pro', vip: true })],
      removals: ['p2'],
      fragments: [{ profileId: 'p1', fragmentKeys: ['fa', 'fb', 'fc'] }],
      at: 6000,
      purge: false,
    });
    const rows: Record<string, unknown>[] = [];
    await mirror.stream(query('SELECT profile_id, traits, epoch_ms(updated_at) AS at, (SELECT count(*) FROM profile_events e WHERE e.profile_id = p.profile_id) AS events FROM profile_facts p'), async (batch) => {
      rows.push(...batch);
    });
    expect(rows).toEqual([{ profile_id: 'p1', traits: '{"plan":"pro","vip":true}', at: 6000, events: 3 }]);
    expect(await mirror.size()).toBe(1);

    // A split moves a fragment out: the new profile lists it, the old one lists what it keeps.
    await mirror.apply({
      upserts: [row('p1', { plan: 'pro' }), row('p3', {})],
      removals: [],
      fragments: [
        { profileId: 'p3', fragmentKeys: ['fc'] },
        { profileId: 'p1', fragmentKeys: ['fa', 'fb'] },
      ],
      at: 7000,
      purge: false,
    });
    expect(await mirror.preview(query("SELECT profile_id FROM profile_events WHERE event = 'Viewed'"), 5)).toEqual({ count: 1, sample: ['p3'] });

    // Erased: nothing left, made durable at once.
    await mirror.apply({ upserts: [], removals: ['p3'], fragments: [], at: 8000, purge: true });
    expect(await mirror.preview(query('SELECT profile_id FROM profile_facts'), 5)).toEqual({ count: 1, sample: ['p1'] });
    expect(await mirror.preview(query("SELECT profile_id FROM profile_events WHERE event = 'Viewed'"), 5)).toEqual({ count: 0, sample: [] });

    await mirror.setBuiltFor('rules-1');
    await opened.close();
    const reopened = await adapter.open(dir, new ManualClock());
    expect(await reopened.mirror.builtFor()).toBe('rules-1');
    expect(await reopened.mirror.size()).toBe(1);
    await reopened.mirror.clear();
    expect(await reopened.mirror.size()).toBe(0);
    expect(await reopened.mirror.builtFor()).toBeNull();
    await reopened.close();
  });
});
