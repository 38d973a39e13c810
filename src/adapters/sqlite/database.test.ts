import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commitReplayable, openSqlite } from './database.js';

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
