import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectedMessage } from '../../contracts/index.js';
import { ManualClock } from '../../lib/clock.js';
import type { LogEntry } from '../../store/index.js';
import { SqliteEventLog } from './event-log.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const entry = (messageId: string): LogEntry => {
  const message: CollectedMessage = {
    v: 1,
    messageId,
    type: 'track',
    sourceId: 'src_1',
    channel: 'web',
    userId: `user-${messageId}`,
    event: 'Viewed',
    properties: { nested: { list: [1, 'two'] } },
    context: {},
    timestamp: '2026-01-01T00:00:00.000Z',
    receivedAt: '2026-01-01T00:00:00.000Z',
  };
  return { partitionKey: message.userId!, dedupeKey: `src_1:${messageId}`, message };
};

async function openLog(recentRecords?: number, path?: string): Promise<SqliteEventLog> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-log-read-'));
  dirs.push(dir);
  return new SqliteEventLog({ path: path ?? join(dir, 'log.db'), clock: new ManualClock(), dedupeWindowMs: 60_000, ...(recentRecords !== undefined && { recentRecords }) });
}

describe('reading the embedded log', () => {
  it('parses each record once for all readers: a second read of the same offsets returns the same objects', async () => {
    const log = await openLog();
    await log.append(['a', 'b', 'c', 'd'].map(entry));
    const first = await log.read(0, 0, 3);
    // Another follower, a little behind or ahead, shares what overlaps and parses only the rest.
    const second = await log.read(0, first[0]!.offset, 10);
    expect(second.map((r) => r.message.messageId)).toEqual(['b', 'c', 'd']);
    expect(second[0]).toBe(first[1]);
    expect(second[1]).toBe(first[2]);
    expect(second[2]?.message).toEqual(entry('d').message);
    // Shared records cannot be changed by one reader behind the others' backs.
    expect(Object.isFrozen(second[0]) && Object.isFrozen(second[0]!.message)).toBe(true);
    await log.close();
  });

  it('keeps a bounded number of records, and reads the forgotten ones again from disk', async () => {
    const log = await openLog(2);
    await log.append(['a', 'b', 'c', 'd'].map(entry));
    const all = await log.read(0, 0, 10);
    const again = await log.read(0, 0, 10);
    // Only the last two read are still kept.
    expect(again[0]).not.toBe(all[0]);
    expect(again[3]).toBe(all[3]);
    expect(again.map((r) => r.message)).toEqual(all.map((r) => r.message));
    await log.close();
  });

  it('never serves an erased record from memory', async () => {
    const log = await openLog();
    await log.append(['a', 'b', 'c'].map(entry));
    const before = await log.read(0, 0, 10);
    await log.erase(0, [before[1]!.offset]);
    const after = await log.read(0, 0, 10);
    expect(after.map((r) => r.message.messageId)).toEqual(['a', 'c']);
    expect(after[1]).toBe(before[2]);
    await log.close();
  });
});

describe('group commit', () => {
  it('holds the next commit for callers just acknowledged, so they do not take turns with the others', async () => {
    const log = await openLog();
    // Two callers committed together...
    await Promise.all([log.append([entry('a1')]), log.append([entry('b1')])]);
    // ...come back one after the other: the first would otherwise be committed alone before the second arrives.
    const first = log.append([entry('a2')]);
    const second = new Promise<unknown>((resolve) => setImmediate(() => resolve(log.append([entry('b2')]))));
    let secondDone = false;
    void second.then(() => (secondDone = true));
    await first;
    // Resolved by the same commit reply: before any other reply from the writer could arrive.
    await new Promise((resolve) => setImmediate(resolve));
    expect(secondDone).toBe(true);
    await log.close();
  });
});

describe('checkpoints', () => {
  it('copies committed records into the database file beside the writer, not only when the WAL is large', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-log-checkpoint-'));
    dirs.push(dir);
    const path = join(dir, 'log.db');
    const log = await openLog(undefined, path);
    const before = (await stat(path)).size;
    await log.append(Array.from({ length: 500 }, (_, i) => entry(`m${i}`)));
    // A few hundred KB of WAL: far below the writer's own checkpoint threshold.
    const deadline = performance.now() + 5_000;
    while ((await stat(path)).size <= before + 100_000 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await stat(path)).size).toBeGreaterThan(before + 100_000);
    await log.close();
  });
});
