import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteEventLog } from '../adapters/sqlite/index.js';
import type { CollectedMessage } from '../contracts/index.js';
import { ManualClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import type { LogRecord } from '../store/index.js';
import { LogFollower, type Projection } from './follower.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function logWith(count: number): Promise<SqliteEventLog> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-follower-'));
  dirs.push(dir);
  const log = new SqliteEventLog({ path: join(dir, 'log.db'), clock: new ManualClock(), dedupeWindowMs: 60_000 });
  const message = (i: number): CollectedMessage => ({
    v: 1,
    messageId: `m${i}`,
    type: 'track',
    sourceId: 'src_1',
    channel: 'web',
    userId: 'u1',
    event: 'Viewed',
    context: {},
    timestamp: '2026-01-01T00:00:00.000Z',
    receivedAt: '2026-01-01T00:00:00.000Z',
  });
  await log.append(Array.from({ length: count }, (_, i) => ({ partitionKey: 'u1', dedupeKey: `src_1:m${i}`, message: message(i) })));
  return log;
}

/** A projection that remembers the size and time of each batch. */
function recorder(): Projection & { batches: { size: number; at: number }[] } {
  let position = 0;
  const batches: { size: number; at: number }[] = [];
  return {
    name: 'recorder',
    batches,
    position: () => Promise.resolve(position),
    apply(_partition: number, records: readonly LogRecord[]) {
      batches.push({ size: records.length, at: performance.now() });
      position = records.at(-1)!.offset;
      return Promise.resolve();
    },
  };
}

/** The recorder, taking `msFor(records)` of the thread for each batch. */
function spending(projection: ReturnType<typeof recorder>, msFor: (records: number) => number): Projection {
  return {
    ...projection,
    name: 'spending',
    async apply(partition, records) {
      const until = performance.now() + msFor(records.length);
      while (performance.now() < until);
      await projection.apply(partition, records);
    },
  };
}

