import type Database from 'better-sqlite3';
import type { ProfileChange, ProfileChangeFeed } from '../../store/index.js';
import type { SqliteDatabase } from './database.js';

interface ChangeRow {
  profile_id: string;
  structural: number;
  seq: number;
}

const recorders = new WeakMap<SqliteDatabase, ProfileChangeRecorder>();

/**
 * Records changed profiles in the `profile_changes` table, inside the
 * transaction of the commit that changed them. One per database, shared by
 * the identity and segment stores: the sequence numbers come from one
 * counter, kept in memory (one process writes the embedded store) and
 * resumed from the table on open.
 */
export class ProfileChangeRecorder {
  readonly #upsert: Database.Statement<[string, number, number]>;
  readonly #allLive: Database.Statement<[number]>;
  #seq: number;

  private constructor(db: SqliteDatabase) {
    this.#seq = db.prepare<[], { seq: number }>('SELECT coalesce(max(seq), 0) AS seq FROM profile_changes').get()?.seq ?? 0;
    this.#upsert = db.prepare<[string, number, number]>(
      `INSERT INTO profile_changes (profile_id, structural, seq) VALUES (?, ?, ?)
       ON CONFLICT (profile_id) DO UPDATE SET structural = max(structural, excluded.structural), seq = excluded.seq`,
    );
    this.#allLive = db.prepare<[number]>(
      `INSERT INTO profile_changes (profile_id, structural, seq)
       SELECT id, 1, ? + row_number() OVER (ORDER BY id) FROM profiles WHERE merged_into IS NULL
       ON CONFLICT (profile_id) DO UPDATE SET structural = 1, seq = excluded.seq`,
    );
  }

  static of(db: SqliteDatabase): ProfileChangeRecorder {
    let recorder = recorders.get(db);
    if (recorder === undefined) {
      recorder = new ProfileChangeRecorder(db);
      recorders.set(db, recorder);
    }
    return recorder;
  }

  get lastSeq(): number {
    return this.#seq;
  }

  /** Records each profile (id -> whether its make-up changed). Call it inside the writing transaction. */
  record(changed: ReadonlyMap<string, boolean>): void {
    for (const [profileId, structural] of changed) this.#upsert.run(profileId, structural ? 1 : 0, ++this.#seq);
  }

  /** Records every live profile as changed in make-up; returns how many. */
  recordAllLive(): number {
    const { changes } = this.#allLive.run(this.#seq);
    // Row numbers start at 1 after the counter: the highest one used is the counter plus the live profiles.
    this.#seq += changes;
    return changes;
  }
}

/** Collects the profiles a commit changes, a profile once, make-up changes winning. */
export class ChangedProfiles extends Map<string, boolean> {
  mark(profileId: string, structural: boolean): void {
    // An empty id is the resolver's placeholder for a fragment not homed yet; it never reaches a commit homed so.
    if (profileId === '') return;
    this.set(profileId, structural || this.get(profileId) === true);
  }
}

export class SqliteProfileChangeFeed implements ProfileChangeFeed {
  readonly #db: SqliteDatabase;
  readonly #recorder: ProfileChangeRecorder;
  readonly #acknowledge: (changes: readonly ProfileChange[]) => void;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#recorder = ProfileChangeRecorder.of(db);
    const remove = db.prepare('DELETE FROM profile_changes WHERE profile_id = ? AND seq = ?');
    this.#acknowledge = db.transaction((changes: readonly ProfileChange[]) => {
      for (const change of changes) remove.run(change.profileId, change.seq);
    });
  }

  async next(limit: number): Promise<ProfileChange[]> {
    return this.#db
      .prepare<[number], ChangeRow>('SELECT profile_id, structural, seq FROM profile_changes ORDER BY seq LIMIT ?')
      .all(limit)
      .map((row) => ({ seq: row.seq, profileId: row.profile_id, structural: row.structural === 1 }));
  }

  async acknowledge(changes: readonly ProfileChange[]): Promise<void> {
    this.#acknowledge(changes);
  }

  async size(): Promise<number> {
    return this.#db.prepare<[], { n: number }>('SELECT count(*) AS n FROM profile_changes').get()?.n ?? 0;
  }

  async lastSeq(): Promise<number> {
    return this.#recorder.lastSeq;
  }

  async pendingUpTo(seq: number): Promise<boolean> {
    return this.#db.prepare<[number], { one: number }>('SELECT 1 AS one FROM profile_changes WHERE seq <= ? LIMIT 1').get(seq) !== undefined;
  }

  async recordAllLive(): Promise<number> {
    return this.#db.transaction(() => this.#recorder.recordAllLive())();
  }
}
