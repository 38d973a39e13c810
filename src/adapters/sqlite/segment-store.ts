import type Database from 'better-sqlite3';
import type { CollectedMessage, Condition } from '../../contracts/index.js';
import type {
  Checkpoint,
  InitialMemberships,
  Membership,
  OutboxEntry,
  SegmentChanges,
  SegmentRecord,
  SegmentStatus,
  SegmentStore,
} from '../../store/index.js';
import { commitReplayable, type SqliteDatabase } from './database.js';
import { ChangedProfiles, ProfileChangeRecorder } from './profile-changes.js';

interface SegmentRow {
  id: string;
  name: string;
  condition: string;
  text: string;
  status: string;
  error: string | null;
  created_at: number;
  updated_at: number;
}
interface MemberRow {
  segment_id: string;
  profile_id: string;
  since: number;
}

const toSegment = (row: SegmentRow): SegmentRecord => ({
  id: row.id,
  name: row.name,
  condition: JSON.parse(row.condition) as Condition,
  text: row.text,
  status: row.status as SegmentStatus,
  error: row.error,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});
const toMembership = (row: MemberRow): Membership => ({ segmentId: row.segment_id, profileId: row.profile_id, since: row.since });

export class SqliteSegmentStore implements SegmentStore {
  readonly #db: SqliteDatabase;
  readonly #commit: (changes: SegmentChanges, checkpoint: Checkpoint | undefined) => void;
  readonly #initialize: (changes: InitialMemberships) => void;
  readonly #recorder: ProfileChangeRecorder;
  readonly #membershipsOfProfile: Database.Statement<[string], [string, number]>;
  readonly #segmentIdsOfProfile: Database.Statement<[string], string>;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#membershipsOfProfile = db.prepare<[string], [string, number]>('SELECT segment_id, since FROM segment_members WHERE profile_id = ?').raw();
    this.#segmentIdsOfProfile = db.prepare<[string], string>('SELECT segment_id FROM segment_members WHERE profile_id = ?').pluck();
    const enter = db.prepare('INSERT OR IGNORE INTO segment_members (segment_id, profile_id, since) VALUES (?, ?, ?)');
    const exit = db.prepare('DELETE FROM segment_members WHERE segment_id = ? AND profile_id = ?');
    const setTimer = db.prepare(
      // Most evaluations leave a profile's next moment of change as it was: such a row is not written again.
      'INSERT INTO segment_timers (profile_id, due_at) VALUES (?, ?) ON CONFLICT (profile_id) DO UPDATE SET due_at = excluded.due_at WHERE due_at IS NOT excluded.due_at',
    );
    const clearTimer = db.prepare('DELETE FROM segment_timers WHERE profile_id = ?');
    const queue = db.prepare('INSERT INTO outbox (message) VALUES (?)');
    const saveCheckpoint = db.prepare(
      `INSERT INTO checkpoints (consumer, partition, offset) VALUES (?, ?, ?)
       ON CONFLICT (consumer, partition) DO UPDATE SET offset = excluded.offset`,
    );
    const recorder = ProfileChangeRecorder.of(db);
    this.#recorder = recorder;
    this.#commit = db.transaction((changes: SegmentChanges, checkpoint: Checkpoint | undefined) => {
      // Memberships are facts of the profile mirror: a profile that entered or exited is mirrored again.
      const changed = new ChangedProfiles();
      for (const m of changes.entered) if (enter.run(m.segmentId, m.profileId, m.since).changes > 0) changed.mark(m.profileId, false);
      for (const m of changes.exited) if (exit.run(m.segmentId, m.profileId).changes > 0) changed.mark(m.profileId, false);
      for (const t of changes.timers) {
        if (t.dueAt === null) clearTimer.run(t.profileId);
        else setTimer.run(t.profileId, t.dueAt);
      }
      for (const message of changes.outbox) queue.run(JSON.stringify(message));
      recorder.record(changed);
      if (checkpoint) saveCheckpoint.run(checkpoint.consumer, checkpoint.partition, checkpoint.offset);
    });
    const timerNoLater = db.prepare(
      'INSERT INTO segment_timers (profile_id, due_at) VALUES (?, ?) ON CONFLICT (profile_id) DO UPDATE SET due_at = min(due_at, excluded.due_at)',
    );
    this.#initialize = db.transaction((changes: InitialMemberships) => {
      const changed = new ChangedProfiles();
      for (const m of changes.entered) if (enter.run(changes.segmentId, m.profileId, m.since).changes > 0) changed.mark(m.profileId, false);
      for (const profileId of changes.exited) if (exit.run(changes.segmentId, profileId).changes > 0) changed.mark(profileId, false);
      for (const t of changes.timers) timerNoLater.run(t.profileId, t.dueAt);
      recorder.record(changed);
    });
  }

  async create(segment: SegmentRecord): Promise<void> {
    this.#db
      .prepare('INSERT INTO segments (id, name, condition, text, status, error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(segment.id, segment.name, JSON.stringify(segment.condition), segment.text, segment.status, segment.error, segment.createdAt, segment.updatedAt);
  }

  async update(segment: SegmentRecord): Promise<SegmentRecord | undefined> {
    const { changes } = this.#db
      .prepare('UPDATE segments SET name = ?, condition = ?, text = ?, status = ?, error = ?, updated_at = ? WHERE id = ?')
      .run(segment.name, JSON.stringify(segment.condition), segment.text, segment.status, segment.error, segment.updatedAt, segment.id);
    return changes === 0 ? undefined : segment;
  }

  async get(id: string): Promise<SegmentRecord | undefined> {
    const row = this.#db.prepare<[string], SegmentRow>('SELECT * FROM segments WHERE id = ?').get(id);
    return row && toSegment(row);
  }

  async getByName(name: string): Promise<SegmentRecord | undefined> {
    const row = this.#db.prepare<[string], SegmentRow>('SELECT * FROM segments WHERE name = ?').get(name);
    return row && toSegment(row);
  }

  async list(): Promise<SegmentRecord[]> {
    return this.#db.prepare<[], SegmentRow>('SELECT * FROM segments ORDER BY created_at, id').all().map(toSegment);
  }

  async delete(id: string): Promise<boolean> {
    return this.#db.transaction(() => {
      const members = this.#db.prepare<[string], { profile_id: string }>('SELECT profile_id FROM segment_members WHERE segment_id = ?').all(id);
      this.#recorder.record(new Map(members.map((m) => [m.profile_id, false])));
      this.#db.prepare('DELETE FROM segment_members WHERE segment_id = ?').run(id);
      return this.#db.prepare('DELETE FROM segments WHERE id = ?').run(id).changes > 0;
    })();
  }

  // One statement per profile: a profile has tens of memberships, and SQLite answers an IN list of
  // profiles several times slower than the same lookups one by one (better-sqlite3 runs them without a round trip).
  async membershipsOf(profileIds: readonly string[]): Promise<Map<string, Membership[]>> {
    const result = new Map<string, Membership[]>();
    for (const id of profileIds) {
      if (!result.has(id)) result.set(id, this.#membershipsOfProfile.all(id).map(([segmentId, since]) => ({ segmentId, profileId: id, since })));
    }
    return result;
  }

  async segmentIdsOf(profileIds: readonly string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>();
    for (const id of profileIds) if (!result.has(id)) result.set(id, this.#segmentIdsOfProfile.all(id));
    return result;
  }

  async members(segmentId: string, page: { limit: number; after?: string | undefined }): Promise<Membership[]> {
    return this.#db
      .prepare<[string, string, number], MemberRow>(
        'SELECT * FROM segment_members WHERE segment_id = ? AND profile_id > ? ORDER BY profile_id LIMIT ?',
      )
      .all(segmentId, page.after ?? '', page.limit)
      .map(toMembership);
  }

  async size(segmentId: string): Promise<number> {
    return this.#db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM segment_members WHERE segment_id = ?').get(segmentId)?.n ?? 0;
  }

  async dueTimers(now: number, limit: number): Promise<string[]> {
    return this.#db
      .prepare<[number, number], { profile_id: string }>('SELECT profile_id FROM segment_timers WHERE due_at <= ? ORDER BY due_at LIMIT ?')
      .all(now, limit)
      .map((row) => row.profile_id);
  }

  async commit(changes: SegmentChanges, checkpoint?: Checkpoint): Promise<void> {
    // A stage's batch: the log replays it if the disk loses it; but the relay takes outbox entries out of the store at once.
    if (checkpoint !== undefined && changes.outbox.length === 0) commitReplayable(this.#db, () => this.#commit(changes, checkpoint));
    else this.#commit(changes, checkpoint);
  }

  async initialize(changes: InitialMemberships): Promise<void> {
    this.#initialize(changes);
  }

  async checkpoint(consumer: string, partition: number): Promise<number> {
    const row = this.#db
      .prepare<[string, number], { offset: number }>('SELECT offset FROM checkpoints WHERE consumer = ? AND partition = ?')
      .get(consumer, partition);
    return row?.offset ?? 0;
  }

  async outbox(limit: number): Promise<OutboxEntry[]> {
    return this.#db
      .prepare<[number], { id: number; message: string }>('SELECT id, message FROM outbox ORDER BY id LIMIT ?')
      .all(limit)
      .map((row) => ({ id: row.id, message: JSON.parse(row.message) as CollectedMessage }));
  }

  async clearOutbox(ids: readonly number[]): Promise<void> {
    const remove = this.#db.prepare('DELETE FROM outbox WHERE id = ?');
    this.#db.transaction(() => {
      for (const id of ids) remove.run(id);
    })();
  }
}
