import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteOperationalStore } from '../adapters/sqlite/index.js';
import { ManualClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import type { OperationalStore } from '../store/index.js';
import { parseIdentifierKey, type Identifier } from './identifier.js';
import { partition } from './partition.js';
import { IdentityResolver, fragmentKeyOf } from './resolver.js';
import { IdentityWorkspace } from './workspace.js';

const limits: Record<string, number | null> = { user_id: 1, email: 2, phone: 5 };
const priority: Record<string, number> = { user_id: 100, email: 80, phone: 70, anonymous_id: 10 };
const limitOf = (type: string) => limits[type] ?? null;
const byPriority = (a: string, b: string) => {
  const [ta, tb] = [parseIdentifierKey(a)!.type, parseIdentifierKey(b)!.type];
  return (priority[tb] ?? 0) - (priority[ta] ?? 0) || (a < b ? -1 : a > b ? 1 : 0);
};

interface Message {
  readonly id: string;
  readonly second: number;
  readonly keys: readonly string[];
}

const opened: OperationalStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

/** A real SQLite store, in memory: the property test opens hundreds. */
async function freshStore(): Promise<OperationalStore> {
  const store = openSqliteOperationalStore(':memory:');
  opened.push(store);
  return store;
}

const toIdentifiers = (keys: readonly string[]): Identifier[] => [...keys].sort(byPriority).map((k) => parseIdentifierKey(k)!);

/** Runs messages through the resolver in the given order, committing after every `batch` messages. */
async function run(messages: readonly Message[], batch: number): Promise<OperationalStore> {
  const store = await freshStore();
  const resolver = new IdentityResolver({ limitOf, compareKeys: byPriority, clock: new ManualClock(), logger: silentLogger });
  for (let i = 0; i < messages.length; i += batch) {
    const ws = new IdentityWorkspace(store.identity);
    for (const m of messages.slice(i, i + batch)) {
      const timestamp = new Date(Date.UTC(2026, 0, 1, 0, 0, m.second)).toISOString();
      await resolver.resolve(ws, toIdentifiers(m.keys), { messageId: m.id, sourceId: 'src', timestamp });
    }
    await store.identity.commit(ws.changes());
  }
  return store;
}

/** The graph as canonical groups of identifier keys, following merges to live profiles. */
async function groupsOf(store: OperationalStore): Promise<string[][]> {
  const ws = new IdentityWorkspace(store.identity);
  const byProfile = new Map<string, string[]>();
  for (const record of await store.identity.searchIdentifiers('', 100_000)) {
    const live = await ws.liveProfile(record.profileId);
    byProfile.set(live.id, [...(byProfile.get(live.id) ?? []), record.key]);
  }
  return [...byProfile.values()].map((g) => g.sort()).sort((a, b) => (a.join() < b.join() ? -1 : 1));
}

/** What the pure partition says for the same messages (each distinct identifier set once, at its earliest claim). */
function expectedGroups(messages: readonly Message[]): string[][] {
  const fragments = new Map<string, { key: string; identifiers: string[]; claim: { timestamp: string; messageId: string } }>();
  for (const m of messages) {
    const ids = toIdentifiers(m.keys);
    const key = fragmentKeyOf(ids);
    const claim = { timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, m.second)).toISOString(), messageId: m.id };
    const seen = fragments.get(key);
    if (!seen || claim.timestamp < seen.claim.timestamp || (claim.timestamp === seen.claim.timestamp && claim.messageId < seen.claim.messageId)) {
      fragments.set(key, { key, identifiers: ids.map((i) => `${i.type}:${i.value}`), claim });
    }
  }
  return partition([...fragments.values()], limitOf)
    .groups.map((g) => [...g].sort())
    .sort((a, b) => (a.join() < b.join() ? -1 : 1));
}

const message = (id: string, second: number, ...keys: string[]): Message => ({ id, second, keys });

