import { describe, expect, it } from 'vitest';
import type { CollectedMessage } from '../../src/contracts/index.js';
import { ManualClock } from '../../src/lib/clock.js';
import type { LogEntry } from '../../src/store/index.js';
import { eventLogAdapters } from './adapters.js';
import { useTempDirs } from './temp-dir.js';

const message = (messageId: string, userId = 'u1'): CollectedMessage => ({
  v: 1,
  messageId,
  type: 'track',
  sourceId: 'src_1',
  channel: 'web',
  userId,
  event: 'Viewed',
  properties: { n: messageId },
  context: {},
  timestamp: '2026-01-01T00:00:00.000Z',
  receivedAt: '2026-01-01T00:00:00.000Z',
});
const entry = (messageId: string, userId = 'u1'): LogEntry => ({
  partitionKey: userId,
  dedupeKey: `src_1:${messageId}`,
  message: message(messageId, userId),
});

describe.each(eventLogAdapters)('EventLog contract: $name', (adapter) => {
  const tempDir = useTempDirs();

  it('appends in order and reads back after an offset, up to a limit', async () => {
    const log = await adapter.open(await tempDir(), new ManualClock());
    const outcomes = await log.append(['a', 'b', 'c'].map((id) => entry(id)));
    expect(outcomes.every((o) => o.kind === 'appended')).toBe(true);
    const offsets = outcomes.map((o) => (o.kind === 'appended' ? o.offset : -1));
    expect([...offsets].sort((x, y) => x - y)).toEqual(offsets);
    expect(new Set(offsets).size).toBe(3);

    const all = await log.read(0, 0, 10);
    expect(all.map((r) => r.message.messageId)).toEqual(['a', 'b', 'c']);
    expect(all[0]?.message).toEqual(message('a'));
    const afterFirst = await log.read(0, all[0]!.offset, 1);
    expect(afterFirst.map((r) => r.message.messageId)).toEqual(['b']);
    expect(await log.headOffset(0)).toBe(all[2]!.offset);
    await log.close();
  });

  it('reports an empty log with head 0', async () => {
    const log = await adapter.open(await tempDir(), new ManualClock());
    expect(await log.headOffset(0)).toBe(0);
    expect(await log.read(0, 0, 10)).toEqual([]);
    expect(await log.append([])).toEqual([]);
    await log.close();
  });

  it('stores a dedupe key once, also within one append and across concurrent appends', async () => {
    const log = await adapter.open(await tempDir(), new ManualClock());
    const [first, second] = await log.append([entry('same'), entry('same')]);
    expect(first?.kind).toBe('appended');
    expect(second?.kind).toBe('duplicate');
    const racing = await Promise.all([log.append([entry('race')]), log.append([entry('race')])]);
    expect(racing.flat().map((o) => o.kind).sort()).toEqual(['appended', 'duplicate']);
    expect((await log.read(0, 0, 10)).map((r) => r.message.messageId)).toEqual(['same', 'race']);
    await log.close();
  });

  it('forgets a dedupe key once the window has passed', async () => {
    const clock = new ManualClock();
    const log = await adapter.open(await tempDir(), clock);
    await log.append([entry('late-retry')]);
    clock.advance(log.dedupeWindowMs / 2);
    expect((await log.append([entry('late-retry')]))[0]?.kind).toBe('duplicate');
    clock.advance(log.dedupeWindowMs * 2);
    await log.append([entry('other')]);
    expect((await log.append([entry('late-retry')]))[0]?.kind).toBe('appended');
    await log.close();
  });

  it('commits many concurrent appends, each durable when it resolves', async () => {
    const dir = await tempDir();
    const log = await adapter.open(dir, new ManualClock());
    const ids = Array.from({ length: 500 }, (_, i) => `m${i}`);
    await Promise.all(ids.map((id) => log.append([entry(id, `user-${Number(id.slice(1)) % 7}`)])));
    await log.close();
    const reopened = await adapter.open(dir, new ManualClock());
    const records = await reopened.read(0, 0, 1000);
    expect(records.map((r) => r.message.messageId).sort()).toEqual([...ids].sort());
    expect(await reopened.headOffset(0)).toBe(records.at(-1)?.offset);
    // Offsets continue after a reopen instead of being reused.
    const [next] = await reopened.append([entry('after-reopen')]);
    expect(next?.kind === 'appended' && next.offset).toBeGreaterThan(records.at(-1)!.offset);
    await reopened.close();
  });

  it('keeps messages from the same partition key in append order', async () => {
    const log = await adapter.open(await tempDir(), new ManualClock());
    for (let i = 0; i < 20; i++) await log.append([entry(`seq-${i}`, 'ordered-user')]);
    const records = (await log.read(0, 0, 100)).filter((r) => r.message.userId === 'ordered-user');
    expect(records.map((r) => r.message.messageId)).toEqual(Array.from({ length: 20 }, (_, i) => `seq-${i}`));
    await log.close();
  });

  it('wakes a waiter on append, and lets one time out when nothing comes', async () => {
    const log = await adapter.open(await tempDir(), new ManualClock());
    const started = Date.now();
    await log.waitForAppend(0, 0, 50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);

    const waiting = log.waitForAppend(0, 0, 10_000);
    setTimeout(() => void log.append([entry('wake')]), 20);
    const wokeAt = Date.now();
    await waiting;
    expect(Date.now() - wokeAt).toBeLessThan(5_000);
    // Already past the offset: resolves at once.
    await log.waitForAppend(0, 0, 10_000);
    await log.close();
  });

  it('erases records durably, leaving the others and never reusing their offsets', async () => {
    const dir = await tempDir();
    const log = await adapter.open(dir, new ManualClock());
    const offsets = (await log.append(['a', 'b', 'c', 'd'].map((id) => entry(id)))).map((o) => (o.kind === 'appended' ? o.offset : -1));
    await log.erase(0, [offsets[1]!, offsets[3]!]);
    await log.erase(0, []);
    expect((await log.read(0, 0, 10)).map((r) => r.message.messageId)).toEqual(['a', 'c']);
    expect((await log.read(0, offsets[0]!, 1)).map((r) => r.message.messageId)).toEqual(['c']);
    await log.close();
    const reopened = await adapter.open(dir, new ManualClock());
    expect((await reopened.read(0, 0, 10)).map((r) => r.message.messageId)).toEqual(['a', 'c']);
    const [next] = await reopened.append([entry('e')]);
    expect(next?.kind === 'appended' && next.offset).toBeGreaterThan(offsets[3]!);
    await reopened.close();
  });

  it('commits appends that were pending when it closes, then refuses new ones', async () => {
    const dir = await tempDir();
    const log = await adapter.open(dir, new ManualClock());
    const pending = log.append([entry('pending')]);
    await log.close();
    expect((await pending)[0]?.kind).toBe('appended');
    await expect(log.append([entry('too-late')])).rejects.toThrow(/closed/);
    const reopened = await adapter.open(dir, new ManualClock());
    expect((await reopened.read(0, 0, 10)).map((r) => r.message.messageId)).toEqual(['pending']);
    await reopened.close();
  });
});
