import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/clock.js';
import type { TraitIndexEntry } from '../../src/store/index.js';
import { operationalStoreAdapters } from './adapters.js';
import { useTempDirs } from './temp-dir.js';
import { fragmentRecord as fragment, identityChanges as changes, profileRecord as profile } from '../helpers/identity-changes.js';

const text = (trait: string, value: string): TraitIndexEntry => ({ trait, text: value, kind: 'string' });

describe.each(operationalStoreAdapters)('IdentityStore contract (trait index): $name', (adapter) => {
  const tempDir = useTempDirs();

  it("replaces a profile's entries and finds profiles by exact text or string prefix, ordered, limited", async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    const { identity } = store;
    await identity.commit(
      changes({
        profiles: [profile('p1'), profile('p2'), profile('p3')],
        traitIndex: [
          { profileId: 'p1', entries: [text('name', 'janet'), { trait: 'zip', text: '75001', kind: 'number' }] },
          { profileId: 'p2', entries: [text('name', 'jane'), text('zip', '75002')] },
          { profileId: 'p3', entries: [text('name', 'jane')] },
        ],
      }),
    );
    expect(await identity.searchTraits({ trait: 'name', text: 'jane', match: 'exact', limit: 10 })).toEqual(['p2', 'p3']);
    expect(await identity.searchTraits({ trait: 'name', text: 'jan', match: 'prefix', limit: 10 })).toEqual(['p2', 'p3', 'p1']);
    expect(await identity.searchTraits({ trait: 'name', text: 'jan', match: 'prefix', limit: 2 })).toEqual(['p2', 'p3']);
    expect(await identity.searchTraits({ trait: 'zip', text: '7500', match: 'prefix', limit: 10 })).toEqual(['p2']);
    expect(await identity.searchTraits({ trait: 'zip', text: '75001', match: 'exact', limit: 10 })).toEqual(['p1']);
    expect(await identity.searchTraits({ trait: 'other', text: 'jane', match: 'exact', limit: 10 })).toEqual([]);

    // A new entry set replaces the old one: changed values move, traits left out disappear.
    await identity.commit(changes({ traitIndex: [{ profileId: 'p1', entries: [text('name', 'joan')] }] }));
    expect(await identity.searchTraits({ trait: 'name', text: 'janet', match: 'exact', limit: 10 })).toEqual([]);
    expect(await identity.searchTraits({ trait: 'name', text: 'joan', match: 'exact', limit: 10 })).toEqual(['p1']);
    expect(await identity.searchTraits({ trait: 'zip', text: '75001', match: 'exact', limit: 10 })).toEqual([]);
    await store.close();
  });

  it('drops a profile committed as merged, listed in traitIndex or not', async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    const { identity } = store;
    await identity.commit(
      changes({
        profiles: [profile('p1'), profile('p2')],
        traitIndex: [
          { profileId: 'p1', entries: [text('name', 'jane')] },
          { profileId: 'p2', entries: [text('name', 'jane')] },
        ],
      }),
    );
    await identity.commit(changes({ profiles: [profile('p2', { mergedInto: 'p1' })] }));
    expect(await identity.searchTraits({ trait: 'name', text: 'jane', match: 'exact', limit: 10 })).toEqual(['p1']);
    await store.close();
  });

  it('lists live profiles in id order, a page at a time, and remembers the rules the index was built under', async () => {
    const dir = await tempDir();
    const store = await adapter.open(dir, new ManualClock());
    const { identity } = store;
    expect(await identity.traitIndexRules()).toBeNull();
    await identity.commit(
      changes({ profiles: [profile('c'), profile('a'), profile('b', { mergedInto: 'a' }), profile('d')], traitIndexRules: 'rules-1' }),
    );
    expect((await identity.liveProfiles('', 2)).map((p) => p.id)).toEqual(['a', 'c']);
    expect((await identity.liveProfiles('c', 2)).map((p) => p.id)).toEqual(['d']);
    await identity.commit(changes({ traitIndexRules: 'rules-2' }));
    await store.close();
    const reopened = await adapter.open(dir, new ManualClock());
    expect(await reopened.identity.traitIndexRules()).toBe('rules-2');
    await reopened.close();
  });
});

describe.each(operationalStoreAdapters)('IdentityStore contract (fragment homes): $name', (adapter) => {
  const tempDir = useTempDirs();

  it('gives the home profile of each stored fragment, as last committed, and nothing for unknown keys', async () => {
    const dir = await tempDir();
    const store = await adapter.open(dir, new ManualClock());
    await store.identity.commit(changes({ profiles: [profile('p1'), profile('p2')], fragments: [fragment('f1', 'p1'), fragment('f2', 'p1')] }));
    await store.identity.commit(changes({ fragments: [fragment('f2', 'p2')] }));
    const expected = new Map([['f1', 'p1'], ['f2', 'p2']]);
    expect(await store.identity.fragmentHomes(['f1', 'f2', 'unknown'])).toEqual(expected);
    expect(await store.identity.fragmentHomes([])).toEqual(new Map());
    await store.close();
    // Read back from disk, not from anything the adapter kept of its writes.
    const reopened = await adapter.open(dir, new ManualClock());
    expect(await reopened.identity.fragmentHomes(['unknown', 'f2', 'f1'])).toEqual(expected);
    await reopened.close();
  });
});
