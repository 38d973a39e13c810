import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../adapters/sqlite/database.js';
import { operationalMigrations } from '../../adapters/sqlite/operational-migrations.js';
import { SqlitePushSubscriptionStore } from '../../adapters/sqlite/push-subscription-store.js';
import type { CollectedMessage } from '../../contracts/index.js';
import { ManualClock } from '../../lib/clock.js';
import { PushSubscriptions } from './push-subscriptions.js';

const keys = { p256dh: 'BPk'.padEnd(87, 'A'), auth: 'QUFBQUFBQUFBQUFBQUFBQQ' };
const endpoint = 'https://push.example/send/browser-1';

function setup() {
  const store = new SqlitePushSubscriptionStore(openSqlite(':memory:', operationalMigrations.filter((m) => m.version <= 10)));
  const announced: CollectedMessage[] = [];
  const push = new PushSubscriptions({ store, announce: async (messages) => void announced.push(...messages), clock: new ManualClock(Date.UTC(2026, 10, 24)) });
  return { store, push, announced };
}

describe('PushSubscriptions', () => {
  it("links the subscription to its subscriber through the log with a push_subscription identifier Tessera vouches for", async () => {
    const { push, announced } = setup();
    const { id } = await push.register('src_app', { userId: 'u-1', subscription: { endpoint, keys } });
    expect(announced).toEqual([
      {
        v: 1,
        messageId: `push-subscription:${id}`,
        type: 'identify',
        sourceId: 'src_app',
        channel: 'push',
        userId: 'u-1',
        traits: {},
        context: { tessera: { identifiers: [`push_subscription:${id}`] } },
        timestamp: '2026-11-24T00:00:00.000Z',
        receivedAt: '2026-11-24T00:00:00.000Z',
      },
    ]);
    expect(await push.ofIdentifiers(['user_id:u-1', `push_subscription:${id}`, 'push_subscription:unknown'])).toEqual([{ id, endpoint, keys }]);
  });

  it('keeps one id per subscriber and endpoint; a browser registered by someone else stops reaching the first', async () => {
    const { push } = setup();
    const first = await push.register('src_app', { userId: 'u-1', subscription: { endpoint, keys } });
    expect(await push.register('src_app', { userId: 'u-1', subscription: { endpoint, keys } })).toEqual(first);
    const other = await push.register('src_app', { anonymousId: 'anon-9', subscription: { endpoint, keys } });
    expect(other.id).not.toBe(first.id);
    expect(await push.ofIdentifiers([`push_subscription:${first.id}`])).toEqual([]);
    expect(await push.ofIdentifiers([`push_subscription:${other.id}`])).toHaveLength(1);
  });

  it("forgets an erased person's subscriptions, and only theirs", async () => {
    const { push } = setup();
    const erased = await push.register('src_app', { userId: 'u-1', subscription: { endpoint, keys } });
    const kept = await push.register('src_app', { userId: 'u-2', subscription: { endpoint: `${endpoint}-2`, keys } });
    await push.forget(['user_id:u-1', `push_subscription:${erased.id}`]);
    expect(await push.ofIdentifiers([`push_subscription:${erased.id}`, `push_subscription:${kept.id}`])).toEqual([{ id: kept.id, endpoint: `${endpoint}-2`, keys }]);
  });

  it('needs to know whose subscription it is', async () => {
    const { push, announced } = setup();
    await expect(push.register('src_app', { subscription: { endpoint, keys } })).rejects.toMatchObject({
      code: 'TESSERA_ERR_VALIDATION',
      details: [{ field: 'userId', rule: 'required' }],
    });
    expect(announced).toEqual([]);
  });
});
