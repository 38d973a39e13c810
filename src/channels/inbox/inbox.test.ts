import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../adapters/sqlite/database.js';
import { SqliteInboxStore } from '../../adapters/sqlite/inbox-store.js';
import { operationalMigrations } from '../../adapters/sqlite/operational-migrations.js';
import { ManualClock } from '../../lib/clock.js';
import type { OutgoingMessage } from '../adapter.js';
import { InAppAdapter } from './in-app-adapter.js';

const message = (deliveryId: string, profileId: string): OutgoingMessage => ({
  deliveryId,
  profileId,
  recipient: { channel: 'in_app', profileId },
  content: { title: 'Points', text: 'You have 120 points', url: 'app://points' },
  origin: { journeyId: 'jny_1', step: 'tell', template: 'points', variant: null, category: 'transactional' },
});

describe('in-app inbox', () => {
  it('stores a delivery once however often it is sent, counts unread, and erases a person\'s messages', async () => {
    const store = new SqliteInboxStore(openSqlite(':memory:', operationalMigrations.filter((m) => m.version <= 10)));
    const clock = new ManualClock();
    const adapter = new InAppAdapter(store, clock);
    const first = await adapter.send(message('dlv_1', 'prf_a'));
    expect(await adapter.send(message('dlv_1', 'prf_a'))).toEqual(first);
    // Later, so that newest first has one answer (ids are random).
    clock.advance(1000);
    await adapter.send(message('dlv_2', 'prf_a'));
    await adapter.send(message('dlv_3', 'prf_b'));
    expect((await store.ofProfiles(['prf_a'], 10)).map((m) => [m.deliveryId, m.title, m.body, m.url])).toEqual([
      ['dlv_2', 'Points', 'You have 120 points', 'app://points'],
      ['dlv_1', 'Points', 'You have 120 points', 'app://points'],
    ]);
    expect(first.kind === 'sent' && (await store.markRead(first.providerMessageId ?? '', 5))).toBe(true);
    expect(await store.unread(['prf_a', 'prf_b'])).toBe(2);
    await store.removeOf(['prf_a']);
    expect(await store.ofProfiles(['prf_a', 'prf_b'], 10)).toHaveLength(1);
    expect(await store.unread(['prf_a'])).toBe(0);
  });
});
