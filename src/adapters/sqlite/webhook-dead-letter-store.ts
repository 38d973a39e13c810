import type { WebhookDeadLetterRecord, WebhookDeadLetterStore } from '../../store/index.js';
import type { SqliteDatabase } from './database.js';

interface Row {
  delivery_id: string;
  reason: string;
  attempts: number;
  failed_at: number;
  replayed_at: number | null;
}

const toRecord = (row: Row): WebhookDeadLetterRecord => ({
  deliveryId: row.delivery_id,
  reason: row.reason,
  attempts: row.attempts,
  failedAt: row.failed_at,
  replayedAt: row.replayed_at,
});

export class SqliteWebhookDeadLetterStore implements WebhookDeadLetterStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async put(r: WebhookDeadLetterRecord): Promise<void> {
    this.#db
      .prepare(
        `INSERT INTO webhook_dead_letters (delivery_id, reason, attempts, failed_at, replayed_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (delivery_id) DO UPDATE SET reason = excluded.reason, attempts = excluded.attempts,
           failed_at = excluded.failed_at, replayed_at = excluded.replayed_at`,
      )
      .run(r.deliveryId, r.reason, r.attempts, r.failedAt, r.replayedAt);
  }

  async get(deliveryId: string): Promise<WebhookDeadLetterRecord | undefined> {
    const row = this.#db.prepare<[string], Row>('SELECT * FROM webhook_dead_letters WHERE delivery_id = ?').get(deliveryId);
    return row && toRecord(row);
  }

  async waiting(limit: number): Promise<WebhookDeadLetterRecord[]> {
    return this.#db
      .prepare<[number], Row>('SELECT * FROM webhook_dead_letters WHERE replayed_at IS NULL ORDER BY failed_at, delivery_id LIMIT ?')
      .all(limit)
      .map(toRecord);
  }

  async markReplayed(deliveryId: string, at: number): Promise<void> {
    this.#db.prepare('UPDATE webhook_dead_letters SET replayed_at = ? WHERE delivery_id = ?').run(at, deliveryId);
  }
}
