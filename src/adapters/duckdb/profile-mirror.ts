import { LIST, VARCHAR, listValue, timestampValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type { MirrorBatch, MirrorQuery, ProfileMirror } from '../../store/index.js';
import type { DuckDbEventStore } from './event-store.js';

// No primary keys: DuckDB's indexes slow bulk writes and every query here scans whole columns anyway.
// Rows are replaced by deleting then appending, in one transaction.
const schema = `
  CREATE TABLE IF NOT EXISTS profile_facts (
    profile_id VARCHAR NOT NULL,
    traits JSON NOT NULL,
    consent JSON NOT NULL,
    identifier_types VARCHAR[] NOT NULL,
    channels VARCHAR[] NOT NULL,
    segments VARCHAR[] NOT NULL,
    time_zone VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL
  );
  CREATE TABLE IF NOT EXISTS fragment_profiles (
    fragment_key VARCHAR NOT NULL,
    profile_id VARCHAR NOT NULL
  );
  CREATE TABLE IF NOT EXISTS profile_mirror_meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
  );
  -- A profile's events are those of its fragments: merges and splits move fragments, never events.
  CREATE OR REPLACE VIEW profile_events AS
    SELECT f.profile_id, e.event, e.timestamp, e.properties
    FROM events e JOIN fragment_profiles f ON f.fragment_key = e.fragment_key;
`;

const stringList = LIST(VARCHAR);
const list = (values: readonly string[]): DuckDBValue => listValue([...values]);

/** A DuckDB value as plain JS: integers as numbers (ids and times here stay far below 2^53). */
const plain = (value: DuckDBValue): unknown => (typeof value === 'bigint' ? Number(value) : value);

/**
 * The profile mirror on DuckDB, in the event store's database so that
 * `profile_events` joins the events where they are. Writes go through one
 * connection, one batch at a time; each query opens its own connection, so
 * previews run side by side and never wait behind a write.
 */
export class DuckDbProfileMirror implements ProfileMirror {
  readonly #events: DuckDbEventStore;
  readonly #writer: DuckDBConnection;
  #writes: Promise<void> = Promise.resolve();

  private constructor(events: DuckDbEventStore, writer: DuckDBConnection) {
    this.#events = events;
    this.#writer = writer;
  }

  /** Opens (creating if needed) the mirror beside the events of `events`. */
  static async open(events: DuckDbEventStore): Promise<DuckDbProfileMirror> {
    const writer = await events.connect();
    await writer.run(schema);
    return new DuckDbProfileMirror(events, writer);
  }

  apply(batch: MirrorBatch): Promise<void> {
    return this.#write(() => this.#apply(batch));
  }

  async #apply(batch: MirrorBatch): Promise<void> {
    const replaced = [...batch.upserts.map((p) => p.profileId), ...batch.removals];
    const owners = [...batch.fragments.map((f) => f.profileId), ...batch.removals];
    const keys = batch.fragments.flatMap((f) => f.fragmentKeys);
    const at = timestampValue(BigInt(batch.at) * 1000n);
    const db = this.#writer;
    await db.run('BEGIN TRANSACTION');
    try {
      if (replaced.length > 0) {
        await db.run('DELETE FROM profile_facts WHERE profile_id IN (SELECT unnest($ids))', { ids: list(replaced) }, { ids: stringList });
      }
      if (batch.upserts.length > 0) {
        const appender = await db.createAppender('profile_facts');
        for (const p of batch.upserts) {
          appender.appendVarchar(p.profileId);
          appender.appendVarchar(JSON.stringify(p.traits));
          appender.appendVarchar(JSON.stringify(p.consent));
          appender.appendList([...p.identifierTypes], stringList);
          appender.appendList([...p.channels], stringList);
          appender.appendList([...p.segments], stringList);
          appender.appendVarchar(p.timeZone);
          appender.appendTimestamp(at);
          appender.endRow();
        }
        appender.flushSync();
        appender.closeSync();
      }
      if (owners.length > 0) {
        await db.run('DELETE FROM fragment_profiles WHERE profile_id IN (SELECT unnest($ids))', { ids: list(owners) }, { ids: stringList });
      }
      if (keys.length > 0) {
        await db.run('DELETE FROM fragment_profiles WHERE fragment_key IN (SELECT unnest($keys))', { keys: list(keys) }, { keys: stringList });
        const appender = await db.createAppender('fragment_profiles');
        for (const { profileId, fragmentKeys } of batch.fragments) {
          for (const key of fragmentKeys) {
            appender.appendVarchar(key);
            appender.appendVarchar(profileId);
            appender.endRow();
          }
        }
        appender.flushSync();
        appender.closeSync();
      }
      await db.run('COMMIT');
    } catch (error) {
      await db.run('ROLLBACK');
      throw error;
    }
    // The WAL still holds an erased person's rows as they were written: a checkpoint folds the deletion in and empties it.
    if (batch.purge) await db.run('CHECKPOINT');
  }

  clear(): Promise<void> {
    return this.#write(async () => {
      await this.#writer.run('BEGIN TRANSACTION');
      await this.#writer.run('DELETE FROM profile_facts; DELETE FROM fragment_profiles; DELETE FROM profile_mirror_meta;');
      await this.#writer.run('COMMIT');
    });
  }

  builtFor(): Promise<string | null> {
    return this.#read(async (db) => {
      const value = (await db.runAndReadAll("SELECT value FROM profile_mirror_meta WHERE key = 'built_for'")).getRowObjects()[0]?.value;
      return typeof value === 'string' ? value : null;
    });
  }

  setBuiltFor(key: string): Promise<void> {
    return this.#write(async () => {
      await this.#writer.run("INSERT OR REPLACE INTO profile_mirror_meta VALUES ('built_for', $key)", { key });
    });
  }

  preview(query: MirrorQuery, sampleSize: number): Promise<{ count: number; sample: string[] }> {
    if (!Number.isInteger(sampleSize) || sampleSize < 1) throw new Error('the sample size must be a positive integer');
    // min(x, n) keeps the n smallest with a heap: no sort of every member for a sample.
    const sql = `SELECT count(*) AS n, min(m.profile_id, ${sampleSize}) AS sample FROM (${query.sql}) m`;
    return this.#read(async (db) => {
      const [row] = (await db.runAndReadAll(sql, { ...query.params })).getRowObjectsJS();
      const sample = row?.sample;
      return { count: Number(row?.n ?? 0), sample: Array.isArray(sample) ? sample.map(String) : [] };
    });
  }

  stream(query: MirrorQuery, onRows: (rows: readonly Readonly<Record<string, unknown>>[]) => Promise<void>, batchSize = 10_000): Promise<void> {
    return this.#read(async (db) => {
      const result = await db.stream(query.sql, { ...query.params });
      const columns = result.deduplicatedColumnNames();
      let rows: Record<string, unknown>[] = [];
      for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        for (const values of chunk.getRows()) rows.push(Object.fromEntries(columns.map((name, i) => [name, plain(values[i] ?? null)])));
        if (rows.length >= batchSize) {
          await onRows(rows);
          rows = [];
        }
      }
      if (rows.length > 0) await onRows(rows);
    });
  }

  async size(): Promise<number> {
    return this.#read(async (db) => {
      const [row] = (await db.runAndReadAll('SELECT count(*) AS n FROM profile_facts')).getRowObjects();
      return Number(row?.n ?? 0);
    });
  }

  /** Waits for the write in progress; the event store closes the database after. */
  async close(): Promise<void> {
    await this.#writes;
    this.#writer.closeSync();
  }

  /** Serialises writes: one transaction at a time on the writer connection. */
  #write(work: () => Promise<void>): Promise<void> {
    const write = this.#writes.then(work);
    this.#writes = write.catch(() => undefined);
    return write;
  }

  async #read<T>(work: (db: DuckDBConnection) => Promise<T>): Promise<T> {
    const db = await this.#events.connect();
    try {
      return await work(db);
    } finally {
      db.closeSync();
    }
  }
}
