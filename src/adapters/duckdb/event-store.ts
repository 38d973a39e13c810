import { DuckDBInstance, timestampValue, type DuckDBConnection } from '@duckdb/node-api';
import type { EventsPage, EventsQuery, StoredEvent } from '../../contracts/index.js';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import { TesseraError } from '../../lib/errors.js';
import type { Checkpoint, EventErasure, EventRow, EventScope, EventStore, LoggedEvent, ScanFilter, ScannedEvent } from '../../store/index.js';

const schema = `
  CREATE TABLE IF NOT EXISTS events (
    "offset" BIGINT NOT NULL,
    message_id VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    type VARCHAR NOT NULL,
    event VARCHAR,
    user_id VARCHAR,
    anonymous_id VARCHAR,
    group_id VARCHAR,
    previous_id VARCHAR,
    properties JSON NOT NULL,
    traits JSON NOT NULL,
    context JSON NOT NULL,
    timestamp TIMESTAMP NOT NULL,
    original_timestamp TIMESTAMP,
    sent_at TIMESTAMP,
    received_at TIMESTAMP NOT NULL,
    violations JSON NOT NULL,
    fragment_key VARCHAR,
    category VARCHAR
  );
  -- Columns added after the first release of the table, for stores created before them.
  ALTER TABLE events ADD COLUMN IF NOT EXISTS fragment_key VARCHAR;
  ALTER TABLE events ADD COLUMN IF NOT EXISTS category VARCHAR;
  CREATE TABLE IF NOT EXISTS checkpoints (
    consumer VARCHAR NOT NULL,
    partition INTEGER NOT NULL,
    "offset" BIGINT NOT NULL,
    PRIMARY KEY (consumer, partition)
  );
`;

const selectColumns = `
  "offset", message_id, source_id, channel, type, event, category, user_id, anonymous_id, group_id, previous_id,
  properties, traits, context, epoch_ms(timestamp) AS ts, epoch_ms(original_timestamp) AS original_ts,
  epoch_ms(sent_at) AS sent_ts, epoch_ms(received_at) AS received_ts, violations`;

type Row = Record<string, unknown>;

/**
 * Logged messages wait here, as JSON text, until one INSERT ... SELECT maps
 * them into events: DuckDB parses the JSON on its own threads, so the JS
 * thread only hands the text over. A temporary table: private to the writer
 * connection, in memory, emptied in the transaction that filled it.
 */
const stagingSchema = `
  CREATE TEMP TABLE IF NOT EXISTS event_staging ("offset" BIGINT NOT NULL, fragment_key VARCHAR, message VARCHAR NOT NULL);
`;

/** The fields of a logged message (or of an EventRow as JSON) that become columns; others are ignored. */
const messageShape = JSON.stringify({
  messageId: 'VARCHAR',
  sourceId: 'VARCHAR',
  channel: 'VARCHAR',
  type: 'VARCHAR',
  event: 'VARCHAR',
  name: 'VARCHAR',
  category: 'VARCHAR',
  userId: 'VARCHAR',
  anonymousId: 'VARCHAR',
  groupId: 'VARCHAR',
  previousId: 'VARCHAR',
  properties: 'JSON',
  traits: 'JSON',
  context: 'JSON',
  timestamp: 'VARCHAR',
  originalTimestamp: 'VARCHAR',
  sentAt: 'VARCHAR',
  receivedAt: 'VARCHAR',
  violations: 'JSON',
});

/** Date#toISOString writes years past 9999 with a '+', which DuckDB's cast does not take; 'Z' instants cast exactly. */
const instant = (field: string): string => `CAST(ltrim(m.${field}, '+') AS TIMESTAMP)`;

/** toEventRow (src/profiles/event-projection.ts) in SQL: the same columns from the same message. */
const insertStaged = `
  INSERT INTO events ("offset", message_id, source_id, channel, type, event, category, user_id, anonymous_id, group_id, previous_id,
                      properties, traits, context, timestamp, original_timestamp, sent_at, received_at, violations, fragment_key)
  SELECT "offset", m.messageId, m.sourceId, m.channel, m.type, coalesce(m.event, m.name), m.category, m.userId, m.anonymousId, m.groupId, m.previousId,
         coalesce(m.properties, '{}'), coalesce(m.traits, '{}'), m.context, ${instant('timestamp')}, ${instant('originalTimestamp')},
         ${instant('sentAt')}, ${instant('receivedAt')}, coalesce(m.violations, '[]'), fragment_key
  FROM (SELECT "offset", fragment_key, from_json(message, '${messageShape}') AS m FROM event_staging)`;

