import type { InboxMessageRecord, InboxStore } from '../../store/index.js';
import type { SqliteDatabase } from './database.js';

interface Row {
  id: string;
  delivery_id: string;
  profile_id: string;
  title: string | null;
  body: string;
  url: string | null;
  origin: string;
  created_at: number;
  read_at: number | null;
}

const toRecord = (row: Row): InboxMessageRecord => ({
  id: row.id,
  deliveryId: row.delivery_id,
  profileId: row.profile_id,
  title: row.title,
  body: row.body,
  url: row.url,
  origin: JSON.parse(row.origin) as InboxMessageRecord['origin'],
  createdAt: row.created_at,
  readAt: row.read_at,
});

export class SqliteInboxStore implements InboxStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async add(m: InboxMessageRecord): Promise<InboxMessageRecord> {
    this.#db
      .prepare(
        `INSERT INTO inbox_messages (id, delivery_id, profile_id, title, body, url, origin, created_at, read_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (delivery_id) DO NOTHING`,
      )
      .run(m.id, m.deliveryId, m.profileId, m.title, m.body, m.url, JSON.stringify(m.origin), m.createdAt, m.readAt);
    const row = this.#db.prepare<[string], Row>('SELECT * FROM inbox_messages WHERE delivery_id = ?').get(m.deliveryId);
    return row === undefined ? m : toRecord(row);
  }

  async ofProfiles(profileIds: readonly string[], limit: number): Promise<InboxMessageRecord[]> {
    if (profileIds.length === 0) return [];
    return this.#db
      .prepare<unknown[], Row>(
        `SELECT * FROM inbox_messages WHERE profile_id IN (${profileIds.map(() => '?').join(',')}) ORDER BY created_at DESC, id DESC LIMIT ?`,
      )
      .all(...profileIds, limit)
      .map(toRecord);
  }

  async unread(profileIds: readonly string[]): Promise<number> {
    if (profileIds.length === 0) return 0;
    const row = this.#db
      .prepare<string[], { n: number }>(`SELECT COUNT(*) AS n FROM inbox_messages WHERE read_at IS NULL AND profile_id IN (${profileIds.map(() => '?').join(',')})`)
      .get(...profileIds);
    return row?.n ?? 0;
  }

  async get(id: string): Promise<InboxMessageRecord | undefined> {
    const row = this.#db.prepare<[string], Row>('SELECT * FROM inbox_messages WHERE id = ?').get(id);
    return row && toRecord(row);
  }

  async removeOf(profileIds: readonly string[]): Promise<void> {
    if (profileIds.length === 0) return;
    this.#db.prepare(`DELETE FROM inbox_messages WHERE profile_id IN (${profileIds.map(() => '?').join(',')})`).run(...profileIds);
  }

  async markRead(id: string, at: number): Promise<boolean> {
    this.#db.prepare('UPDATE inbox_messages SET read_at = ? WHERE id = ? AND read_at IS NULL').run(at, id);
    return (await this.get(id)) !== undefined;
  }
}
