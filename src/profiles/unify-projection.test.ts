import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSqliteOperationalStore } from '../adapters/sqlite/index.js';
import { internalContextKey, type CollectedMessage } from '../contracts/index.js';
import { IdentityResolver, resolveIdentityRules } from '../identity/index.js';
import { ManualClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { Mutex } from '../lib/mutex.js';
import type { OperationalStore } from '../store/index.js';
import { emptyRegistry, type AggregateRegistry } from './aggregates.js';
import { resolveProfileRules } from './state.js';
import { UnifyProjection } from './unify-projection.js';

const at = (second: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

const message = (second: number, fields: Partial<CollectedMessage>): CollectedMessage => ({
  v: 1,
  messageId: `m${second}`,
  type: 'track',
  sourceId: 'web',
  channel: 'web',
  context: {},
  timestamp: at(second),
  receivedAt: at(second),
  ...fields,
});

/** What Tessera writes when someone enters a segment: about the profile, not from them. */
const segmentEntered = (second: number): CollectedMessage =>
  message(second, {
    sourceId: 'tessera',
    event: 'Segment Entered',
    properties: { segment: 'VIP' },
    context: { [internalContextKey]: { identifiers: ['user_id:jane'] } },
  });

/** One aggregate counting Segment Entered, as a live segment on "performed Segment Entered" would register. */
const countingSegmentEntered: AggregateRegistry = {
  definitions: () => [countEntered],
  get: (id) => (id === countEntered.id ? countEntered : undefined),
};
const countEntered = {
  id: 'agg_entered',
  eventName: 'Segment Entered',
  keep: { kind: 'entries', horizonMs: null },
  observe: (m: CollectedMessage) => (m.event === 'Segment Entered' ? { value: undefined } : undefined),
} as const;

describe('the unify stage and what Tessera says about people', () => {
  const opened: OperationalStore[] = [];
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  function setUp(aggregates: AggregateRegistry) {
    const store = openSqliteOperationalStore(':memory:');
    opened.push(store);
    const identityRules = resolveIdentityRules(undefined);
    const clock = new ManualClock(Date.parse(at(0)));
    const unify = new UnifyProjection({
      store: store.identity,
      resolver: IdentityResolver.forRules(identityRules, clock, silentLogger),
      identityRules,
      profileRules: resolveProfileRules(undefined, aggregates),
      lock: new Mutex(),
      clock,
    });
    let offset = 0;
    const apply = (...messages: CollectedMessage[]) => unify.apply(0, messages.map((m) => ({ partition: 0, offset: ++offset, message: m })));
    const profile = async () => {
      const id = (await store.identity.identifiers(['user_id:jane'])).get('user_id:jane')!.profileId;
      return (await store.identity.profiles([id])).get(id)!;
    };
    return { store, apply, profile };
  }

  it('writes no golden record for a Segment Entered that no trait or aggregate takes up', async () => {
    const { store, apply, profile } = setUp(emptyRegistry);
    await apply(message(1, { userId: 'jane', type: 'identify', traits: { plan: 'pro' } }));
    const before = await profile();

    const commit = vi.spyOn(store.identity, 'commit');
    await apply(segmentEntered(2));
    expect(commit).toHaveBeenCalledTimes(1);
    expect(commit.mock.calls[0]![0]).toMatchObject({ profiles: [], fragments: [] });
    // The checkpoint still moves: the message was applied, and a replay skips it.
    expect(await store.identity.checkpoint('unify', 0)).toBe(2);
    expect(await profile()).toEqual(before);
  });

  it('folds one in when an aggregate counts it, and still adds no time seen or message count', async () => {
    const { apply, profile } = setUp(countingSegmentEntered);
    await apply(message(1, { userId: 'jane', type: 'identify', traits: { plan: 'pro' } }));
    await apply(segmentEntered(2), segmentEntered(3));
    const state = (await profile()).state as { messages: number; lastSeen: string; aggregates: Record<string, { entries: unknown[] }> };
    expect(state.aggregates.agg_entered?.entries).toHaveLength(2);
    expect(state).toMatchObject({ messages: 1, lastSeen: at(1) });
  });
});
