import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSqliteOperationalStore } from '../adapters/sqlite/index.js';
import type { CollectedMessage, ProfilesConfig } from '../contracts/index.js';
import { IdentityResolver, resolveIdentityRules } from '../identity/index.js';
import { ManualClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { Mutex } from '../lib/mutex.js';
import type { EventStore, OperationalStore, TraitSearch } from '../store/index.js';
import { ProfileService } from './profile-service.js';
import { contributionOf, emptyState, mergeStates, resolveProfileRules, type ProfileRules } from './state.js';
import { indexText, traitIndexEntries, traitIndexKey, traitValueMatches } from './trait-index.js';
import { UnifyProjection } from './unify-projection.js';

const at = (minute: number): string => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

let sequence = 0;
const identify = (fields: Partial<CollectedMessage>, minute = ++sequence): CollectedMessage => ({
  v: 1,
  messageId: `m${++sequence}`,
  type: 'identify',
  sourceId: 'web',
  channel: 'web',
  context: {},
  timestamp: at(minute),
  receivedAt: at(minute),
  ...fields,
});

describe('index entries', () => {
  const rules = resolveProfileRules({ traits: { tags: { rule: 'union' } } });
  const stateOf = (...messages: CollectedMessage[]) => messages.map((m) => contributionOf(m, rules)).reduce(mergeStates, emptyState);

  it('keep the golden scalar traits, lower-cased, and leave out null, arrays and objects', () => {
    const state = stateOf(
      identify({ traits: { name: 'Old Name', tier: 'Gold' } }, 1),
      identify({ traits: { name: 'Jane DOE', seats: 12, vip: true, gone: null, tags: ['a', 'b'], address: { city: 'Lyon' } } }, 2),
    );
    expect(traitIndexEntries(state, rules)).toEqual([
      { trait: 'name', text: 'jane doe', kind: 'string' },
      { trait: 'seats', text: '12', kind: 'number' },
      { trait: 'tier', text: 'gold', kind: 'string' },
      { trait: 'vip', text: 'true', kind: 'boolean' },
    ]);
  });

  it('follow the configured survivorship rule, not the latest value', () => {
    const firstRules = resolveProfileRules({ traits: { name: { rule: 'first' } } });
    const state = [identify({ traits: { name: 'Ann' } }, 1), identify({ traits: { name: 'Bea' } }, 2)]
      .map((m) => contributionOf(m, firstRules))
      .reduce(mergeStates, emptyState);
    expect(traitIndexEntries(state, firstRules)).toEqual([{ trait: 'name', text: 'ann', kind: 'string' }]);
  });

  it('cut long values to 256 characters without splitting a surrogate pair', () => {
    expect(indexText('A'.repeat(300))).toBe('a'.repeat(256));
    const emoji = `${'x'.repeat(255)}😀😀`;
    expect(indexText(emoji)).toBe(`${'x'.repeat(255)}😀`);
  });

  it('are keyed by the rules that shape golden values', () => {
    const latest = resolveProfileRules(undefined);
    expect(traitIndexKey(latest)).toBe(traitIndexKey(resolveProfileRules({ traitsFromEvents: [{ event: 'E', property: 'p', trait: 't' }] })));
    expect(traitIndexKey(latest)).not.toBe(traitIndexKey(resolveProfileRules({ traits: { plan: { rule: 'first' } } })));
  });
});

describe('matching a golden value', () => {
  it.each([
    ['Jane@Example.com', 'jane@example.COM', 'exact', true],
    ['Jane', 'jan', 'exact', false],
    ['Jane', 'JA', 'prefix', true],
    ['Jane', 'Jane', 'prefix', true],
    ['Jane', 'ane', 'prefix', false],
    [42, '42', 'exact', true],
    [42, '4', 'prefix', false],
    [true, 'TRUE', 'exact', true],
    [null, 'null', 'exact', false],
    [['a'], 'a', 'exact', false],
  ] as const)('%j against %j (%s): %s', (value, text, match, expected) => {
    expect(traitValueMatches(value, text, match)).toBe(expected);
  });
});

describe('the index kept by the unify stage', () => {
  const opened: OperationalStore[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  /** The unify stage and profile service over an in-memory store (or `existing`, to read it under other rules). */
  function setUp(config?: ProfilesConfig, existing?: OperationalStore) {
    const store = existing ?? openSqliteOperationalStore(':memory:');
    if (existing === undefined) opened.push(store);
    const identityRules = resolveIdentityRules(undefined);
    const profileRules: ProfileRules = resolveProfileRules(config);
    const clock = new ManualClock();
    const parts = {
      store: store.identity,
      resolver: IdentityResolver.forRules(identityRules, clock, silentLogger),
      identityRules,
      profileRules,
      lock: new Mutex(),
      clock,
    };
    const unify = new UnifyProjection(parts);
    const service = new ProfileService({ ...parts, events: {} as EventStore, clock });
    let offset = 0;
    const apply = (...messages: CollectedMessage[]) =>
      unify.apply(0, messages.map((message) => ({ partition: 0, offset: ++offset, message })));
    const search = (trait: string, text: string, match: TraitSearch['match'] = 'exact') =>
      store.identity.searchTraits({ trait, text, match, limit: 10 });
    return { store, unify, service, apply, search };
  }

  it('moves a profile from its old value to its new one', async () => {
    const { apply, search } = setUp();
    await apply(identify({ userId: 'u1', traits: { plan: 'Free' } }));
    const [id] = await search('plan', 'free');
    expect(id).toBeDefined();
    await apply(identify({ userId: 'u1', traits: { plan: 'Pro' } }));
    expect(await search('plan', 'free')).toEqual([]);
    expect(await search('plan', 'pro')).toEqual([id]);
  });

  it('indexes only the profiles whose traits a batch changed', async () => {
    const { apply, store } = setUp();
    await apply(identify({ userId: 'u1', traits: { plan: 'free' } }), identify({ userId: 'u2', traits: { plan: 'pro' } }));
    const commit = vi.spyOn(store.identity, 'commit');
    const track = (userId: string): CollectedMessage => ({ ...identify({ userId }), type: 'track', event: 'Viewed' });
    await apply(track('u1'), track('u2'), identify({ userId: 'u2', traits: { seats: 3 } }), track('u3'));
    const [changes] = commit.mock.calls.at(-1)!;
    const u2 = (await store.identity.identifiers(['user_id:u2'])).get('user_id:u2')!.profileId;
    const u3 = (await store.identity.identifiers(['user_id:u3'])).get('user_id:u3')!.profileId;
    // u1 only counted a message; u3 is new (and has no traits yet, but nothing says so in the index).
    expect(changes.traitIndex?.map((u) => u.profileId).sort()).toEqual([u2, u3].sort());
    expect(changes.traitIndex?.find((u) => u.profileId === u2)?.entries).toEqual([
      { trait: 'plan', text: 'pro', kind: 'string' },
      { trait: 'seats', text: '3', kind: 'number' },
    ]);
  });

  it('keeps the newer value when an older message arrives late', async () => {
    const { apply, search } = setUp();
    await apply(identify({ userId: 'u1', traits: { plan: 'pro' } }, 20));
    await apply(identify({ userId: 'u1', traits: { plan: 'free' } }, 10));
    expect(await search('plan', 'free')).toEqual([]);
    expect(await search('plan', 'pro')).toHaveLength(1);
  });

  it('drops a profile merged away and indexes the survivor', async () => {
    const { apply, search, store } = setUp();
    await apply(identify({ anonymousId: 'a1', traits: { city: 'Lyon' } }));
    await apply(identify({ userId: 'u1', traits: { name: 'Jane' } }));
    const [anonymous] = await search('city', 'lyon');
    const [known] = await search('name', 'jane');
    expect(anonymous).not.toBe(known);
    await apply(identify({ userId: 'u1', anonymousId: 'a1' }));
    const survivors = await search('city', 'lyon');
    expect(survivors).toEqual(await search('name', 'jane'));
    const merged = [anonymous, known].find((id) => id !== survivors[0])!;
    expect((await store.identity.profiles([merged])).get(merged)?.mergedInto).toBe(survivors[0]);
  });

  it('searches by prefix on strings only, in value order, with a limit', async () => {
    const { apply, search, store } = setUp();
    await apply(
      identify({ userId: 'u1', traits: { name: 'Janet', zip: 75001 } }),
      identify({ userId: 'u2', traits: { name: 'jane' } }),
      identify({ userId: 'u3', traits: { name: 'John', zip: '75002' } }),
    );
    const [u1, u2] = await Promise.all(['user_id:u1', 'user_id:u2'].map(async (k) => (await store.identity.identifiers([k])).get(k)!.profileId));
    expect(await search('name', 'jan', 'prefix')).toEqual([u2, u1]);
    expect(await store.identity.searchTraits({ trait: 'name', text: 'j', match: 'prefix', limit: 1 })).toEqual([u2]);
    expect(await search('zip', '7500', 'prefix')).toHaveLength(1);
    expect(await search('zip', '75001')).toEqual([u1]);
  });

  it('rebuilds both records of a split', async () => {
    const { apply, search, service } = setUp();
    await apply(
      identify({ userId: 'u1', traits: { team: 'red' } }, 1),
      identify({ anonymousId: 'kiosk', traits: { team: 'blue' } }, 2),
      identify({ userId: 'u1', anonymousId: 'kiosk' }, 3),
    );
    const [id] = await search('team', 'blue');
    const { detached } = await service.split(id!, ['anonymous_id:kiosk'], 'test');
    expect(await search('team', 'blue')).toEqual([detached.id]);
    expect(await search('team', 'red')).toEqual([id]);
  });

  it('is rebuilt at start when the survivorship rules changed, and answers only what the golden record says', async () => {
    const trusting = (...sources: string[]): ProfilesConfig => ({ traits: { plan: { rule: 'source_priority', sources } } });
    const first = setUp(trusting('crm', 'web'));
    await first.apply(identify({ userId: 'u1', sourceId: 'crm', traits: { plan: 'gold' } }, 1), identify({ userId: 'u1', traits: { plan: 'silver' } }, 2));
    expect(await first.unify.refreshTraitIndex()).toBe(1);
    expect(await first.unify.refreshTraitIndex()).toBe(0);
    expect(await first.search('plan', 'gold')).toHaveLength(1);

    // The same data read with web trusted first: the stale entry is not believed, and a refresh fixes the index.
    const second = setUp(trusting('web', 'crm'), first.store);
    expect(await second.service.searchByTrait('plan', 'gold', 'exact', 10)).toEqual([]);
    expect(await second.service.searchByTrait('plan', 'silver', 'exact', 10)).toEqual([]);
    expect(await second.unify.refreshTraitIndex(1)).toBe(1);
    expect((await second.service.searchByTrait('plan', 'SILVER', 'exact', 10)).map((p) => p.traits.plan?.value)).toEqual(['silver']);
    expect(await second.service.searchByTrait('plan', 'gold', 'exact', 10)).toEqual([]);
  });
});
