import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FragmentRecord, ProfileRecord } from '../../store/index.js';
import { openSqlite, type SqliteDatabase } from './database.js';
import { SqliteIdentityStore } from './identity-store.js';
import { operationalMigrations } from './operational-migrations.js';
import { fragmentRecord, identityChanges as changes, profileRecord } from '../../../test/helpers/identity-changes.js';

const profile = (id: string, plan: unknown): ProfileRecord => profileRecord(id, { state: { traits: { plan } }, identifierCounts: { user_id: 1 } });
const fragment = (key: string, homeProfileId: string, plan: string): FragmentRecord => fragmentRecord(key, homeProfileId, { state: { traits: { plan } } });

describe('SqliteIdentityStore, keeping recent records parsed', () => {
  const dirs: string[] = [];
  const dbs: SqliteDatabase[] = [];
  afterEach(async () => {
    for (const db of dbs.splice(0)) db.close();
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  const open = async (cacheJsonBytes?: number) => {
    const dir = await mkdtemp(join(tmpdir(), 'tessera-identity-'));
    dirs.push(dir);
    const path = join(dir, 'state.db');
    const connect = (bytes?: number): SqliteIdentityStore => {
      const db = openSqlite(path, operationalMigrations);
      dbs.push(db);
      return new SqliteIdentityStore(db, bytes);
    };
    /** A second store on the same file reads everything from SQLite: what the disk holds. */
    return { store: connect(cacheJsonBytes), fromDisk: () => connect() };
  };

  it('reads back what was committed, as SQLite holds it, however small the cache', async () => {
    for (const bytes of [undefined, 1]) {
      const { store, fromDisk } = await open(bytes);
      await store.commit(changes({ profiles: [profile('p1', 'free')], fragments: [fragment('f1', 'p1', 'free')] }));
      await store.commit(changes({ profiles: [profile('p1', 'pro')], fragments: [fragment('f1', 'p1', 'pro')] }));
      const disk = fromDisk();
      expect(await store.profiles(['p1', 'p2'])).toEqual(await disk.profiles(['p1', 'p2']));
      expect((await store.profiles(['p1'])).get('p1')?.state).toEqual({ traits: { plan: 'pro' } });
      expect(await store.fragments(['f1'])).toEqual(await disk.fragments(['f1']));
      expect(await store.fragmentsOf('p1')).toEqual(await disk.fragmentsOf('p1'));
    }
  });

  it('keeps what it had when a commit fails part way', async () => {
    const { store, fromDisk } = await open();
    await store.commit(changes({ profiles: [profile('p1', 'free')] }));
    // The second profile cannot be written (JSON has no BigInt): the transaction rolls back after writing the first.
    const failing = changes({ profiles: [profile('p1', 'pro'), profile('p2', 10n)] });
    await expect(store.commit(failing)).rejects.toThrow(/BigInt/);
    expect((await store.profiles(['p1'])).get('p1')?.state).toEqual({ traits: { plan: 'free' } });
    expect(await store.profiles(['p1', 'p2'])).toEqual(await fromDisk().profiles(['p1', 'p2']));
  });

  it('hands out records that cannot be changed in place, so no reader changes what the next one reads', async () => {
    const { store } = await open();
    await store.commit(changes({ profiles: [profile('p1', 'free')] }));
    const read = (await store.profiles(['p1'])).get('p1')!;
    expect(() => Object.assign(read, { mergedInto: 'p2' })).toThrow(TypeError);
    expect(() => Object.assign(read.state, { traits: {} })).toThrow(TypeError);
    expect((await store.profiles(['p1'])).get('p1')).toMatchObject({ mergedInto: null, state: { traits: { plan: 'free' } } });
  });
});