/**
 * DuckDB's JSON reader refuses a lone UTF-16 surrogate, which JSON.stringify
 * writes as a \udXXX escape (paired ones it writes as characters). The few
 * messages that might hold one are mapped here instead; a false positive
 * (a backslash before "ud" in a string) only takes this slower way.
 */
const mayHoldLoneSurrogate = (json: string): boolean => json.includes('\\ud');


const micros = (iso: string): bigint => BigInt(Date.parse(iso)) * 1000n;
const canonical = (iso: string): string => new Date(Date.parse(iso)).toISOString();
/** A row whose timestamps are written as the log writes them (any form Date.parse reads is accepted). */
const canonicalTimes = (e: EventRow): EventRow => ({
  ...e,
  timestamp: canonical(e.timestamp),
  originalTimestamp: e.originalTimestamp === null ? null : canonical(e.originalTimestamp),
  sentAt: e.sentAt === null ? null : canonical(e.sentAt),
  receivedAt: canonical(e.receivedAt),
});
const isoOrNull = (ms: unknown): string | null => (ms === null ? null : new Date(Number(ms)).toISOString());
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const fromRow = (row: Row): StoredEvent => ({
  offset: Number(row.offset),
  messageId: String(row.message_id),
  sourceId: String(row.source_id),
  channel: row.channel as StoredEvent['channel'],
  type: row.type as StoredEvent['type'],
  event: text(row.event),
  category: text(row.category),
  userId: text(row.user_id),
  anonymousId: text(row.anonymous_id),
  groupId: text(row.group_id),
  previousId: text(row.previous_id),
  properties: JSON.parse(String(row.properties)) as StoredEvent['properties'],
  traits: JSON.parse(String(row.traits)) as StoredEvent['traits'],
  context: JSON.parse(String(row.context)) as StoredEvent['context'],
  timestamp: new Date(Number(row.ts)).toISOString(),
  originalTimestamp: isoOrNull(row.original_ts),
  sentAt: isoOrNull(row.sent_ts),
  receivedAt: new Date(Number(row.received_ts)).toISOString(),
  violations: JSON.parse(String(row.violations)) as StoredEvent['violations'],
});

/**
 * The embedded event store on DuckDB. Writes go through one connection (the
 * appender fills a staging table, mapped into events by one statement, in a
 * transaction that also moves the checkpoint); reads use another, so queries
 * never wait behind a write.
 */
export class DuckDbEventStore implements EventStore {
  readonly #instance: DuckDBInstance;
  readonly #writer: DuckDBConnection;
  readonly #reader: DuckDBConnection;
  #writes: Promise<void> = Promise.resolve();

  private constructor(instance: DuckDBInstance, writer: DuckDBConnection, reader: DuckDBConnection) {
    this.#instance = instance;
    this.#writer = writer;
    this.#reader = reader;
  }

  /** Opens (creating if needed) the store at `path`; ':memory:' keeps it in memory. */
  static async open(path: string): Promise<DuckDbEventStore> {
    const instance = await DuckDBInstance.create(path);
    const writer = await instance.connect();
    await writer.run(schema);
    await writer.run(stagingSchema);
    return new DuckDbEventStore(instance, writer, await instance.connect());
  }

  insert(events: readonly EventRow[], checkpoint: Checkpoint): Promise<void> {
    // An EventRow as JSON has the fields of a logged message that the mapping reads, so it takes the same way.
    return this.insertLogged(
      events.map((e) => ({ offset: e.offset, fragmentKey: e.fragmentKey, json: JSON.stringify(canonicalTimes(e)) })),
      checkpoint,
    );
  }

  insertLogged(events: readonly LoggedEvent[], checkpoint: Checkpoint): Promise<void> {
    // Serialise writes: one transaction at a time on the writer connection.
    const write = this.#writes.then(() => this.#insert(events, checkpoint));
    this.#writes = write.catch(() => undefined);
    return write;
  }

