import type { MatchPairRecord, MatchPairStatus, MatchRunRecord, MatchStore } from '../../store/index.js';
import type { SqliteDatabase } from './database.js';

interface PairRow {
  id: string;
  run_id: string;
  left_key: string;
  right_key: string;
  left_profile_id: string;
  right_profile_id: string;
  probability: number;
  weight: number;
  status: MatchPairStatus;
  explanation: string;
  decided_by: string | null;
  decided_at: number | null;
  created_at: number;
  updated_at: number;
}

const pairOf = (row: PairRow): MatchPairRecord => ({
  id: row.id,
  runId: row.run_id,
  leftKey: row.left_key,
  rightKey: row.right_key,
  leftProfileId: row.left_profile_id,
  rightProfileId: row.right_profile_id,
  probability: row.probability,
  weight: row.weight,
  status: row.status,
  explanation: JSON.parse(row.explanation) as unknown,
  decidedBy: row.decided_by,
  decidedAt: row.decided_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Match runs and pairs in the operational store (migration 11). */
export class SqliteMatchStore implements MatchStore {
  readonly #db: SqliteDatabase;
  readonly #save;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    const insertRun = db.prepare<[string, string, string, number]>('INSERT INTO match_runs (id, config, summary, created_at) VALUES (?, ?, ?, ?)');
    const upsertPair = db.prepare<[string, string, string, string, string, string, number, number, string, string, number, number]>(
      `INSERT INTO match_pairs (id, run_id, left_key, right_key, left_profile_id, right_profile_id, probability, weight, status, explanation, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET run_id = excluded.run_id, left_profile_id = excluded.left_profile_id, right_profile_id = excluded.right_profile_id,
         probability = excluded.probability, weight = excluded.weight, status = excluded.status, explanation = excluded.explanation, updated_at = excluded.updated_at`,
    );
    this.#save = db.transaction((run: MatchRunRecord, pairs: readonly MatchPairRecord[]) => {
      insertRun.run(run.id, JSON.stringify(run.config), JSON.stringify(run.summary), run.createdAt);
      for (const p of pairs) {
        upsertPair.run(p.id, p.runId, p.leftKey, p.rightKey, p.leftProfileId, p.rightProfileId, p.probability, p.weight, p.status, JSON.stringify(p.explanation), p.createdAt, p.updatedAt);
      }
    });
  }

  async pairs(ids: readonly string[]): Promise<Map<string, MatchPairRecord>> {
    const found = new Map<string, MatchPairRecord>();
    const select = this.#db.prepare<string[], PairRow>(`SELECT * FROM match_pairs WHERE id IN (SELECT value FROM json_each(?))`);
    // One statement per 5,000 ids: json_each keeps the statement the same whatever the count.
    for (let start = 0; start < ids.length; start += 5000) {
      for (const row of select.all(JSON.stringify(ids.slice(start, start + 5000)))) found.set(row.id, pairOf(row));
    }
    return found;
  }

  async reviewQueue(limit: number, after?: { readonly probability: number; readonly id: string }): Promise<MatchPairRecord[]> {
    const rows =
      after === undefined
        ? this.#db.prepare<[number], PairRow>(`SELECT * FROM match_pairs WHERE status = 'review' ORDER BY probability DESC, id LIMIT ?`).all(limit)
        : this.#db
            .prepare<[number, number, string, number], PairRow>(
              `SELECT * FROM match_pairs WHERE status = 'review' AND (probability < ? OR (probability = ? AND id > ?)) ORDER BY probability DESC, id LIMIT ?`,
            )
            .all(after.probability, after.probability, after.id, limit);
    return rows.map(pairOf);
  }

  async saveRun(run: MatchRunRecord, pairs: readonly MatchPairRecord[]): Promise<void> {
    this.#save(run, pairs);
  }

  async run(id: string): Promise<MatchRunRecord | undefined> {
    const row = this.#db.prepare<[string], { id: string; config: string; summary: string; created_at: number }>('SELECT * FROM match_runs WHERE id = ?').get(id);
    return row === undefined ? undefined : { id: row.id, config: JSON.parse(row.config) as unknown, summary: JSON.parse(row.summary) as unknown, createdAt: row.created_at };
  }

  async decide(id: string, from: MatchPairStatus, to: MatchPairStatus, by: string, at: number): Promise<boolean> {
    const result = this.#db
      .prepare<[string, string, number, number, string, string]>('UPDATE match_pairs SET status = ?, decided_by = ?, decided_at = ?, updated_at = ? WHERE id = ? AND status = ?')
      .run(to, by, at, at, id, from);
    return result.changes === 1;
  }
}
