import type { DeliveryStatus, JourneyChannel, MessageCategory } from '../../contracts/index.js';
import type { DeliveryRecord, DeliveryStore } from '../../store/index.js';
import type { SqliteDatabase } from './database.js';

interface DeliveryRow {
  id: string;
  instance_id: string;
  journey_id: string;
  profile_id: string;
  step: string;
  channel: string;
  category: string;
  template: string;
  variant: string | null;
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  recipient: string | null;
  provider: string | null;
  provider_message_id: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

const recordOf = (row: DeliveryRow): DeliveryRecord => ({
  id: row.id,
  instanceId: row.instance_id,
  journeyId: row.journey_id,
  profileId: row.profile_id,
  step: row.step,
  channel: row.channel as JourneyChannel,
  category: row.category as MessageCategory,
  template: row.template,
  variant: row.variant,
  status: row.status as DeliveryStatus,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  recipient: row.recipient,
  provider: row.provider,
  providerMessageId: row.provider_message_id,
  lastError: row.last_error,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/**
 * The delivery outbox in the operational store. Entries appear by the
 * trigger on journey_sends (migration 10), in the journey step's own
 * transaction. Every state change is a plain commit at synchronous=FULL: the
 * `sending` mark in particular must be on disk before a provider is called.
 */
export class SqliteDeliveryStore implements DeliveryStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async due(now: number, limit: number): Promise<DeliveryRecord[]> {
    return this.#db
      .prepare<[number, number], DeliveryRow>(
        "SELECT * FROM deliveries WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
      )
      .all(now, limit)
      .map(recordOf);
  }

  async claim(id: string, attempt: { recipient: string; provider: string; now: number }): Promise<boolean> {
    const changed = this.#db
      .prepare<[string, string, number, string]>(
        `UPDATE deliveries SET status = 'sending', attempts = attempts + 1, recipient = ?, provider = ?, updated_at = ?
         WHERE id = ? AND status = 'queued'`,
      )
      .run(attempt.recipient, attempt.provider, attempt.now, id).changes;
    return changed === 1;
  }

  async markSent(id: string, providerMessageId: string | null, now: number): Promise<void> {
    this.#db
      .prepare<[string | null, number, string]>(
        "UPDATE deliveries SET status = 'sent', provider_message_id = ?, next_attempt_at = NULL, last_error = NULL, updated_at = ? WHERE id = ?",
      )
      .run(providerMessageId, now, id);
  }

  async retryAt(id: string, at: number, error: string, now: number): Promise<void> {
    this.#db
      .prepare<[number, string, number, string]>("UPDATE deliveries SET status = 'queued', next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?")
      .run(at, error, now, id);
  }

  async finish(id: string, status: 'failed' | 'suppressed', reason: string, now: number): Promise<void> {
    this.#db
      .prepare<[string, string, number, string]>('UPDATE deliveries SET status = ?, next_attempt_at = NULL, last_error = ?, updated_at = ? WHERE id = ?')
      .run(status, reason, now, id);
  }

  async interrupted(): Promise<DeliveryRecord[]> {
    return this.#db.prepare<[], DeliveryRow>("SELECT * FROM deliveries WHERE status = 'sending'").all().map(recordOf);
  }

  async get(id: string): Promise<DeliveryRecord | undefined> {
    const row = this.#db.prepare<[string], DeliveryRow>('SELECT * FROM deliveries WHERE id = ?').get(id);
    return row && recordOf(row);
  }

  async list(filter: { profileId?: string | undefined; status?: DeliveryStatus | undefined; limit: number }): Promise<DeliveryRecord[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.profileId !== undefined) {
      where.push('profile_id = ?');
      args.push(filter.profileId);
    }
    if (filter.status !== undefined) {
      where.push('status = ?');
      args.push(filter.status);
    }
    const sql = `SELECT * FROM deliveries ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`;
    return this.#db
      .prepare<(string | number)[], DeliveryRow>(sql)
      .all(...args, filter.limit)
      .map(recordOf);
  }

  async removeOf(profileIds: readonly string[]): Promise<void> {
    const remove = this.#db.prepare<[string]>('DELETE FROM deliveries WHERE profile_id = ?');
    this.#db.transaction(() => {
      for (const id of profileIds) remove.run(id);
    })();
  }
}
