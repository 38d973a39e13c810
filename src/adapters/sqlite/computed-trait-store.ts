import type { ComputedTraitDefinition } from '../../contracts/index.js';
import type { ComputedTraitRecord, ComputedTraitStatus, ComputedTraitStore } from '../../store/index.js';
import type { SqliteDatabase } from './database.js';

interface Row {
  id: string;
  name: string;
  definition: string;
  status: string;
  error: string | null;
  events_replayed: number;
  backfilled_at: number | null;
  created_at: number;
  updated_at: number;
}

const toRecord = (row: Row): ComputedTraitRecord => ({
  id: row.id,
  name: row.name,
  definition: JSON.parse(row.definition) as ComputedTraitDefinition,
  status: row.status as ComputedTraitStatus,
  error: row.error,
  eventsReplayed: row.events_replayed,
  backfilledAt: row.backfilled_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const values = (t: ComputedTraitRecord) =>
  [t.name, JSON.stringify(t.definition), t.status, t.error, t.eventsReplayed, t.backfilledAt, t.createdAt, t.updatedAt] as const;

export class SqliteComputedTraitStore implements ComputedTraitStore {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  async create(trait: ComputedTraitRecord): Promise<void> {
    this.#db
      .prepare(
        `INSERT INTO computed_traits (id, name, definition, status, error, events_replayed, backfilled_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(trait.id, ...values(trait));
  }

  async update(trait: ComputedTraitRecord): Promise<ComputedTraitRecord | undefined> {
    const { changes } = this.#db
      .prepare(
        `UPDATE computed_traits SET name = ?, definition = ?, status = ?, error = ?, events_replayed = ?, backfilled_at = ?,
           created_at = ?, updated_at = ? WHERE id = ?`,
      )
      .run(...values(trait), trait.id);
    return changes === 0 ? undefined : trait;
  }

  async get(id: string): Promise<ComputedTraitRecord | undefined> {
    const row = this.#db.prepare<[string], Row>('SELECT * FROM computed_traits WHERE id = ?').get(id);
    return row && toRecord(row);
  }

  async list(): Promise<ComputedTraitRecord[]> {
    return this.#db.prepare<[], Row>('SELECT * FROM computed_traits ORDER BY created_at, id').all().map(toRecord);
  }

  async delete(id: string): Promise<boolean> {
    return this.#db.prepare('DELETE FROM computed_traits WHERE id = ?').run(id).changes > 0;
  }
}
