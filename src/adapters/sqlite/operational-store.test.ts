import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteOperationalStore } from './operational-store.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function storePath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-state-'));
  dirs.push(dir);
  return join(dir, 'state.db');
}

const source = (id: string) => ({
  id,
  name: `source ${id}`,
  channel: 'web' as const,
  writeKey: `key-${id}`,
  previousWriteKey: null,
  previousWriteKeyExpiresAt: null,
  enabled: true,
  allowedOrigins: [],
  createdAt: 1,
  updatedAt: 1,
});

async function fileSizeReaching(path: string, atLeast: number, withinMs: number): Promise<number> {
  const deadline = Date.now() + withinMs;
  let size = (await stat(path)).size;
  while (size < atLeast && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    size = (await stat(path)).size;
  }
  return size;
}

describe('the SQLite operational store', () => {
  it('copies its commits from the WAL into the database file on a thread of its own, well before its own checkpoint would', async () => {
    const path = await storePath();
    const store = openSqliteOperationalStore(path);
    for (let i = 0; i < 200; i++) await store.sources.create(source(`s${i}`));
    // The store's size as its readers see it, WAL included.
    const reader = new Database(path, { readonly: true });
    const bytes = Number(reader.pragma('page_count', { simple: true })) * Number(reader.pragma('page_size', { simple: true }));
    reader.close();
    expect(bytes).toBeGreaterThan(50 * 4096);
    // Its own connection checkpoints only past ~64 MB of WAL: the file holds it all only if the thread copied the pages.
    expect(await fileSizeReaching(path, bytes, 3_000)).toBe(bytes);
    await store.close();

    const reopened = openSqliteOperationalStore(path);
    expect(await reopened.sources.list()).toHaveLength(200);
    await reopened.close();
  });
});
