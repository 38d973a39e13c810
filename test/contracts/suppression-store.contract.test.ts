import { describe, expect, it } from 'vitest';
import type { SuppressionReason } from '../../src/contracts/index.js';
import { ManualClock } from '../../src/lib/clock.js';
import type { SuppressionRecord } from '../../src/store/index.js';
import { suppressionStoreAdapters } from './adapters.js';
import { useTempDirs } from './temp-dir.js';

const entry = (identifier: string, createdAt: number, reason: SuppressionReason = 'unsubscribed', note: string | null = null): SuppressionRecord => ({
  identifier,
  type: identifier.slice(0, identifier.indexOf(':')),
  reason,
  note,
  createdAt,
});

describe.each(suppressionStoreAdapters)('SuppressionStore contract: $name', (adapter) => {
  const tempDir = useTempDirs();

  it('stores entries, finds the listed ones among any identifiers, and keeps them across a reopen', async () => {
    const dir = await tempDir();
    const store = await adapter.open(dir, new ManualClock());
    const jane = entry('email:jane@example.com', 1000, 'bounced', 'hard bounce, "mailbox full"');
    await store.put([jane, entry('phone:+12015550123', 2000)]);
    expect(await store.find(['email:jane@example.com', 'email:other@example.com'])).toEqual([jane]);
    expect(await store.find([])).toEqual([]);
    await store.close();

    const reopened = await adapter.open(dir, new ManualClock());
    expect((await reopened.find(['phone:+12015550123', 'email:jane@example.com'])).map((r) => r.identifier)).toEqual([
      'email:jane@example.com',
      'phone:+12015550123',
    ]);
    await reopened.close();
  });

  it('replaces the entry of an identifier listed again', async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    await store.put([entry('email:a@x.com', 1000, 'bounced', 'first')]);
    const again = entry('email:a@x.com', 5000, 'complained', null);
    await store.put([again]);
    expect(await store.find(['email:a@x.com'])).toEqual([again]);
    expect((await store.list({}, { limit: 10 })).records).toEqual([again]);
    await store.close();
  });

  it('lists newest first, then by identifier, in pages, filtered by reason and type', async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    await store.put([
      entry('email:a@x.com', 1000, 'bounced'),
      entry('email:b@x.com', 3000, 'unsubscribed'),
      entry('phone:+12015550100', 3000, 'bounced'),
      entry('email:c@x.com', 2000, 'bounced'),
      entry('user_id:u1', 4000, 'legal'),
    ]);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({}, { limit: 2, cursor });
      expect(page.records.length).toBeLessThanOrEqual(2);
      seen.push(...page.records.map((r) => r.identifier));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual(['user_id:u1', 'phone:+12015550100', 'email:b@x.com', 'email:c@x.com', 'email:a@x.com']);

    const bounced = await store.list({ reason: 'bounced' }, { limit: 10 });
    expect(bounced.records.map((r) => r.identifier)).toEqual(['phone:+12015550100', 'email:c@x.com', 'email:a@x.com']);
    expect(bounced.nextCursor).toBeNull();
    const bouncedEmails = await store.list({ reason: 'bounced', type: 'email' }, { limit: 1 });
    expect(bouncedEmails.records.map((r) => r.identifier)).toEqual(['email:c@x.com']);
    const rest = await store.list({ reason: 'bounced', type: 'email' }, { limit: 1, cursor: bouncedEmails.nextCursor! });
    expect(rest.records.map((r) => r.identifier)).toEqual(['email:a@x.com']);
    expect(rest.nextCursor).toBeNull();
    await expect(store.list({}, { limit: 1, cursor: 'not-a-cursor' })).rejects.toThrow(/cursor/);
    await store.close();
  });

  it('removes entries and says how many there were', async () => {
    const store = await adapter.open(await tempDir(), new ManualClock());
    await store.put([entry('email:a@x.com', 1000), entry('email:b@x.com', 1000)]);
    expect(await store.remove(['email:a@x.com', 'email:missing@x.com'])).toBe(1);
    expect(await store.remove(['email:a@x.com'])).toBe(0);
    expect(await store.remove([])).toBe(0);
    expect((await store.find(['email:a@x.com', 'email:b@x.com'])).map((r) => r.identifier)).toEqual(['email:b@x.com']);
    await store.close();
  });
});
