import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/lib/clock.js';
import type { SourceRecord } from '../../src/store/index.js';
import { operationalStoreAdapters } from './adapters.js';
import { useTempDirs } from './temp-dir.js';

const source = (id: string, overrides: Partial<SourceRecord> = {}): SourceRecord => ({
  id,
  name: `Source ${id}`,
  channel: 'web',
  writeKey: `key-${id}`,
  previousWriteKey: null,
  previousWriteKeyExpiresAt: null,
  enabled: true,
  allowedOrigins: ['*'],
  createdAt: 1000,
  updatedAt: 1000,
  ...overrides,
});

describe.each(operationalStoreAdapters)('OperationalStore contract: $name', (adapter) => {
  const tempDir = useTempDirs();

  describe('sources', () => {
    it('creates, reads, lists and finds by current or previous write key', async () => {
      const store = await adapter.open(await tempDir(), new ManualClock());
      const a = source('a', { allowedOrigins: ['https://a.example.com'] });
      await store.sources.create(a);
      await store.sources.create(source('b', { createdAt: 2000, channel: 'pos' }));
      expect(await store.sources.get('a')).toEqual(a);
      expect(await store.sources.get('missing')).toBeUndefined();
      expect((await store.sources.list()).map((s) => s.id)).toEqual(['a', 'b']);
      expect((await store.sources.findByWriteKey('key-b'))?.channel).toBe('pos');
      expect(await store.sources.findByWriteKey('nope')).toBeUndefined();

      const rotated = await store.sources.update('a', {
        writeKey: 'key-a2',
        previousWriteKey: 'key-a',
        previousWriteKeyExpiresAt: 5000,
        updatedAt: 3000,
      });
      expect(rotated).toMatchObject({ writeKey: 'key-a2', previousWriteKey: 'key-a', previousWriteKeyExpiresAt: 5000, updatedAt: 3000 });
      expect((await store.sources.findByWriteKey('key-a'))?.id).toBe('a');
      expect((await store.sources.findByWriteKey('key-a2'))?.id).toBe('a');
      await store.close();
    });

    it('updates only the given fields and reports a missing source', async () => {
      const store = await adapter.open(await tempDir(), new ManualClock());
      await store.sources.create(source('a'));
      const updated = await store.sources.update('a', { enabled: false, name: 'Renamed', updatedAt: 2000 });
      expect(updated).toEqual({ ...source('a'), enabled: false, name: 'Renamed', updatedAt: 2000 });
      expect(await store.sources.update('missing', { enabled: false, updatedAt: 1 })).toBeUndefined();
      await store.close();
    });

    it('refuses a duplicate id or write key', async () => {
      const store = await adapter.open(await tempDir(), new ManualClock());
      await store.sources.create(source('a'));
      await expect(store.sources.create(source('a', { writeKey: 'other' }))).rejects.toThrow();
      await expect(store.sources.create(source('c', { writeKey: 'key-a' }))).rejects.toThrow();
      await store.close();
    });
  });

  describe('rejections', () => {
    it('keeps rejections per source, newest first, in pages, and prunes old ones', async () => {
      const store = await adapter.open(await tempDir(), new ManualClock());
      const problems = [{ field: 'userId', rule: 'required', message: 'is required' }];
      await store.rejections.add(
        Array.from({ length: 5 }, (_, i) => ({
          sourceId: i === 4 ? 'other' : 'a',
          receivedAt: 1000 + i,
          messageId: i === 0 ? null : `m${i}`,
          problems,
          message: { n: i, nested: { ok: true } },
        })),
      );
      const first = await store.rejections.list('a', { limit: 3 });
      expect(first.rejections.map((r) => r.messageId)).toEqual(['m3', 'm2', 'm1']);
      expect(first.rejections[0]).toMatchObject({ sourceId: 'a', problems, message: { n: 3, nested: { ok: true } } });
      expect(first.rejections[0]?.receivedAt).toBe(new Date(1003).toISOString());
      const second = await store.rejections.list('a', { limit: 3, cursor: first.nextCursor! });
      expect(second.rejections.map((r) => r.messageId)).toEqual([null]);
      expect(second.nextCursor).toBeNull();

      expect(await store.rejections.prune(1002)).toBe(2);
      expect((await store.rejections.list('a', { limit: 10 })).rejections).toHaveLength(2);
      await store.close();
    });
  });

  describe('tracking plans', () => {
    const plan = { mode: 'flag' as const, events: { 'Order Completed': {} } };

    it('versions plans on every change and deletes them', async () => {
      const store = await adapter.open(await tempDir(), new ManualClock());
      expect(await store.trackingPlans.get('a')).toBeUndefined();
      expect(await store.trackingPlans.put('a', plan, 100)).toEqual({ sourceId: 'a', plan, version: 1, updatedAt: 100 });
      const changed = { ...plan, mode: 'block' as const };
      expect(await store.trackingPlans.put('a', changed, 200)).toMatchObject({ version: 2, plan: changed });
      expect(await store.trackingPlans.get('a')).toMatchObject({ version: 2, updatedAt: 200 });
      expect(await store.trackingPlans.delete('a')).toBe(true);
      expect(await store.trackingPlans.delete('a')).toBe(false);
      await store.close();
    });

    it('adds up violation tallies per source, type and event', async () => {
      const store = await adapter.open(await tempDir(), new ManualClock());
      const problem = (message: string) => ({ field: 'event', rule: 'unplannedEvent', message });
      await store.trackingPlans.countViolations([
        { sourceId: 'a', type: 'track', event: 'X', count: 2, at: 10, problem: problem('first') },
        { sourceId: 'a', type: 'identify', event: null, count: 1, at: 10, problem: problem('traits') },
        { sourceId: 'b', type: 'track', event: 'X', count: 9, at: 10, problem: problem('other source') },
      ]);
      await store.trackingPlans.countViolations([{ sourceId: 'a', type: 'track', event: 'X', count: 3, at: 20, problem: problem('latest') }]);
      expect(await store.trackingPlans.violations('a')).toEqual([
        { type: 'track', event: 'X', count: 5, lastSeenAt: new Date(20).toISOString(), lastProblem: problem('latest') },
        { type: 'identify', event: null, count: 1, lastSeenAt: new Date(10).toISOString(), lastProblem: problem('traits') },
      ]);
      await store.close();
    });
  });

  describe('segment memberships', () => {
    it("gives every asked profile its memberships, an empty list for none, across more profiles than one statement's chunk", async () => {
      const store = await adapter.open(await tempDir(), new ManualClock());
      const ids = Array.from({ length: 1_201 }, (_, i) => `p${String(i).padStart(4, '0')}`);
      const entered = ids.flatMap((profileId, i) => (i % 3 === 0 ? [] : [{ segmentId: 'a', profileId, since: i }, ...(i % 2 === 0 ? [{ segmentId: 'b', profileId, since: i }] : [])]));
      await store.segments.commit({ entered, exited: [{ segmentId: 'b', profileId: 'p0002' }], timers: [], outbox: [] }, undefined);
      const found = await store.segments.membershipsOf([...ids, 'p0001', 'unknown']);
      expect(found.size).toBe(ids.length + 1);
      expect(found.get('unknown')).toEqual([]);
      expect(found.get('p0000')).toEqual([]);
      expect(found.get('p0001')).toEqual([{ segmentId: 'a', profileId: 'p0001', since: 1 }]);
      expect(found.get('p0002')).toEqual([{ segmentId: 'a', profileId: 'p0002', since: 2 }]);
      expect(found.get('p1198')?.sort((x, y) => x.segmentId.localeCompare(y.segmentId))).toEqual([
        { segmentId: 'a', profileId: 'p1198', since: 1198 },
        { segmentId: 'b', profileId: 'p1198', since: 1198 },
      ]);
      expect([...found.values()].reduce((n, list) => n + list.length, 0)).toBe(entered.length - 1);
      // The segment ids alone: the same memberships, by the same profiles.
      const segmentIds = await store.segments.segmentIdsOf([...found.keys()]);
      expect([...segmentIds.keys()]).toEqual([...found.keys()]);
      for (const [profileId, list] of found) expect(segmentIds.get(profileId)?.sort()).toEqual(list.map((m) => m.segmentId).sort());
      await store.close();
    });
  });
});
