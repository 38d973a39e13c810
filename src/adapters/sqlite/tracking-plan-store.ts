import type { TrackingPlan, ViolationCount } from '../../contracts/index.js';
import type { FieldProblem } from '../../lib/errors.js';
import type { StoredTrackingPlan, TrackingPlanStore, ViolationTally } from '../../store/index.js';
import type { SqliteDatabase } from './database.js';

interface PlanRow {
  source_id: string;
  plan: string;
  version: number;
  updated_at: number;
}

interface ViolationRow {
  type: string;
  event: string;
  count: number;
  last_seen_at: number;
  last_problem: string;
}

const fromPlanRow = (row: PlanRow): StoredTrackingPlan => ({
  sourceId: row.source_id,
  plan: JSON.parse(row.plan) as TrackingPlan,
  version: row.version,
  updatedAt: row.updated_at,
});

export class SqliteTrackingPlanStore implements TrackingPlanStore {
  readonly #db: SqliteDatabase;
  readonly #tally;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    // The event column is NOT NULL so it can be part of the key; '' stands for "no event name".
    const upsert = db.prepare(
      `INSERT INTO plan_violations (source_id, type, event, count, last_seen_at, last_problem)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (source_id, type, event) DO UPDATE SET
         count = count + excluded.count,
         last_seen_at = MAX(last_seen_at, excluded.last_seen_at),
         last_problem = excluded.last_problem`,
    );
    this.#tally = db.transaction((tallies: readonly ViolationTally[]) => {
      for (const t of tallies) {
        upsert.run(t.sourceId, t.type, t.event ?? '', t.count, t.at, JSON.stringify(t.problem));
      }
    });
  }

  async get(sourceId: string): Promise<StoredTrackingPlan | undefined> {
    const row = this.#db.prepare<[string], PlanRow>('SELECT * FROM tracking_plans WHERE source_id = ?').get(sourceId);
    return row && fromPlanRow(row);
  }

  async put(sourceId: string, plan: TrackingPlan, at: number): Promise<StoredTrackingPlan> {
    const row = this.#db
      .prepare<[string, string, number], PlanRow>(
        `INSERT INTO tracking_plans (source_id, plan, version, updated_at) VALUES (?, ?, 1, ?)
         ON CONFLICT (source_id) DO UPDATE SET plan = excluded.plan, version = version + 1,
           updated_at = excluded.updated_at
         RETURNING *`,
      )
      .get(sourceId, JSON.stringify(plan), at);
    if (row === undefined) throw new Error('tracking plan upsert returned no row');
    return fromPlanRow(row);
  }

  async delete(sourceId: string): Promise<boolean> {
    const { changes } = this.#db.prepare('DELETE FROM tracking_plans WHERE source_id = ?').run(sourceId);
    return changes > 0;
  }

  async countViolations(tallies: readonly ViolationTally[]): Promise<void> {
    if (tallies.length > 0) this.#tally(tallies);
  }

  async violations(sourceId: string): Promise<ViolationCount[]> {
    const rows = this.#db
      .prepare<[string], ViolationRow>(
        'SELECT * FROM plan_violations WHERE source_id = ? ORDER BY count DESC, type, event',
      )
      .all(sourceId);
    return rows.map((row) => ({
      type: row.type,
      event: row.event === '' ? null : row.event,
      count: row.count,
      lastSeenAt: new Date(row.last_seen_at).toISOString(),
      lastProblem: JSON.parse(row.last_problem) as FieldProblem,
    }));
  }
}
