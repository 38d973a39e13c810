/**
 * The channels' ports on every operational store adapter: the delivery
 * outbox (fed by journey sends, claimed once, durable across a reopen),
 * templates and channel configurations.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/clock.js';
import type { OperationalStore, SendRecord, TemplateRecord } from '../../src/store/index.js';
import { operationalStoreAdapters } from './adapters.js';
import { useTempDirs } from './temp-dir.js';

const send = (key: string, profileId: string, at: number): SendRecord => ({
  idempotencyKey: key,
  instanceId: `ins_${key}`,
  journeyId: 'jny_1',
  profileId,
  step: 'mail',
  channel: 'email',
  category: 'marketing',
  template: 'welcome',
  variant: null,
  at,
});

const commitSends = (store: OperationalStore, sends: SendRecord[]) => store.journeys.commit({ instances: [], history: [], sends, effects: [] });

const template = (id: string, name: string): TemplateRecord => ({
  id,
  name,
  description: null,
  content: { sms: { text: 'Hi {{ traits.first_name | default: "there" }}' } },
  locales: {},
  version: 1,
  createdAt: 1,
  updatedAt: 1,
});

describe.each(operationalStoreAdapters)('DeliveryStore contract: $name', (adapter) => {
  const tempDir = useTempDirs();

  it('queues one entry per journey send, in the send\'s own commit, due from the send\'s time', async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    await commitSends(store, [send('a', 'p1', 1_000), send('b', 'p2', 2_000)]);
    await commitSends(store, [send('a', 'p1', 5_000)]);
    expect(await store.deliveries.due(999, 10)).toEqual([]);
    const due = await store.deliveries.due(2_000, 10);
    expect(due.map((d) => [d.id, d.status, d.attempts, d.nextAttemptAt])).toEqual([
      ['a', 'queued', 0, 1_000],
      ['b', 'queued', 0, 2_000],
    ]);
    expect(due[0]).toMatchObject({ profileId: 'p1', journeyId: 'jny_1', step: 'mail', channel: 'email', category: 'marketing', template: 'welcome', recipient: null });
    await store.close();
  });

  it('lets an entry be claimed once, and remembers it was in flight across a reopen', async () => {
    const dir = await tempDir();
    const store = await adapter.open(dir, new ManualClock());
    await commitSends(store, [send('a', 'p1', 1_000)]);
    expect(await store.deliveries.claim('a', { recipient: 'ada@example.com', provider: 'smtp', now: 1_500 })).toBe(true);
    expect(await store.deliveries.claim('a', { recipient: 'ada@example.com', provider: 'smtp', now: 1_600 })).toBe(false);
    expect(await store.deliveries.due(10_000, 10)).toEqual([]);
    await store.close();

    const reopened = await adapter.open(dir, new ManualClock());
    const [interrupted] = await reopened.deliveries.interrupted();
    expect(interrupted).toMatchObject({ id: 'a', status: 'sending', attempts: 1, recipient: 'ada@example.com', provider: 'smtp', updatedAt: 1_500 });
    await reopened.close();
  });

  it('queues a retry for later, then records the final outcome', async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    await commitSends(store, [send('a', 'p1', 1_000), send('b', 'p1', 1_000), send('c', 'p2', 1_000)]);
    await store.deliveries.claim('a', { recipient: 'x@y.z', provider: 'smtp', now: 1_000 });
    await store.deliveries.retryAt('a', 60_000, '451 later', 1_100);
    expect((await store.deliveries.due(59_999, 10)).map((d) => d.id)).toEqual(['b', 'c']);
    expect(await store.deliveries.get('a')).toMatchObject({ status: 'queued', attempts: 1, nextAttemptAt: 60_000, lastError: '451 later' });
    await store.deliveries.claim('a', { recipient: 'x@y.z', provider: 'smtp', now: 60_000 });
    await store.deliveries.markSent('a', '<m1@y.z>', 60_100);
    await store.deliveries.finish('b', 'failed', '550 no such user', 60_200);
    await store.deliveries.finish('c', 'suppressed', 'email:x@y.z is on the suppression list', 60_300);
    expect(await store.deliveries.get('a')).toMatchObject({ status: 'sent', attempts: 2, providerMessageId: '<m1@y.z>', lastError: null, nextAttemptAt: null });
    expect(await store.deliveries.get('b')).toMatchObject({ status: 'failed', lastError: '550 no such user', nextAttemptAt: null });
    expect(await store.deliveries.due(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
    expect((await store.deliveries.list({ profileId: 'p1', limit: 10 })).map((d) => d.id).sort()).toEqual(['a', 'b']);
    expect((await store.deliveries.list({ status: 'suppressed', limit: 10 })).map((d) => d.id)).toEqual(['c']);
    expect(await store.deliveries.get('nope')).toBeUndefined();
    await store.close();
  });

  it('forgets the entries of erased profiles, and only theirs', async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    await commitSends(store, [send('a', 'p1', 1_000), send('b', 'p2', 1_000), send('c', 'p3', 1_000)]);
    await store.deliveries.claim('a', { recipient: 'ada@example.com', provider: 'smtp', now: 1_000 });
    await store.deliveries.removeOf(['p1', 'p2']);
    expect((await store.deliveries.list({ limit: 10 })).map((d) => d.id)).toEqual(['c']);
    await store.close();
  });

  it('keeps templates by id and unique name', async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    expect(await store.templates.create(template('tpl_1', 'welcome'))).toBe(true);
    expect(await store.templates.create(template('tpl_2', 'welcome'))).toBe(false);
    expect(await store.templates.create(template('tpl_2', 'receipt'))).toBe(true);
    expect(await store.templates.update({ ...template('tpl_2', 'welcome'), version: 2 })).toBe(false);
    expect(await store.templates.update({ ...template('tpl_2', 'receipt-v2'), version: 2 })).toBe(true);
    expect(await store.templates.byName('receipt-v2')).toMatchObject({ id: 'tpl_2', version: 2 });
    expect(await store.templates.byName('receipt')).toBeUndefined();
    expect((await store.templates.list()).map((t) => t.name)).toEqual(['receipt-v2', 'welcome']);
    expect(await store.templates.remove('tpl_1')).toBe(true);
    expect(await store.templates.remove('tpl_1')).toBe(false);
    expect(await store.templates.get('tpl_1')).toBeUndefined();
    await store.close();
  });

  it('keeps one configuration per channel', async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    await store.channelConfigs.put({ channel: 'email', settings: { smtpUrl: 'smtp://a' }, rateLimit: null, updatedAt: 1 });
    await store.channelConfigs.put({ channel: 'email', settings: { smtpUrl: 'smtp://b' }, rateLimit: { perSecond: 5 }, updatedAt: 2 });
    expect(await store.channelConfigs.all()).toEqual([{ channel: 'email', settings: { smtpUrl: 'smtp://b' }, rateLimit: { perSecond: 5 }, updatedAt: 2 }]);
    expect(await store.channelConfigs.remove('email')).toBe(true);
    expect(await store.channelConfigs.remove('email')).toBe(false);
    expect(await store.channelConfigs.all()).toEqual([]);
    await store.close();
  });
});
