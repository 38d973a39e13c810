import type { SuppressionReason } from '../../contracts/index.js';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import { TesseraError } from '../../lib/errors.js';
import type { SuppressionFilter, SuppressionPage, SuppressionRecord, SuppressionStore } from '../../store/index.js';
import { chunks, placeholders } from './chunks.js';
import type { SqliteDatabase } from './database.js';

interface SuppressionRow {
  identifier: string;
  type: string;
  reason: string;
  note: string | null;
  created_at: number;
}

const fromRow = (row: SuppressionRow): SuppressionRecord => ({
  identifier: row.identifier,
  type: row.type,
  reason: row.reason as SuppressionReason,
  note: row.note,
  createdAt: row.created_at,
});

export class SqliteSuppressionStore implements SuppressionStore {
  readonly #db: SqliteDatabase;
  readonly #putMany: (records: readonly SuppressionRecord[]) => void;
  readonly #removeMany: (identifiers: readonly string[]) => number;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    const upsert = db.prepare(
      `INSERT INTO suppressions (identifier, type, reason, note, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (identifier) DO UPDATE SET reason = excluded.reason, note = excluded.note, created_at = excluded.created_at`,
    );
    this.#putMany = db.transaction((records: readonly SuppressionRecord[]) => {
      for (const r of records) upsert.run(r.identifier, r.type, r.reason, r.note, r.createdAt);
    });
    const remove = db.prepare('DELETE FROM suppressions WHERE identifier = ?');
    this.#removeMany = db.transaction((identifiers: readonly string[]) =>
      identifiers.reduce((removed, identifier) => removed + remove.run(identifier).changes, 0),
    );
  }

  async put(records: readonly SuppressionRecord[]): Promise<void> {
    if (records.length > 0) this.#putMany(records);
  }

  async find(identifiers: readonly string[]): Promise<SuppressionRecord[]> {
    const found: SuppressionRecord[] = [];
    for (const chunk of chunks(identifiers)) {
      const rows = this.#db
        .prepare<string[], SuppressionRow>(`SELECT * FROM suppressions WHERE identifier IN (${placeholders(chunk.length)}) ORDER BY identifier`)
        .all(...chunk);
      found.push(...rows.map(fromRow));
    }
    return found;
  }

  async list(filter: SuppressionFilter, page: { limit: number; cursor?: string | undefined }): Promise<SuppressionPage> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.reason !== undefined) {
      where.push('reason = ?');
      params.push(filter.reason);
    }
    if (filter.type !== undefined) {
      where.push('type = ?');
      params.push(filter.type);
    }
    if (page.cursor !== undefined) {
      const [createdAt, identifier] = decodeCursor(page.cursor) ?? [];
      if (typeof createdAt !== 'number' || typeof identifier !== 'string') {
        throw new TesseraError('TESSERA_ERR_VALIDATION', 'cursor is not one this API issued');
      }
      where.push('(created_at < ? OR (created_at = ? AND identifier < ?))');
      params.push(createdAt, createdAt, identifier);
    }
    const rows = this.#db
      .prepare<(string | number)[], SuppressionRow>(
        `SELECT * FROM suppressions ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY created_at DESC, identifier DESC LIMIT ?`,
      )
      .all(...params, page.limit + 1);
    const shown = rows.slice(0, page.limit);
    const last = shown.at(-1);
    return {
      records: shown.map(fromRow),
      nextCursor: rows.length > page.limit && last ? encodeCursor([last.created_at, last.identifier]) : null,
    };
  }

  async remove(identifiers: readonly string[]): Promise<number> {
    return identifiers.length === 0 ? 0 : this.#removeMany(identifiers);
  }
}
