import type { ContactPolicies, JourneyDefinition, JourneyStatus } from '../../contracts/index.js';
import type {
  Checkpoint,
  InstanceHistoryRecord,
  InstanceRecord,
  JourneyChanges,
  JourneyRecord,
  JourneyStats,
  JourneyStore,
  JourneyVersionRecord,
  PendingWebhook,
  SendRecord,
  WebhookRequest,
} from '../../store/index.js';
import type Database from 'better-sqlite3';
import { commitReplayable, type SqliteDatabase } from './database.js';

interface JourneyRow {
  id: string;
  name: string;
  status: string;
  live_version: number | null;
  latest_version: number;
  scheduled_at: number | null;
  created_at: number;
  updated_at: number;
}
interface InstanceRow {
  id: string;
  journey_id: string;
  version: number;
  profile_id: string;
  status: string;
  step: string | null;
  visit: number;
  step_entered_at: number;
  wake_at: number | null;
  waiting_for: string | null;
  entry: string;
  variant: string | null;
  holdout: number;
  converted: number;
  entered_at: number;
  ended_at: number | null;
  exit_reason: string | null;
}
interface SendRow {
  idempotency_key: string;
  instance_id: string;
  journey_id: string;
  profile_id: string;
  step: string;
  channel: string;
  category: string;
  template: string;
  variant: string | null;
  at: number;
}

