import type { PushSubscriptionRecord, PushSubscriptionStore } from '../../store/index.js';
import type { SqliteDatabase } from './database.js';

interface Row {
  id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  owner: string;
  created_at: number;
}

const toRecord = (row: Row): PushSubscriptionRecord => ({
  id: row.id,
  endpoint: row.endpoint,
  p256dh: row.p256dh,
  auth: row.auth,
  owner: row.owner,
  createdAt: row.created_at,
});

export class SqlitePushSubscriptionStore implements PushSubscriptionStore {
  readonly #db: SqliteDatabase;
  readonly #put: (record: PushSubscriptionRecord) => void;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    const dropEndpoint = db.prepare('DELETE FROM push_subscriptions WHERE endpoint = ? AND id <> ?');
    const upsert = db.prepare(
      `INSERT INTO push_subscriptions (id, endpoint, p256dh, auth, owner, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth`,
    );
    this.#put = db.transaction((r: PushSubscriptionRecord) => {
      dropEndpoint.run(r.endpoint, r.id);
      upsert.run(r.id, r.endpoint, r.p256dh, r.auth, r.owner, r.createdAt);
    });
  }

  async put(record: PushSubscriptionRecord): Promise<void> {
    this.#put(record);
  }

  async byIds(ids: readonly string[]): Promise<PushSubscriptionRecord[]> {
    if (ids.length === 0) return [];
    return this.#db
      .prepare<string[], Row>(`SELECT * FROM push_subscriptions WHERE id IN (${ids.map(() => '?').join(',')}) ORDER BY created_at, id`)
      .all(...ids)
      .map(toRecord);
  }

  async remove(id: string): Promise<boolean> {
    return this.#db.prepare('DELETE FROM push_subscriptions WHERE id = ?').run(id).changes > 0;
  }
}
