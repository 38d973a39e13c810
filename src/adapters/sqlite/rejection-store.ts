import type { Rejection, RejectionsPage } from '../../contracts/index.js';
import { TesseraError, type FieldProblem } from '../../lib/errors.js';
import type { NewRejection, RejectionStore } from '../../store/index.js';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import type { SqliteDatabase } from './database.js';

interface RejectionRow {
  id: number;
  source_id: string;
  received_at: number;
  message_id: string | null;
  problems: string;
  message: string;
}

const fromRow = (row: RejectionRow): Rejection => ({
  id: row.id,
  sourceId: row.source_id,
  receivedAt: new Date(row.received_at).toISOString(),
  messageId: row.message_id,
  problems: JSON.parse(row.problems) as FieldProblem[],
  message: JSON.parse(row.message) as unknown,
});

export class SqliteRejectionStore implements RejectionStore {
  readonly #db: SqliteDatabase;
  readonly #insertMany;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    const insert = db.prepare(
      'INSERT INTO rejections (source_id, received_at, message_id, problems, message) VALUES (?, ?, ?, ?, ?)',
    );
    this.#insertMany = db.transaction((rejections: readonly NewRejection[]) => {
      for (const r of rejections) {
        insert.run(r.sourceId, r.receivedAt, r.messageId, JSON.stringify(r.problems), JSON.stringify(r.message ?? null));
      }
    });
  }

  async add(rejections: readonly NewRejection[]): Promise<void> {
    if (rejections.length > 0) this.#insertMany(rejections);
  }

  async list(sourceId: string, page: { limit: number; cursor?: string | undefined }): Promise<RejectionsPage> {
    let beforeId = Number.MAX_SAFE_INTEGER;
    if (page.cursor !== undefined) {
      const [id] = decodeCursor(page.cursor) ?? [];
      if (typeof id !== 'number') throw new TesseraError('TESSERA_ERR_VALIDATION', 'cursor is not one this API issued');
      beforeId = id;
    }
    const rows = this.#db
      .prepare<[string, number, number], RejectionRow>(
        'SELECT * FROM rejections WHERE source_id = ? AND id < ? ORDER BY id DESC LIMIT ?',
      )
      .all(sourceId, beforeId, page.limit + 1);
    const more = rows.length > page.limit;
    const shown = rows.slice(0, page.limit);
    const last = shown.at(-1);
    return {
      rejections: shown.map(fromRow),
      nextCursor: more && last ? encodeCursor([last.id]) : null,
    };
  }

  async prune(before: number): Promise<number> {
    return this.#db.prepare('DELETE FROM rejections WHERE received_at < ?').run(before).changes;
  }
}