describe('IdentityResolver', () => {
  it('follows an anonymous visitor who signs up, logs in on another device and buys in store', async () => {
    const store = await run(
      [
        message('m1', 1, 'anonymous_id:web-1'),
        message('m2', 2, 'anonymous_id:web-1', 'user_id:jane', 'email:jane@x'),
        message('m3', 3, 'anonymous_id:app-1'),
        message('m4', 4, 'anonymous_id:app-1', 'user_id:jane'),
        message('m5', 5, 'email:jane@x', 'phone:+15551230000'),
        message('m6', 6, 'phone:+15551230000'),
      ],
      2,
    );
    expect(await groupsOf(store)).toEqual([
      ['anonymous_id:app-1', 'anonymous_id:web-1', 'email:jane@x', 'phone:+15551230000', 'user_id:jane'],
    ]);
  });

  it('keeps a household apart and records the refused link', async () => {
    const store = await run([message('m1', 1, 'user_id:mum', 'email:home@x'), message('m2', 2, 'user_id:dad', 'email:home@x')], 10);
    expect(await groupsOf(store)).toEqual([['email:home@x', 'user_id:mum'], ['user_id:dad']]);
    const dad = (await store.identity.identifiers(['user_id:dad'])).get('user_id:dad')!;
    const conflicts = await store.identity.conflictsOf(dad.profileId);
    expect(conflicts).toMatchObject([{ anchor: 'user_id:dad', identifier: 'email:home@x', reason: 'limit:user_id' }]);
  });

  it('records every merge with the message and identifier that caused it', async () => {
    const store = await run([message('m1', 1, 'anonymous_id:a'), message('m2', 2, 'email:e@x'), message('m3', 3, 'email:e@x', 'anonymous_id:a')], 1);
    const [group] = await groupsOf(store);
    expect(group).toEqual(['anonymous_id:a', 'email:e@x']);
    const owner = (await store.identity.identifiers(['email:e@x'])).get('email:e@x')!;
    const ws = new IdentityWorkspace(store.identity);
    const survivor = await ws.liveProfile(owner.profileId);
    const [merge] = await store.identity.historyOf(survivor.id);
    expect(merge).toMatchObject({ kind: 'merge', profileId: survivor.id, cause: { kind: 'message', messageId: 'm3', identifier: 'anonymous_id:a' } });
    // The merged-away id still leads to the survivor.
    expect((await ws.liveProfile(merge!.otherProfileId)).id).toBe(survivor.id);
  });

  it('re-decides when an earlier message arrives late, as if it had come in order', async () => {
    // Dad's message happened first but arrives last: the household email is his.
    const store = await run([message('m2', 2, 'user_id:mum', 'email:home@x'), message('m1', 1, 'user_id:dad', 'email:home@x')], 1);
    expect(await groupsOf(store)).toEqual([['email:home@x', 'user_id:dad'], ['user_id:mum']]);
  });

  it('keeps a person on their profile id when a re-decision moves a contested identifier away', async () => {
    const store = await run([message('m2', 2, 'user_id:mum', 'email:home@x')], 1);
    const profileOf = async (key: string) => (await store.identity.identifiers([key])).get(key)!.profileId;
    const mum = await profileOf('user_id:mum');
    // One identifier each way (a tie): mum's id stays with her user_id, not with the email that moves to dad.
    const resolver = new IdentityResolver({ limitOf, compareKeys: byPriority, clock: new ManualClock(), logger: silentLogger });
    const ws = new IdentityWorkspace(store.identity);
    await resolver.resolve(ws, toIdentifiers(['user_id:dad', 'email:home@x']), { messageId: 'm1', sourceId: 'src', timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, 1)).toISOString() });
    await store.identity.commit(ws.changes());
    expect(await profileOf('user_id:mum')).toBe(mum);
    expect(await profileOf('email:home@x')).not.toBe(mum);
    expect(await store.identity.historyOf(mum)).toMatchObject([{ kind: 'split', profileId: mum, identifiers: ['email:home@x'] }]);
  });

  it('gives the same graph for any arrival order and batching, equal to the pure partition', async () => {
    const population = fc.record({
      user: fc.option(fc.constantFrom('u1', 'u2', 'u3', 'u4', 'u5'), { nil: undefined }),
      email: fc.option(fc.constantFrom('a@x', 'b@x', 'home@x', 'work@x'), { nil: undefined }),
      phone: fc.option(fc.constantFrom('+1555000001', '+1555000002'), { nil: undefined }),
      anon: fc.option(fc.constantFrom('d1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7', 'd8'), { nil: undefined }),
      second: fc.integer({ min: 0, max: 40 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(population, { minLength: 1, maxLength: 30 }), fc.integer(), fc.integer({ min: 1, max: 7 }), async (rows, seed, batch) => {
        const messages = rows
          .map((r, i) =>
            message(
              `m${String(i).padStart(3, '0')}`,
              r.second,
              ...[r.user && `user_id:${r.user}`, r.email && `email:${r.email}`, r.phone && `phone:${r.phone}`, r.anon && `anonymous_id:${r.anon}`].filter(
                (k): k is string => typeof k === 'string',
              ),
            ),
          )
          .filter((m) => m.keys.length > 0);
        if (messages.length === 0) return;
        const shuffled = fc.sample(fc.shuffledSubarray(messages, { minLength: messages.length }), { seed, numRuns: 1 })[0]!;
        const expected = expectedGroups(messages);
        expect(await groupsOf(await run(messages, batch))).toEqual(expected);
        expect(await groupsOf(await run(shuffled, batch))).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});
