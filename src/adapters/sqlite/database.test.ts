import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commitReplayable, openSqlite, truncateWal } from './database.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('commitReplayable', () => {
  it('commits without waiting for the disk, then puts the connection back to full sync, also when the commit fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-sqlite-'));
    dirs.push(dir);
    const db = openSqlite(join(dir, 'state.db'), [{ version: 1, sql: 'CREATE TABLE t (x INTEGER)' }]);
    const synchronous = (): number => Number(db.pragma('synchronous', { simple: true }));
    const full = 2;
    const normal = 1;
    expect(synchronous()).toBe(full);
    const seen: number[] = [];
    commitReplayable(db, () => {
      seen.push(synchronous());
      db.prepare('INSERT INTO t VALUES (1)').run();
    });
    expect(seen).toEqual([normal]);
    expect(synchronous()).toBe(full);
    expect(() =>
      commitReplayable(db, () => {
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    expect(synchronous()).toBe(full);
    expect(db.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 1 });
    db.close();
  });
});

describe('truncateWal', () => {
  async function storeWithPinnedReader() {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-sqlite-'));
    dirs.push(dir);
    const path = join(dir, 'state.db');
    const db = openSqlite(path, [{ version: 1, sql: 'CREATE TABLE t (x INTEGER)' }]);
    // A reader on a snapshot older than the last commit: the WAL cannot be emptied under it.
    const reader = openSqlite(path, []);
    reader.prepare('BEGIN').run();
    reader.prepare('SELECT COUNT(*) FROM t').get();
    db.prepare('INSERT INTO t VALUES (1)').run();
    return { db, reader, walBytes: async () => (await stat(`${path}-wal`)).size };
  }

  it('keeps trying without blocking the event loop until the WAL can be emptied, then restores the busy timeout', async () => {
    const { db, reader, walBytes } = await storeWithPinnedReader();
    expect(await walBytes()).toBeGreaterThan(0);
    // Only a free event loop can let the reader go.
    setTimeout(() => reader.prepare('COMMIT').run(), 150);
    expect(await truncateWal(db, { pauseMs: 10 })).toBe(true);
    expect(await walBytes()).toBe(0);
    expect(Number(db.pragma('busy_timeout', { simple: true }))).toBe(5000);
    reader.close();
    db.close();
  });

  it('gives up after its deadline', async () => {
    const { db, reader, walBytes } = await storeWithPinnedReader();
    expect(await truncateWal(db, { deadlineMs: 100, pauseMs: 10 })).toBe(false);
    expect(await walBytes()).toBeGreaterThan(0);
    reader.prepare('COMMIT').run();
    reader.close();
    db.close();
  });
});
