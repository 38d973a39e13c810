import type { Channel } from '../../contracts/index.js';
import type { SourceRecord, SourceStore, SourceUpdate } from '../../store/index.js';
import type { SqliteDatabase } from './database.js';

interface SourceRow {
  id: string;
  name: string;
  channel: string;
  write_key: string;
  previous_write_key: string | null;
  previous_write_key_expires_at: number | null;
  enabled: number;
  allowed_origins: string;
  created_at: number;
  updated_at: number;
}

const fromRow = (row: SourceRow): SourceRecord => ({
  id: row.id,
  name: row.name,
  channel: row.channel as Channel,
  writeKey: row.write_key,
  previousWriteKey: row.previous_write_key,
  previousWriteKeyExpiresAt: row.previous_write_key_expires_at,
  enabled: row.enabled === 1,
  allowedOrigins: JSON.parse(row.allowed_origins) as string[],
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const columns: Record<Exclude<keyof SourceUpdate, 'updatedAt'>, string> = {
  name: 'name',
  enabled: 'enabled',
  allowedOrigins: 'allowed_origins',
  writeKey: 'write_key',
  previousWriteKey: 'previous_write_key',
  previousWriteKeyExpiresAt: 'previous_write_key_expires_at',
};

const toColumnValue = (key: keyof SourceUpdate, value: unknown): unknown => {
  if (key === 'enabled') return value ? 1 : 0;
  if (key === 'allowedOrigins') return JSON.stringify(value);
  return value;
};

export class SqliteSourceStore implements SourceStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async create(source: SourceRecord): Promise<void> {
    this.#db
      .prepare(
        `INSERT INTO sources (id, name, channel, write_key, previous_write_key, previous_write_key_expires_at,
           enabled, allowed_origins, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        source.id,
        source.name,
        source.channel,
        source.writeKey,
        source.previousWriteKey,
        source.previousWriteKeyExpiresAt,
        source.enabled ? 1 : 0,
        JSON.stringify(source.allowedOrigins),
        source.createdAt,
        source.updatedAt,
      );
  }

  async get(id: string): Promise<SourceRecord | undefined> {
    const row = this.#db.prepare<[string], SourceRow>('SELECT * FROM sources WHERE id = ?').get(id);
    return row && fromRow(row);
  }

  async list(): Promise<SourceRecord[]> {
    const rows = this.#db.prepare<[], SourceRow>('SELECT * FROM sources ORDER BY created_at, id').all();
    return rows.map(fromRow);
  }

  async findByWriteKey(writeKey: string): Promise<SourceRecord | undefined> {
    const row = this.#db
      .prepare<[string, string], SourceRow>('SELECT * FROM sources WHERE write_key = ? OR previous_write_key = ?')
      .get(writeKey, writeKey);
    return row && fromRow(row);
  }

  async update(id: string, update: SourceUpdate): Promise<SourceRecord | undefined> {
    const assignments = ['updated_at = ?'];
    const values: unknown[] = [update.updatedAt];
    for (const [key, column] of Object.entries(columns) as [keyof typeof columns, string][]) {
      if (update[key] === undefined) continue;
      assignments.push(`${column} = ?`);
      values.push(toColumnValue(key, update[key]));
    }
    const changed = this.#db.prepare(`UPDATE sources SET ${assignments.join(', ')} WHERE id = ?`).run(...values, id);
    return changed.changes === 0 ? undefined : this.get(id);
  }
}