describe('LogFollower yielding to ingest', () => {
  it('rests between bigger batches while ingest is busy, never longer than maxRestMs', async () => {
    const log = await logWith(100);
    const projection = recorder();
    const follower = new LogFollower(log, projection, silentLogger, {
      batchSize: 10,
      busyBatchSize: 30,
      maxRestMs: 150,
      idleWaitMs: 50,
      ingest: { busy: () => true },
    });
    const started = follower.start();
    await new Promise((resolve) => setTimeout(resolve, 400));
    // Busy: batches of 30, one per 150 ms at most; it does not stall either.
    const whileBusy = [...projection.batches];
    expect(whileBusy.length).toBeGreaterThanOrEqual(2);
    expect(whileBusy.length).toBeLessThanOrEqual(4);
    expect(whileBusy.every((b) => b.size === 30)).toBe(true);
    for (let i = 1; i < whileBusy.length; i++) expect(whileBusy[i]!.at - whileBusy[i - 1]!.at).toBeGreaterThanOrEqual(140);
    await started;
    await follower.stop();
    await log.close();
  });

  it('stretches the rest after a long batch so the stage keeps to its share while ingest is busy', async () => {
    const log = await logWith(100);
    const projection = recorder();
    // Applying takes 60 ms of the thread.
    const slow = spending(projection, () => 60);
    const follower = new LogFollower(log, slow, silentLogger, {
      batchSize: 10,
      busyBatchSize: 10,
      maxRestMs: 50,
      busyShare: 0.2,
      idleWaitMs: 50,
      ingest: { busy: () => true },
    });
    void follower.start();
    await new Promise((resolve) => setTimeout(resolve, 900));
    const starts = projection.batches.map((b) => b.at);
    await follower.stop();
    // 60 ms at a fifth of the time: a batch every 300 ms, not every 110 ms.
    expect(starts.length).toBeGreaterThanOrEqual(2);
    expect(starts.length).toBeLessThanOrEqual(4);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(280);
    await log.close();
  });

  it('catches up without pausing once ingest quietens', async () => {
    const log = await logWith(100);
    const projection = recorder();
    let busy = true;
    const follower = new LogFollower(log, projection, silentLogger, {
      batchSize: 10,
      busyBatchSize: 30,
      maxRestMs: 60_000,
      idleWaitMs: 50,
      ingest: { busy: () => busy },
    });
    const started = follower.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(projection.batches.map((b) => b.size)).toEqual([30]);
    const quietAt = performance.now();
    busy = false;
    await started;
    // The rest in progress ended (well before its minute), and normal batches followed one another.
    expect(performance.now() - quietAt).toBeLessThan(5_000);
    expect(projection.batches.map((b) => b.size)).toEqual([30, 10, 10, 10, 10, 10, 10, 10]);
    await follower.stop();
    await log.close();
  });

  it('lets pending I/O run between batches, even when applying never really awaits', async () => {
    const log = await logWith(50);
    const projection = recorder();
    const follower = new LogFollower(log, projection, silentLogger, { batchSize: 10, idleWaitMs: 50 });
    let ioRanAfterBatch: number | undefined;
    const started = follower.start();
    setImmediate(() => (ioRanAfterBatch = projection.batches.length));
    await started;
    // Without yielding, all five batches would run in microtasks before the immediate.
    expect(ioRanAfterBatch).toBeLessThan(5);
    await follower.stop();
    await log.close();
  });

  it('keeps batches short while tracking calls come in, from what its records have cost, and full once they stop', async () => {
    const log = await logWith(400);
    const projection = recorder();
    // Each record takes 1 ms of the thread.
    const costly = spending(projection, (records) => records);
    let active = true;
    const follower = new LogFollower(log, costly, silentLogger, { batchSize: 100, activeBatchMs: 25, idleWaitMs: 50, ingest: { busy: () => false, active: () => active } });
    void follower.start();
    while (projection.batches.length < 4) await new Promise((resolve) => setTimeout(resolve, 10));
    active = false;
    await follower.waitBeyond(0, 399, 5_000);
    const sizes = projection.batches.map((b) => b.size);
    await follower.stop();
    // The first batch knows no cost yet; then 25 ms of 1 ms records (give or take the measure); after, full ones.
    expect(sizes[0]).toBe(100);
    for (const size of sizes.slice(1, 4)) {
      expect(size).toBeGreaterThanOrEqual(20);
      expect(size).toBeLessThanOrEqual(30);
    }
    expect(sizes.slice(4).some((size) => size === 100)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(400);
    await log.close();
  });

  it('keeps batches short while ingest is busy too', async () => {
    const log = await logWith(200);
    const projection = recorder();
    // Each record takes 1 ms of the thread.
    const costly = spending(projection, (records) => records);
    const follower = new LogFollower(log, costly, silentLogger, { batchSize: 100, busyBatchSize: 100, activeBatchMs: 25, maxRestMs: 10, busyShare: 0.9, idleWaitMs: 50, ingest: { busy: () => true, active: () => true } });
    await follower.start();
    const sizes = projection.batches.map((b) => b.size);
    await follower.stop();
    // The first knows no cost yet; the last takes what is left.
    expect(sizes[0]).toBe(100);
    expect(sizes.slice(1, -1).every((size) => size >= 20 && size <= 30)).toBe(true);
    expect(sizes.length).toBeGreaterThanOrEqual(4);
    await log.close();
  });

  it('without an ingest signal, reads batch after batch', async () => {
    const log = await logWith(50);
    const projection = recorder();
    const follower = new LogFollower(log, projection, silentLogger, { batchSize: 10, idleWaitMs: 50 });
    await follower.start();
    expect(projection.batches.map((b) => b.size)).toEqual([10, 10, 10, 10, 10]);
    await follower.stop();
    await log.close();
  });

  it('tells the ingest signal what each batch cost, so ingest knows what keeping up takes', async () => {
    const log = await logWith(25);
    const noted: { stage: string; records: number; ms: number }[] = [];
    const ingest = { busy: () => false, batchApplied: (stage: string, records: number, ms: number) => noted.push({ stage, records, ms }) };
    const follower = new LogFollower(log, recorder(), silentLogger, { batchSize: 10, idleWaitMs: 50, ingest });
    await follower.start();
    expect(noted.map((n) => [n.stage, n.records])).toEqual([
      ['recorder', 10],
      ['recorder', 10],
      ['recorder', 5],
    ]);
    expect(noted.every((n) => n.ms >= 0)).toBe(true);
    await follower.stop();
    await log.close();
  });
});