const toJourney = (r: JourneyRow): JourneyRecord => ({
  id: r.id,
  name: r.name,
  status: r.status as JourneyStatus,
  liveVersion: r.live_version,
  latestVersion: r.latest_version,
  scheduledAt: r.scheduled_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
const toInstance = (r: InstanceRow): InstanceRecord => ({
  id: r.id,
  journeyId: r.journey_id,
  version: r.version,
  profileId: r.profile_id,
  status: r.status as InstanceRecord['status'],
  step: r.step,
  visit: r.visit,
  stepEnteredAt: r.step_entered_at,
  wakeAt: r.wake_at,
  waitingFor: r.waiting_for,
  entry: JSON.parse(r.entry) as InstanceRecord['entry'],
  variant: r.variant,
  holdout: r.holdout === 1,
  converted: r.converted === 1,
  enteredAt: r.entered_at,
  endedAt: r.ended_at,
  exitReason: r.exit_reason,
});
const toSend = (r: SendRow): SendRecord => ({
  idempotencyKey: r.idempotency_key,
  instanceId: r.instance_id,
  journeyId: r.journey_id,
  profileId: r.profile_id,
  step: r.step,
  channel: r.channel as SendRecord['channel'],
  category: r.category as SendRecord['category'],
  template: r.template,
  variant: r.variant,
  at: r.at,
});

export class SqliteJourneyStore implements JourneyStore {
  readonly #db: SqliteDatabase;
  readonly #statements = new Map<string, Database.Statement<unknown[], unknown>>();
  readonly #commit: (changes: JourneyChanges, checkpoint: Checkpoint | undefined) => void;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    const upsertInstance = db.prepare(
      `INSERT INTO journey_instances (id, journey_id, version, profile_id, status, step, visit, step_entered_at, wake_at, waiting_for,
         entry, variant, holdout, converted, entered_at, ended_at, exit_reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET journey_id = excluded.journey_id, version = excluded.version, profile_id = excluded.profile_id,
         status = excluded.status, step = excluded.step, visit = excluded.visit, step_entered_at = excluded.step_entered_at,
         wake_at = excluded.wake_at, waiting_for = excluded.waiting_for, variant = excluded.variant, holdout = excluded.holdout,
         converted = excluded.converted, ended_at = excluded.ended_at, exit_reason = excluded.exit_reason`,
    );
    const insertHistory = db.prepare('INSERT INTO journey_history (instance_id, at, step, kind, detail) VALUES (?, ?, ?, ?, ?)');
    const insertSend = db.prepare(
      `INSERT OR IGNORE INTO journey_sends (idempotency_key, instance_id, journey_id, profile_id, step, channel, category, template, variant, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertEffect = db.prepare('INSERT OR IGNORE INTO journey_effects (idempotency_key, instance_id, kind, payload) VALUES (?, ?, ?, ?)');
    const settleWebhook = db.prepare('UPDATE journey_effects SET done = 1, outcome = ? WHERE idempotency_key = ?');
    const saveCheckpoint = db.prepare(
      `INSERT INTO checkpoints (consumer, partition, offset) VALUES (?, ?, ?)
       ON CONFLICT (consumer, partition) DO UPDATE SET offset = excluded.offset`,
    );
    this.#commit = db.transaction((changes: JourneyChanges, checkpoint: Checkpoint | undefined) => {
      for (const i of changes.instances) {
        upsertInstance.run(
          i.id, i.journeyId, i.version, i.profileId, i.status, i.step, i.visit, i.stepEnteredAt, i.wakeAt, i.waitingFor,
          JSON.stringify(i.entry), i.variant, i.holdout ? 1 : 0, i.converted ? 1 : 0, i.enteredAt, i.endedAt, i.exitReason,
        );
      }
      for (const h of changes.history) insertHistory.run(h.instanceId, h.at, h.step, h.kind, h.detail);
      for (const s of changes.sends) {
        insertSend.run(s.idempotencyKey, s.instanceId, s.journeyId, s.profileId, s.step, s.channel, s.category, s.template, s.variant, s.at);
      }
      for (const e of changes.effects) insertEffect.run(e.idempotencyKey, e.instanceId, e.kind, JSON.stringify(e.payload));
      for (const w of changes.settledWebhooks ?? []) settleWebhook.run(JSON.stringify(w.outcome), w.idempotencyKey);
      if (checkpoint) saveCheckpoint.run(checkpoint.consumer, checkpoint.partition, checkpoint.offset);
    });
  }

  async createJourney(journey: JourneyRecord, version: JourneyVersionRecord): Promise<void> {
    this.#db.transaction(() => {
      this.#db
        .prepare('INSERT INTO journeys (id, name, status, live_version, latest_version, scheduled_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(journey.id, journey.name, journey.status, journey.liveVersion, journey.latestVersion, journey.scheduledAt, journey.createdAt, journey.updatedAt);
      this.#putVersion(version);
    })();
  }

  async updateJourney(journey: JourneyRecord): Promise<void> {
    this.#db
      .prepare('UPDATE journeys SET name = ?, status = ?, live_version = ?, latest_version = ?, scheduled_at = ?, updated_at = ? WHERE id = ?')
      .run(journey.name, journey.status, journey.liveVersion, journey.latestVersion, journey.scheduledAt, journey.updatedAt, journey.id);
  }

  async putVersion(version: JourneyVersionRecord): Promise<void> {
    this.#putVersion(version);
  }

  #putVersion(version: JourneyVersionRecord): void {
    this.#db
      .prepare(
        `INSERT INTO journey_versions (journey_id, version, definition, published_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (journey_id, version) DO UPDATE SET definition = excluded.definition, published_at = excluded.published_at`,
      )
      .run(version.journeyId, version.version, JSON.stringify(version.definition), version.publishedAt);
  }

  async journey(id: string): Promise<JourneyRecord | undefined> {
    const row = this.#db.prepare<[string], JourneyRow>('SELECT * FROM journeys WHERE id = ?').get(id);
    return row && toJourney(row);
  }

  async journeyByName(name: string): Promise<JourneyRecord | undefined> {
    const row = this.#db.prepare<[string], JourneyRow>('SELECT * FROM journeys WHERE name = ?').get(name);
    return row && toJourney(row);
  }

  async journeys(): Promise<JourneyRecord[]> {
    return this.#db.prepare<[], JourneyRow>('SELECT * FROM journeys ORDER BY created_at, id').all().map(toJourney);
  }

  async version(journeyId: string, version: number): Promise<JourneyVersionRecord | undefined> {
    const row = this.#db
      .prepare<[string, number], { journey_id: string; version: number; definition: string; published_at: number | null }>(
        'SELECT * FROM journey_versions WHERE journey_id = ? AND version = ?',
      )
      .get(journeyId, version);
    return row && { journeyId: row.journey_id, version: row.version, definition: JSON.parse(row.definition) as JourneyDefinition, publishedAt: row.published_at };
  }

  async versions(): Promise<JourneyVersionRecord[]> {
    return this.#db
      .prepare<[], { journey_id: string; version: number; definition: string; published_at: number | null }>('SELECT * FROM journey_versions ORDER BY journey_id, version')
      .all()
      .map((row) => ({ journeyId: row.journey_id, version: row.version, definition: JSON.parse(row.definition) as JourneyDefinition, publishedAt: row.published_at }));
  }

  async instancesOf(profileIds: readonly string[]): Promise<InstanceRecord[]> {
    const statement = this.#prepare<[string], InstanceRow>('SELECT * FROM journey_instances WHERE profile_id = ? ORDER BY entered_at, id');
    return [...new Set(profileIds)].flatMap((id) => statement.all(id).map(toInstance));
  }

  async instance(id: string): Promise<InstanceRecord | undefined> {
    const row = this.#prepare<[string], InstanceRow>('SELECT * FROM journey_instances WHERE id = ?').get(id);
    return row && toInstance(row);
  }

  async dueInstances(now: number, limit: number, journeyIds: readonly string[]): Promise<InstanceRecord[]> {
    if (journeyIds.length === 0) return [];
    return this.#prepare<(string | number)[], InstanceRow>(
      // The timers' index, named: with the journey filter the planner would rather take the by-journey
      // index and sort every active instance, which a million waiting people make take seconds.
      `SELECT * FROM journey_instances INDEXED BY journey_instances_by_wake
       WHERE status = 'active' AND wake_at IS NOT NULL AND wake_at <= ?
         AND journey_id IN (${journeyIds.map(() => '?').join(',')}) ORDER BY wake_at LIMIT ?`,
    )
      .all(now, ...journeyIds, limit)
      .map(toInstance);
  }


  async historyOf(instanceId: string): Promise<InstanceHistoryRecord[]> {
    return this.#prepare<[string], { instance_id: string; at: number; step: string | null; kind: string; detail: string }>(
        'SELECT instance_id, at, step, kind, detail FROM journey_history WHERE instance_id = ? ORDER BY id',
      )
      .all(instanceId)
      .map((r) => ({ instanceId: r.instance_id, at: r.at, step: r.step, kind: r.kind, detail: r.detail }));
  }

  async activeInstances(journeyId: string, version: number, afterId: string, limit: number): Promise<InstanceRecord[]> {
    return this.#db
      .prepare<[string, number, string, number], InstanceRow>(
        "SELECT * FROM journey_instances WHERE journey_id = ? AND version = ? AND status = 'active' AND id > ? ORDER BY id LIMIT ?",
      )
      .all(journeyId, version, afterId, limit)
      .map(toInstance);
  }

  async sendsOf(profileId: string, since: number): Promise<SendRecord[]> {
    return this.#prepare<[string, number], SendRow>('SELECT * FROM journey_sends WHERE profile_id = ? AND at >= ? ORDER BY at')
      .all(profileId, since)
      .map(toSend);
  }

  async listSends(page: { profileId?: string | undefined; limit: number; before?: number | undefined }): Promise<SendRecord[]> {
    const before = page.before ?? Number.MAX_SAFE_INTEGER;
    const rows =
      page.profileId === undefined
        ? this.#db.prepare<[number, number], SendRow>('SELECT * FROM journey_sends WHERE at < ? ORDER BY at DESC LIMIT ?').all(before, page.limit)
        : this.#db
            .prepare<[string, number, number], SendRow>('SELECT * FROM journey_sends WHERE profile_id = ? AND at < ? ORDER BY at DESC LIMIT ?')
            .all(page.profileId, before, page.limit);
    return rows.map(toSend);
  }

  async stats(journeyId: string): Promise<JourneyStats> {
    const totals = this.#db
      .prepare<[string], { entered: number; active: number; completed: number; exited: number; converted: number }>(
        `SELECT count(*) AS entered, coalesce(sum(status = 'active'), 0) AS active, coalesce(sum(status = 'completed'), 0) AS completed,
           coalesce(sum(status = 'exited'), 0) AS exited, coalesce(sum(converted), 0) AS converted
         FROM journey_instances WHERE journey_id = ?`,
      )
      .get(journeyId) ?? { entered: 0, active: 0, completed: 0, exited: 0, converted: 0 };
    const steps = this.#db
      .prepare<[string, string], { step: string; variant: string | null; arrived: number; here: number; converted: number }>(
        `SELECT h.step AS step, i.variant AS variant, count(*) AS arrived,
           (SELECT count(*) FROM journey_instances x WHERE x.journey_id = ? AND x.status = 'active' AND x.step = h.step
              AND x.variant IS i.variant) AS here,
           count(DISTINCT CASE WHEN i.converted = 1 THEN i.id END) AS converted
         FROM journey_history h JOIN journey_instances i ON i.id = h.instance_id
         WHERE i.journey_id = ? AND h.kind = 'arrived' GROUP BY h.step, i.variant ORDER BY h.step, i.variant`,
      )
      .all(journeyId, journeyId);
    const variants = this.#db
      .prepare<[string], { variant: string; entered: number; converted: number }>(
        `SELECT variant, count(*) AS entered, coalesce(sum(converted), 0) AS converted FROM journey_instances
         WHERE journey_id = ? AND variant IS NOT NULL GROUP BY variant ORDER BY variant`,
      )
      .all(journeyId);
    return { ...totals, steps, variants };
  }

  async policies(): Promise<ContactPolicies> {
    const row = this.#prepare<[], { policies: string }>('SELECT policies FROM contact_policies WHERE id = 1').get();
    return row === undefined ? {} : (JSON.parse(row.policies) as ContactPolicies);
  }

  async putPolicies(policies: ContactPolicies): Promise<void> {
    this.#db
      .prepare('INSERT INTO contact_policies (id, policies) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET policies = excluded.policies')
      .run(JSON.stringify(policies));
  }

  async commit(changes: JourneyChanges, checkpoint?: Checkpoint): Promise<void> {
    // A stage's batch that hands nothing to a performer (most are: no journey had anything to do) is one the
    // log replays if the disk loses it; sends, effects and settled webhooks leave the store, so they wait for it.
    const leavesTheStore = changes.sends.length > 0 || changes.effects.length > 0 || (changes.settledWebhooks?.length ?? 0) > 0;
    if (checkpoint !== undefined && !leavesTheStore) commitReplayable(this.#db, () => this.#commit(changes, checkpoint));
    else this.#commit(changes, checkpoint);
  }

  async dueWebhooks(now: number, limit: number): Promise<PendingWebhook[]> {
    return this.#prepare<[number, number], { idempotency_key: string; instance_id: string; payload: string; attempts: number }>(
        "SELECT idempotency_key, instance_id, payload, attempts FROM journey_effects WHERE kind = 'webhook' AND done = 0 AND due_at <= ? ORDER BY due_at LIMIT ?",
      )
      .all(now, limit)
      .map((r) => ({ idempotencyKey: r.idempotency_key, instanceId: r.instance_id, request: JSON.parse(r.payload) as WebhookRequest, attempts: r.attempts }));
  }

  async scheduleWebhook(idempotencyKey: string, attempts: number, dueAt: number, lastError: string | null): Promise<void> {
    this.#prepare('UPDATE journey_effects SET attempts = ?, due_at = ?, last_error = ? WHERE idempotency_key = ?').run(attempts, dueAt, lastError, idempotencyKey);
  }

  /** Statements of the hot paths (timers, passes, webhooks), prepared once. */
  #prepare<Params extends unknown[], Row = unknown>(sql: string): Database.Statement<Params, Row> {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement as Database.Statement<Params, Row>;
  }

  async checkpoint(consumer: string, partition: number): Promise<number> {
    const row = this.#prepare<[string, number], { offset: number }>('SELECT offset FROM checkpoints WHERE consumer = ? AND partition = ?')
      .get(consumer, partition);
    return row?.offset ?? 0;
  }
}
