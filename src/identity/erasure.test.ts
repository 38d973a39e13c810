import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteOperationalStore } from '../adapters/sqlite/index.js';
import { ManualClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import type { OperationalStore } from '../store/index.js';
import { detachForErasure } from './erasure.js';
import { parseIdentifierKey } from './identifier.js';
import { compareByPriority, resolveIdentityRules } from './identifiers.js';
import { IdentityResolver, fragmentKeyOf } from './resolver.js';
import { IdentityWorkspace } from './workspace.js';

const rules = resolveIdentityRules(undefined);
const compareKeys = (a: string, b: string) => compareByPriority(parseIdentifierKey(a)!, parseIdentifierKey(b)!, rules);
const resolver = new IdentityResolver({ limitOf: (type) => rules.rule(type).limit, compareKeys, clock: new ManualClock(), logger: silentLogger });
const identifiers = (...keys: string[]) => keys.sort(compareKeys).map((k) => parseIdentifierKey(k)!);

const opened: OperationalStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

/** One message per identifier set, a second apart, each batch committed. */
async function graph(...messages: string[][]): Promise<OperationalStore> {
  const store = openSqliteOperationalStore(':memory:');
  opened.push(store);
  for (const [second, keys] of messages.entries()) {
    const ws = new IdentityWorkspace(store.identity);
    await resolver.resolve(ws, identifiers(...keys), { messageId: `m${second}`, sourceId: 'src', timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString() });
    await store.identity.commit(ws.changes());
  }
  return store;
}

const profileOf = async (store: OperationalStore, key: string) => (await new IdentityWorkspace(store.identity).profileOf(key))!;

describe('detachForErasure', () => {
  it('takes the person with the profiles merged into them, and every fragment naming their identifiers', async () => {
    const store = await graph(
      ['anonymous_id:a1'],
      ['user_id:p', 'email:p@x.com'],
      ['user_id:p', 'anonymous_id:a1'],
      ['user_id:q'],
      // q's message carried p's email: the link is refused (one user_id per profile) but the fragment names it.
      ['user_id:q', 'email:p@x.com'],
    );
    const person = await profileOf(store, 'user_id:p');
    const other = await profileOf(store, 'user_id:q');
    expect(other.conflicted).toBe(true);

    const ws = new IdentityWorkspace(store.identity);
    const scope = await detachForErasure(ws, person.id, 99);
    expect(scope.profileId).toBe(person.id);
    expect(scope.mergedIds).toHaveLength(1);
    expect([...scope.identifiers].sort()).toEqual(['anonymous_id:a1', 'email:p@x.com', 'user_id:p']);
    const sharedKey = fragmentKeyOf(identifiers('user_id:q', 'email:p@x.com'));
    expect(scope.fragments.map((f) => f.key).sort()).toEqual(
      [
        fragmentKeyOf(identifiers('anonymous_id:a1')),
        fragmentKeyOf(identifiers('user_id:p', 'email:p@x.com')),
        fragmentKeyOf(identifiers('user_id:p', 'anonymous_id:a1')),
        sharedKey,
      ].sort(),
    );
    expect(scope.affected).toEqual([other.id]);

    // The neighbour no longer holds the fragment, and nothing conflicts with it any more.
    expect(await ws.fragment(sharedKey)).toBeUndefined();
    expect((await ws.fragmentsOf(other.id)).map((f) => f.key)).toEqual([fragmentKeyOf(identifiers('user_id:q'))]);
    expect(ws.changes().profiles).toEqual([{ ...other, conflicted: false, updatedAt: 99 }]);
  });

  it('lifts the constraint and the conflict of a profile split off the person', async () => {
    const store = await graph(['user_id:p', 'email:p@x.com', 'phone:+12015550123'], ['user_id:r', 'email:r@x.com']);
    const person = await profileOf(store, 'user_id:p');
    const split = new IdentityWorkspace(store.identity);
    await resolver.split(split, ['user_id:p', 'email:p@x.com'], ['phone:+12015550123'], 'test');
    await store.identity.commit(split.changes());
    const detached = await profileOf(store, 'phone:+12015550123');
    expect(detached).toMatchObject({ constrained: true, conflicted: true });

    const ws = new IdentityWorkspace(store.identity);
    const scope = await detachForErasure(ws, person.id, 99);
    expect(scope.affected).toEqual([detached.id]);
    expect(ws.changes().profiles).toEqual([{ ...detached, constrained: false, conflicted: false, updatedAt: 99 }]);
  });
});
