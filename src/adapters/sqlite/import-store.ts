import type { ImportReject } from '../../contracts/index.js';
import type { ImportProfileOutcome, ImportRecord, ImportStore } from '../../store/index.js';
import type { SqliteDatabase } from './database.js';

interface RejectRow {
  line: number;
  column_name: string | null;
  reason: string;
  record: string;
}

/**
 * Imports in the operational store: the record as JSON beside the columns
 * it is looked up by, and one row per rejected line. The profile outcome
 * reads the identity tables, which live in the same database.
 */
export class SqliteImportStore implements ImportStore {
  readonly #db: SqliteDatabase;
  readonly #save;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    const upsert = db.prepare<[string, string, number, string]>(
      'INSERT INTO imports (id, source_id, created_at, record) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record',
    );
    const insertReject = db.prepare<[string, number, string | null, string, string]>(
      'INSERT OR REPLACE INTO import_rejects (import_id, line, column_name, reason, record) VALUES (?, ?, ?, ?, ?)',
    );
    this.#save = db.transaction((record: ImportRecord, rejects: readonly ImportReject[]) => {
      upsert.run(record.id, record.sourceId, record.createdAt, JSON.stringify(record));
      for (const r of rejects) insertReject.run(record.id, r.line, r.column, r.reason, r.record);
    });
  }

  async create(record: ImportRecord): Promise<void> {
    this.#db
      .prepare<[string, string, number, string]>('INSERT INTO imports (id, source_id, created_at, record) VALUES (?, ?, ?, ?)')
      .run(record.id, record.sourceId, record.createdAt, JSON.stringify(record));
  }

  async get(id: string): Promise<ImportRecord | undefined> {
    const row = this.#db.prepare<[string], { record: string }>('SELECT record FROM imports WHERE id = ?').get(id);
    return row === undefined ? undefined : (JSON.parse(row.record) as ImportRecord);
  }

  async list(filter: { readonly sourceId?: string | undefined; readonly limit: number }): Promise<ImportRecord[]> {
    const rows =
      filter.sourceId === undefined
        ? this.#db.prepare<[number], { record: string }>('SELECT record FROM imports ORDER BY created_at DESC, id DESC LIMIT ?').all(filter.limit)
        : this.#db
            .prepare<[string, number], { record: string }>('SELECT record FROM imports WHERE source_id = ? ORDER BY created_at DESC, id DESC LIMIT ?')
            .all(filter.sourceId, filter.limit);
    return rows.map((row) => JSON.parse(row.record) as ImportRecord);
  }

  async save(record: ImportRecord, rejects: readonly ImportReject[]): Promise<void> {
    this.#save(record, rejects);
  }

  async rejects(id: string, afterLine: number, limit: number): Promise<ImportReject[]> {
    return this.#db
      .prepare<[string, number, number], RejectRow>(
        'SELECT line, column_name, reason, record FROM import_rejects WHERE import_id = ? AND line > ? ORDER BY line LIMIT ?',
      )
      .all(id, afterLine, limit)
      .map((row) => ({ line: row.line, column: row.column_name, reason: row.reason, record: row.record }));
  }

  async profileOutcome(sourceId: string, messageIdPrefix: string, since: number): Promise<ImportProfileOutcome> {
    // A fragment is homed in its live profile or in one merged into it (one step: see identity/workspace.ts).
    // Ids starting with the prefix sort between it and it followed by the highest code point.
    const created = this.#db
      .prepare<[string, string, number], { n: number }>(
        `SELECT COUNT(DISTINCT live.id) AS n
         FROM identity_fragments f
         JOIN profiles home ON home.id = f.home_profile_id
         JOIN profiles live ON live.id = COALESCE(home.merged_into, home.id)
         WHERE f.claim_message >= ? AND f.claim_message < ? AND live.created_at >= ?`,
      )
      .get(messageIdPrefix, `${messageIdPrefix}\u{10FFFF}`, since);
    const merged = this.#db
      .prepare<[string, number, string], { n: number }>(
        `SELECT COUNT(*) AS n FROM profile_history
         WHERE kind = 'merge' AND json_extract(cause, '$.sourceId') = ? AND substr(json_extract(cause, '$.messageId'), 1, ?) = ?`,
      )
      .get(sourceId, messageIdPrefix.length, messageIdPrefix);
    return { created: created?.n ?? 0, merged: merged?.n ?? 0 };
  }
}