  async #insert(events: readonly LoggedEvent[], checkpoint: Checkpoint): Promise<void> {
    await this.#writer.run('BEGIN TRANSACTION');
    try {
      const staging = await this.#writer.createAppender('event_staging', 'main', 'temp');
      const direct: LoggedEvent[] = [];
      for (const e of events) {
        if (mayHoldLoneSurrogate(e.json)) {
          direct.push(e);
          continue;
        }
        staging.appendBigInt(BigInt(e.offset));
        appendNullable(staging, e.fragmentKey);
        staging.appendVarchar(e.json);
        staging.endRow();
      }
      staging.flushSync();
      staging.closeSync();
      if (direct.length > 0) await this.#appendParsed(direct);
      await this.#writer.run(insertStaged);
      await this.#writer.run('DELETE FROM event_staging');
      await this.#writer.run(
        `INSERT INTO checkpoints VALUES ($consumer, $partition, $offset)
         ON CONFLICT (consumer, partition) DO UPDATE SET "offset" = excluded."offset"`,
        { consumer: checkpoint.consumer, partition: checkpoint.partition, offset: BigInt(checkpoint.offset) },
      );
      await this.#writer.run('COMMIT');
    } catch (error) {
      await this.#writer.run('ROLLBACK');
      throw error;
    }
  }

  /** The same mapping as insertStaged, in JS, for messages DuckDB's JSON reader would refuse. */
  async #appendParsed(events: readonly LoggedEvent[]): Promise<void> {
    const appender = await this.#writer.createAppender('events');
    for (const { offset, fragmentKey, json } of events) {
      const m = JSON.parse(json) as Record<string, unknown>;
      const text = (field: string): string | null => (typeof m[field] === 'string' ? m[field] : null);
      appender.appendBigInt(BigInt(offset));
      appender.appendVarchar(String(m.messageId));
      appender.appendVarchar(String(m.sourceId));
      appender.appendVarchar(String(m.channel));
      appender.appendVarchar(String(m.type));
      appendNullable(appender, text('event') ?? text('name'));
      appendNullable(appender, text('userId'));
      appendNullable(appender, text('anonymousId'));
      appendNullable(appender, text('groupId'));
      appendNullable(appender, text('previousId'));
      appender.appendVarchar(JSON.stringify(m.properties ?? {}));
      appender.appendVarchar(JSON.stringify(m.traits ?? {}));
      appender.appendVarchar(JSON.stringify(m.context));
      appender.appendTimestamp(timestampValue(micros(String(m.timestamp))));
      appendNullableTimestamp(appender, text('originalTimestamp'));
      appendNullableTimestamp(appender, text('sentAt'));
      appender.appendTimestamp(timestampValue(micros(String(m.receivedAt))));
      appender.appendVarchar(JSON.stringify(m.violations ?? []));
      appendNullable(appender, fragmentKey);
      appendNullable(appender, text('category'));
      appender.endRow();
    }
    appender.flushSync();
    appender.closeSync();
  }

  async scan(filter: ScanFilter, onBatch: (events: readonly ScannedEvent[]) => Promise<void>, batchSize = 20_000): Promise<void> {
    if (filter.events.length === 0) return;
    const params: Record<string, string | number | bigint> = { maxOffset: BigInt(filter.maxOffset), limit: batchSize };
    const names = filter.events.map((name, i) => {
      params[`event${i}`] = name;
      return `$event${i}`;
    });
    if (filter.after !== undefined) params.after = BigInt(filter.after) * 1000n;
    let held: ScannedEvent[] = [];
    let cursor: { key: string; offset: number } | undefined;
    for (;;) {
      const page = (
        await this.#reader.runAndReadAll(
          `SELECT fragment_key, "offset", message_id, type, event, epoch_ms(timestamp) AS ts, properties FROM events
           WHERE fragment_key IS NOT NULL AND event IN (${names.join(', ')}) AND "offset" <= $maxOffset
             ${filter.after !== undefined ? 'AND timestamp > make_timestamp(CAST($after AS BIGINT))' : ''}
             ${cursor ? 'AND (fragment_key > $key OR (fragment_key = $key AND "offset" > $offset))' : ''}
           ORDER BY fragment_key, "offset" LIMIT $limit`,
          cursor ? { ...params, key: cursor.key, offset: BigInt(cursor.offset) } : params,
        )
      ).getRowObjects() as Row[];
      const rows = page.map(
        (row): ScannedEvent => ({
          fragmentKey: String(row.fragment_key),
          offset: Number(row.offset),
          messageId: String(row.message_id),
          type: row.type as ScannedEvent['type'],
          event: String(row.event),
          timestamp: new Date(Number(row.ts)).toISOString(),
          properties: JSON.parse(String(row.properties)) as ScannedEvent['properties'],
        }),
      );
      const last = rows.at(-1);
      if (last === undefined || rows.length < batchSize) {
        const rest = [...held, ...rows];
        if (rest.length > 0) await onBatch(rest);
        return;
      }
      cursor = { key: last.fragmentKey, offset: last.offset };
      // The last fragment may go on in the next page: hold it back so that each batch has whole fragments.
      const all = [...held, ...rows];
      const cut = all.findIndex((r) => r.fragmentKey === last.fragmentKey);
      held = all.slice(cut);
      if (cut > 0) await onBatch(all.slice(0, cut));
    }
  }

  async checkpoint(consumer: string, partition: number): Promise<number> {
    const reader = await this.#reader.runAndReadAll(
      'SELECT "offset" FROM checkpoints WHERE consumer = $consumer AND partition = $partition',
      { consumer, partition },
    );
    const [row] = reader.getRowObjects();
    return row === undefined ? 0 : Number(row.offset);
  }

  async list(query: EventsQuery, scope?: EventScope): Promise<EventsPage> {
    const limit = query.limit ?? 100;
    const where: string[] = [];
    const params: Record<string, string | number | bigint> = { limit: limit + 1 };
    if (scope !== undefined) {
      if (scope.fragmentKeys.length === 0) return { events: [], nextCursor: null };
      const names = scope.fragmentKeys.map((key, i) => {
        params[`fragment${i}`] = key;
        return `$fragment${i}`;
      });
      where.push(`fragment_key IN (${names.join(', ')})`);
    }
    if (query.sourceId !== undefined) {
      where.push('source_id = $sourceId');
      params.sourceId = query.sourceId;
    }
    if (query.type !== undefined) {
      where.push('type = $type');
      params.type = query.type;
    }
    if (query.event !== undefined) {
      where.push('event = $event');
      params.event = query.event;
    }
    if (query.since !== undefined) {
      where.push('timestamp >= make_timestamp(CAST($since AS BIGINT))');
      params.since = micros(query.since);
    }
    if (query.cursor !== undefined) {
      const [ts, offset] = decodeCursor(query.cursor) ?? [];
      if (typeof ts !== 'number' || typeof offset !== 'number') {
        throw new TesseraError('TESSERA_ERR_VALIDATION', 'cursor is not one this API issued');
      }
      where.push('(epoch_ms(timestamp) < $cursorTs OR (epoch_ms(timestamp) = $cursorTs AND "offset" < $cursorOffset))');
      params.cursorTs = ts;
      params.cursorOffset = offset;
    }
    const sql = `SELECT ${selectColumns} FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY timestamp DESC, "offset" DESC LIMIT $limit`;
    const rows = (await this.#reader.runAndReadAll(sql, params)).getRowObjects() as Row[];
    const more = rows.length > limit;
    const shown = rows.slice(0, limit);
    const last = shown.at(-1);
    return {
      events: shown.map(fromRow),
      nextCursor: more && last ? encodeCursor([Number(last.ts), Number(last.offset)]) : null,
    };
  }

  erase(scope: EventErasure): Promise<number[]> {
    // Serialised with inserts on the writer connection, like them.
    const erase = this.#writes.then(() => this.#erase(scope));
    this.#writes = erase.then(
      () => undefined,
      () => undefined,
    );
    return erase;
  }

  async #erase({ fragmentKeys, offsets }: EventErasure): Promise<number[]> {
    const params: Record<string, string | bigint> = {};
    const placeholders = (prefix: string, values: readonly (string | bigint)[]): string =>
      values
        .map((value, i) => {
          params[`${prefix}${i}`] = value;
          return `$${prefix}${i}`;
        })
        .join(', ');
    const conditions = [
      ...(fragmentKeys.length > 0 ? [`fragment_key IN (${placeholders('fragment', fragmentKeys)})`] : []),
      ...(offsets.length > 0 ? [`"offset" IN (${placeholders('offset', offsets.map(BigInt))})`] : []),
    ];
    if (conditions.length === 0) return [];
    const deleted = await this.#writer.runAndReadAll(`DELETE FROM events WHERE ${conditions.join(' OR ')} RETURNING "offset"`, params);
    // The WAL still holds the events as they were inserted; a checkpoint folds the deletion into the file and empties it.
    await this.#writer.run('CHECKPOINT');
    return deleted.getRowObjects().map((row) => Number(row.offset));
  }

  /** Another connection to the same database, for what is kept beside the events (the profile mirror). */
  connect(): Promise<DuckDBConnection> {
    return this.#instance.connect();
  }

  close(): Promise<void> {
    return this.#writes.then(() => {
      this.#reader.closeSync();
      this.#writer.closeSync();
      this.#instance.closeSync();
    });
  }
}

type Appender = Awaited<ReturnType<DuckDBConnection['createAppender']>>;

function appendNullable(appender: Appender, value: string | null): void {
  if (value === null) appender.appendNull();
  else appender.appendVarchar(value);
}

function appendNullableTimestamp(appender: Appender, iso: string | null): void {
  if (iso === null) appender.appendNull();
  else appender.appendTimestamp(timestampValue(micros(iso)));
}
