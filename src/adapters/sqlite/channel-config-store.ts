import type { JourneyChannel, RateLimit } from '../../contracts/index.js';
import type { ChannelConfigRecord, ChannelConfigStore } from '../../store/index.js';
import type { SqliteDatabase } from './database.js';

/** Channel configurations, one row per channel, settings as JSON (secrets included: state.db is the server's own file). */
export class SqliteChannelConfigStore implements ChannelConfigStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async all(): Promise<ChannelConfigRecord[]> {
    return this.#db
      .prepare<[], { channel: string; settings: string; rate_limit: string | null; updated_at: number }>('SELECT * FROM channel_configs ORDER BY channel')
      .all()
      .map((row) => ({
        channel: row.channel as JourneyChannel,
        settings: JSON.parse(row.settings) as Record<string, unknown>,
        rateLimit: row.rate_limit === null ? null : (JSON.parse(row.rate_limit) as RateLimit),
        updatedAt: row.updated_at,
      }));
  }

  async put(config: ChannelConfigRecord): Promise<void> {
    this.#db
      .prepare<[string, string, string | null, number]>(
        `INSERT INTO channel_configs (channel, settings, rate_limit, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (channel) DO UPDATE SET settings = excluded.settings, rate_limit = excluded.rate_limit, updated_at = excluded.updated_at`,
      )
      .run(config.channel, JSON.stringify(config.settings), config.rateLimit === null ? null : JSON.stringify(config.rateLimit), config.updatedAt);
  }

  async remove(channel: JourneyChannel): Promise<boolean> {
    return this.#db.prepare<[string]>('DELETE FROM channel_configs WHERE channel = ?').run(channel).changes === 1;
  }
}
