import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectedMessage } from '../../contracts/index.js';
import { ManualClock } from '../../lib/clock.js';
import { SqliteEventLog } from './event-log.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const message = (messageId: string, secret: string): CollectedMessage => ({
  v: 1,
  messageId,
  type: 'identify',
  sourceId: 'src_1',
  channel: 'web',
  userId: `user-${messageId}`,
  traits: { email: secret },
  context: {},
  timestamp: '2026-01-01T00:00:00.000Z',
  receivedAt: '2026-01-01T00:00:00.000Z',
});

/** Every file of the log (the database, its WAL and shared memory), as text. */
async function bytesOnDisk(dir: string): Promise<string> {
  const files = await readdir(dir);
  return (await Promise.all(files.map((file) => readFile(join(dir, file), 'latin1')))).join('\n');
}

describe('erasing log records', () => {
  it('overwrites their bytes in the database file and its WAL, not only unlinks them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-log-erase-'));
    dirs.push(dir);
    const log = new SqliteEventLog({ path: join(dir, 'log.db'), clock: new ManualClock(), dedupeWindowMs: 60_000 });
    const erased = 'erase-me-4f1c9a@example.com';
    const kept = 'keep-me-8b2d7e@example.com';
    const outcomes = await log.append([
      { partitionKey: 'a', dedupeKey: 'src_1:a', message: message('a', erased) },
      { partitionKey: 'b', dedupeKey: 'src_1:b', message: message('b', kept) },
    ]);
    expect(await bytesOnDisk(dir)).toContain(erased);

    const [first] = outcomes;
    await log.erase(0, [first?.kind === 'appended' ? first.offset : -1]);
    const disk = await bytesOnDisk(dir);
    expect(disk).not.toContain(erased);
    expect(disk).toContain(kept);
    await log.close();
  });

  it('finishes under a steady stream of appends without holding up the event loop', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-log-erase-'));
    dirs.push(dir);
    const log = new SqliteEventLog({ path: join(dir, 'log.db'), clock: new ManualClock(), dedupeWindowMs: 60_000 });
    const erased = 'erase-me-busy-77c1@example.com';
    const [target] = await log.append([{ partitionKey: 'a', dedupeKey: 'src_1:target', message: message('target', erased) }]);

    let streaming = true;
    // Eight writers, as concurrent requests are: some commit is nearly always in flight.
    const stream = Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; streaming; i++) {
          await log.append(Array.from({ length: 20 }, (_, j) => ({ partitionKey: 'b', dedupeKey: `src_1:${w}-${i}-${j}`, message: message(`${w}-${i}-${j}`, 'someone@example.com') })));
        }
      }),
    );
    // The longest the event loop went without running a timer, while the erasure ran.
    let longestStallMs = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      longestStallMs = Math.max(longestStallMs, now - last);
      last = now;
    }, 5);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await log.erase(0, [target?.kind === 'appended' ? target.offset : -1]);
    clearInterval(ticker);
    streaming = false;
    await stream;
    await log.close();

    expect(longestStallMs).toBeLessThan(1000);
    expect(await bytesOnDisk(dir)).not.toContain(erased);
  });
});
