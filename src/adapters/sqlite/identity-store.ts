import type {
  CannotLink,
  Checkpoint,
  ConflictRecord,
  FragmentRecord,
  HistoryCause,
  IdentifierRecord,
  IdentityChanges,
  IdentityStore,
  ProfileRecord,
  StateJson,
  StoredHistoryEntry,
  TraitIndexEntry,
  TraitIndexUpdate,
  TraitSearch,
} from '../../store/index.js';
import { chunks, placeholders } from './chunks.js';
import { commitReplayable, type SqliteDatabase } from './database.js';
import { commitErasure, identityErasureWriter } from './identity-erasure.js';
import { ChangedProfiles, ProfileChangeRecorder } from './profile-changes.js';
import { RecentRecords } from './recent-records.js';

interface FragmentRow {
  key: string;
  identifiers: string;
  claim_ts: string;
  claim_message: string;
  home_profile_id: string;
  state: string;
}
interface ProfileRow {
  id: string;
  state: string;
  identifier_counts: string;
  max_claim_ts: string;
  max_claim_message: string;
  constrained: number;
  conflicted: number;
  merged_into: string | null;
  created_at: number;
  updated_at: number;
}
interface IdentifierRow {
  key: string;
  profile_id: string;
  created_at: number;
}
interface ConflictRow {
  profile_id: string;
  other_profile_id: string;
  anchor: string;
  identifier: string;
  reason: string;
  fragment_key: string;
  claim_ts: string;
  claim_message: string;
}
interface HistoryRow {
  id: number;
  kind: string;
  profile_id: string;
  other_profile_id: string;
  identifiers: string;
  at: number;
  cause: string;
}

const toFragment = (row: FragmentRow): FragmentRecord => ({
  key: row.key,
  identifiers: JSON.parse(row.identifiers) as string[],
  claim: { timestamp: row.claim_ts, messageId: row.claim_message },
  homeProfileId: row.home_profile_id,
  state: JSON.parse(row.state) as StateJson,
});
const toProfile = (row: ProfileRow): ProfileRecord => ({
  id: row.id,
  state: JSON.parse(row.state) as StateJson,
  identifierCounts: JSON.parse(row.identifier_counts) as Record<string, number>,
  maxClaim: { timestamp: row.max_claim_ts, messageId: row.max_claim_message },
  constrained: row.constrained === 1,
  conflicted: row.conflicted === 1,
  mergedInto: row.merged_into,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});
const toIdentifier = (row: IdentifierRow): IdentifierRecord => ({ key: row.key, profileId: row.profile_id, createdAt: row.created_at });
const toConflict = (row: ConflictRow): ConflictRecord => ({
  profileId: row.profile_id,
  otherProfileId: row.other_profile_id,
  anchor: row.anchor,
  identifier: row.identifier,
  reason: row.reason,
  fragmentKey: row.fragment_key,
  claim: { timestamp: row.claim_ts, messageId: row.claim_message },
});

/**
 * How much JSON text each cache keeps parsed (about twice as much heap). The
 * profile cache holds a whole log batch's profiles (2,000 at most, 10-20 KB
 * each with 200 live segments' aggregates): the stages after unify read them
 * in the order unify wrote them, and an LRU smaller than that misses them all.
 */
const defaultCacheJsonBytes = { profiles: 64 * 1024 * 1024, fragments: 16 * 1024 * 1024 };

/** A row's size in the cache: its JSON text (the state) and a little for the rest. */
const rowBytes = (stateJson: string): number => stateJson.length + 200;

interface WrittenSizes {
  readonly profiles: Map<string, number>;
  readonly fragments: Map<string, number>;
}

export class SqliteIdentityStore implements IdentityStore {
  readonly #db: SqliteDatabase;
  /** Prepared statements by SQL text: preparing costs more than running a point query. */
  readonly #statements = new Map<string, ReturnType<SqliteDatabase['prepare']>>();
  /** Returns the JSON size of each profile and fragment it wrote, for the caches. */
  readonly #commit: (changes: IdentityChanges, checkpoint: Checkpoint | undefined) => WrittenSizes;
  /**
   * Every write to these tables goes through `commit`, which updates them
   * once its transaction succeeded, so they never hold what SQLite does not.
   */
  readonly #recentProfiles: RecentRecords<ProfileRecord>;
  readonly #recentFragments: RecentRecords<FragmentRecord>;

  /** `cacheJsonBytes`, when given, bounds both caches. */
  constructor(db: SqliteDatabase, cacheJsonBytes?: number) {
    this.#db = db;
    this.#recentProfiles = new RecentRecords(cacheJsonBytes ?? defaultCacheJsonBytes.profiles);
    this.#recentFragments = new RecentRecords(cacheJsonBytes ?? defaultCacheJsonBytes.fragments);
    const upsertIdentifier = db.prepare(
      `INSERT INTO identity_identifiers (key, profile_id, created_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET profile_id = excluded.profile_id`,
    );
    const fragmentHome = db.prepare<[string], { home_profile_id: string }>('SELECT home_profile_id FROM identity_fragments WHERE key = ?');
    const updateFragment = db.prepare(
      'UPDATE identity_fragments SET claim_ts = ?, claim_message = ?, home_profile_id = ?, state = ? WHERE key = ?',
    );
    const insertFragment = db.prepare(
      `INSERT INTO identity_fragments (key, identifiers, claim_ts, claim_message, home_profile_id, state)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const insertMember = db.prepare('INSERT OR IGNORE INTO identity_fragment_members (identifier_key, fragment_key) VALUES (?, ?)');
    const upsertProfile = db.prepare(
      `INSERT INTO profiles (id, state, identifier_counts, max_claim_ts, max_claim_message, constrained, conflicted,
         merged_into, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, identifier_counts = excluded.identifier_counts,
         max_claim_ts = excluded.max_claim_ts, max_claim_message = excluded.max_claim_message,
         constrained = excluded.constrained, conflicted = excluded.conflicted, merged_into = excluded.merged_into,
         created_at = excluded.created_at, updated_at = excluded.updated_at`,
    );
    const insertHistory = db.prepare(
      'INSERT INTO profile_history (kind, profile_id, other_profile_id, identifiers, at, cause) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const deleteConflicts = db.prepare('DELETE FROM identity_conflicts WHERE profile_id = ? OR other_profile_id = ?');
    const insertConflict = db.prepare(
      `INSERT INTO identity_conflicts (profile_id, other_profile_id, anchor, identifier, reason, fragment_key, claim_ts, claim_message)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertCannotLink = db.prepare('INSERT OR IGNORE INTO identity_cannot_links (a, b) VALUES (?, ?)');
    const applyTraitIndex = this.#traitIndexWriter(db);
    const erase = identityErasureWriter(db);
    const saveCheckpoint = db.prepare(
      `INSERT INTO checkpoints (consumer, partition, offset) VALUES (?, ?, ?)
       ON CONFLICT (consumer, partition) DO UPDATE SET offset = excluded.offset`,
    );

    const recorder = ProfileChangeRecorder.of(db);

    this.#commit = db.transaction((changes: IdentityChanges, checkpoint: Checkpoint | undefined) => {
      // What the profile mirror must look at again (see ProfileChangeFeed): every profile written, and whose fragments changed.
      const changed = new ChangedProfiles();
      const written: WrittenSizes = { profiles: new Map(), fragments: new Map() };
      if (changes.erasure) {
        erase(changes.erasure);
        for (const id of changes.erasure.profileIds) changed.mark(id, true);
      }
      for (const i of changes.identifiers) upsertIdentifier.run(i.key, i.profileId, i.createdAt);
      for (const f of changes.fragments) {
        const state = JSON.stringify(f.state);
        written.fragments.set(f.key, rowBytes(state));
        const home = fragmentHome.get(f.key)?.home_profile_id;
        if (home === undefined) {
          insertFragment.run(f.key, JSON.stringify(f.identifiers), f.claim.timestamp, f.claim.messageId, f.homeProfileId, state);
          for (const identifier of f.identifiers) insertMember.run(identifier, f.key);
          changed.mark(f.homeProfileId, true);
        } else {
          updateFragment.run(f.claim.timestamp, f.claim.messageId, f.homeProfileId, state, f.key);
          if (home !== f.homeProfileId) {
            changed.mark(home, true);
            changed.mark(f.homeProfileId, true);
          }
        }
      }
      for (const p of changes.profiles) {
        // An erasure rebuilds the profiles that shared fragments with the person: those fragments are gone.
        if (changes.factsUnchanged !== true) changed.mark(p.id, p.mergedInto !== null || changes.erasure !== undefined);
        if (p.mergedInto !== null) changed.mark(p.mergedInto, true);
        const state = JSON.stringify(p.state);
        written.profiles.set(p.id, rowBytes(state));
        upsertProfile.run(
          p.id,
          state,
          JSON.stringify(p.identifierCounts),
          p.maxClaim.timestamp,
          p.maxClaim.messageId,
          p.constrained ? 1 : 0,
          p.conflicted ? 1 : 0,
          p.mergedInto,
          p.createdAt,
          p.updatedAt,
        );
      }
      for (const h of changes.history) {
        insertHistory.run(h.kind, h.profileId, h.otherProfileId, JSON.stringify(h.identifiers), h.at, JSON.stringify(h.cause));
        changed.mark(h.profileId, true);
        changed.mark(h.otherProfileId, true);
      }
      recorder.record(changed);
      for (const id of changes.conflicts.replaceFor) deleteConflicts.run(id, id);
      for (const c of changes.conflicts.add) {
        insertConflict.run(c.profileId, c.otherProfileId, c.anchor, c.identifier, c.reason, c.fragmentKey, c.claim.timestamp, c.claim.messageId);
      }
      for (const link of changes.cannotLinks) insertCannotLink.run(link.a, link.b);
      applyTraitIndex(changes);
      if (checkpoint) saveCheckpoint.run(checkpoint.consumer, checkpoint.partition, checkpoint.offset);
      return written;
    });
  }

  async identifiers(keys: readonly string[]): Promise<Map<string, IdentifierRecord>> {
    return new Map(this.#rowsByKeys<IdentifierRow>('identity_identifiers', 'key', keys).map((row) => [row.key, toIdentifier(row)]));
  }

  async fragments(keys: readonly string[]): Promise<Map<string, FragmentRecord>> {
    return this.#cachedByKeys(this.#recentFragments, keys, (missing) =>
      this.#rowsByKeys<FragmentRow>('identity_fragments', 'key', missing).map((row) => [row.key, toFragment(row), rowBytes(row.state)] as const),
    );
  }

  async fragmentHomes(keys: readonly string[]): Promise<Map<string, string>> {
    const homes = new Map<string, string>();
    const missing: string[] = [];
    for (const key of keys) {
      const home = this.#recentFragments.get(key)?.homeProfileId;
      if (home === undefined) missing.push(key);
      else homes.set(key, home);
    }
    for (const chunk of chunks(missing)) {
      const rows = this.#prepare<string[], { key: string; home_profile_id: string }>(
        `SELECT key, home_profile_id FROM identity_fragments WHERE key IN (${placeholders(chunk.length)})`,
      ).all(...chunk);
      for (const row of rows) homes.set(row.key, row.home_profile_id);
    }
    return homes;
  }

  async profiles(ids: readonly string[]): Promise<Map<string, ProfileRecord>> {
    return this.#cachedByKeys(this.#recentProfiles, ids, (missing) =>
      this.#rowsByKeys<ProfileRow>('profiles', 'id', missing).map((row) => [row.id, toProfile(row), rowBytes(row.state)] as const),
    );
  }

  async fragmentsContaining(identifierKeys: readonly string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>();
    for (const chunk of chunks(identifierKeys)) {
      const rows = this.#prepare<string[], { identifier_key: string; fragment_key: string }>(
          `SELECT identifier_key, fragment_key FROM identity_fragment_members WHERE identifier_key IN (${placeholders(chunk.length)})`,
        )
        .all(...chunk);
      for (const row of rows) result.set(row.identifier_key, [...(result.get(row.identifier_key) ?? []), row.fragment_key]);
    }
    return result;
  }

  async identifiersOf(profileId: string): Promise<IdentifierRecord[]> {
    return this.#prepare<[string], IdentifierRow>('SELECT * FROM identity_identifiers WHERE profile_id = ? ORDER BY key')
      .all(profileId)
      .map(toIdentifier);
  }

  async fragmentsOf(profileId: string): Promise<FragmentRecord[]> {
    const keys = this.#prepare<[string], { key: string }>('SELECT key FROM identity_fragments WHERE home_profile_id = ?')
      .all(profileId)
      .map((row) => row.key);
    const fragments = await this.fragments(keys);
    return keys.flatMap((key) => fragments.get(key) ?? []);
  }

  async cannotLinks(identifierKeys: readonly string[]): Promise<CannotLink[]> {
    const links: CannotLink[] = [];
    for (const chunk of chunks(identifierKeys)) {
      const marks = chunk.map(() => '?').join(',');
      links.push(
        ...this.#prepare<string[], CannotLink>(`SELECT a, b FROM identity_cannot_links WHERE a IN (${marks}) OR b IN (${marks})`)
          .all(...chunk, ...chunk),
      );
    }
    return links;
  }

  async conflictsOf(profileId: string): Promise<ConflictRecord[]> {
    return this.#prepare<[string, string], ConflictRow>('SELECT * FROM identity_conflicts WHERE profile_id = ? OR other_profile_id = ? ORDER BY id')
      .all(profileId, profileId)
      .map(toConflict);
  }

  async historyOf(profileId: string): Promise<StoredHistoryEntry[]> {
    return this.#prepare<[string, string], HistoryRow>('SELECT * FROM profile_history WHERE profile_id = ? OR other_profile_id = ? ORDER BY id')
      .all(profileId, profileId)
      .map((row) => ({
        id: row.id,
        kind: row.kind as StoredHistoryEntry['kind'],
        profileId: row.profile_id,
        otherProfileId: row.other_profile_id,
        identifiers: JSON.parse(row.identifiers) as string[],
        at: row.at,
        cause: JSON.parse(row.cause) as StoredHistoryEntry['cause'],
      }));
  }

  async mergeCauses(survivorIds: readonly string[]): Promise<Map<string, string[]>> {
    const causes = new Map<string, string[]>();
    for (const chunk of chunks([...new Set(survivorIds)])) {
      const rows = this.#prepare<string[], Pick<HistoryRow, 'profile_id' | 'cause'>>(
        `SELECT profile_id, cause FROM profile_history WHERE kind = 'merge' AND profile_id IN (${placeholders(chunk.length)})`,
      ).all(...chunk);
      for (const row of rows) {
        const cause = JSON.parse(row.cause) as HistoryCause;
        if (!('messageId' in cause)) continue;
        causes.set(row.profile_id, [...(causes.get(row.profile_id) ?? []), cause.messageId]);
      }
    }
    return causes;
  }

  async mergedInto(survivorId: string): Promise<string[]> {
    return this.#prepare<[string], { id: string }>('SELECT id FROM profiles WHERE merged_into = ?')
      .all(survivorId)
      .map((row) => row.id);
  }

  async searchIdentifiers(prefix: string, limit: number): Promise<IdentifierRecord[]> {
    // A range on the primary key: everything from the prefix up to the prefix followed by the highest code point.
    return this.#prepare<[string, string, number], IdentifierRow>('SELECT * FROM identity_identifiers WHERE key >= ? AND key < ? ORDER BY key LIMIT ?')
      .all(prefix, `${prefix}\u{10ffff}`, limit)
      .map(toIdentifier);
  }

  async searchTraits(search: TraitSearch): Promise<string[]> {
    const rows =
      search.match === 'exact'
        ? this.#prepare<[string, string, number], { profile_id: string }>(
            'SELECT profile_id FROM profile_trait_index WHERE trait = ? AND value_text = ? ORDER BY profile_id LIMIT ?',
          ).all(search.trait, search.text, search.limit)
        : this.#prepare<[string, string, string, number], { profile_id: string }>(
            `SELECT profile_id FROM profile_trait_index WHERE trait = ? AND value_text >= ? AND value_text < ? AND kind = 'string'
             ORDER BY value_text, profile_id LIMIT ?`,
          ).all(search.trait, search.text, `${search.text}\u{10ffff}`, search.limit);
    return rows.map((row) => row.profile_id);
  }

  async traitIndexRules(): Promise<string | null> {
    return this.#prepare<[], { rules: string }>('SELECT rules FROM profile_trait_index_rules WHERE id = 1').get()?.rules ?? null;
  }

  async liveProfiles(afterId: string, limit: number): Promise<ProfileRecord[]> {
    return this.#prepare<[string, number], ProfileRow>('SELECT * FROM profiles WHERE id > ? AND merged_into IS NULL ORDER BY id LIMIT ?')
      .all(afterId, limit)
      .map(toProfile);
  }

  async erasedIdentifierHashes(): Promise<string[]> {
    return this.#prepare<[], { hash: string }>('SELECT hash FROM erased_identifiers')
      .all()
      .map((row) => row.hash);
  }

  async commit(changes: IdentityChanges, checkpoint?: Checkpoint): Promise<void> {
    const write = (): WrittenSizes => this.#commit(changes, checkpoint);
    if (changes.erasure) {
      try {
        await commitErasure(this.#db, write);
      } finally {
        // Rare, and it also rewrites the profiles that shared fragments with the person: start afresh,
        // also when the checkpoint after the commit fails.
        this.#recentProfiles.clear();
        this.#recentFragments.clear();
      }
      return;
    }
    // A stage's batch: the log replays it if the disk loses it.
    const written = checkpoint !== undefined ? commitReplayable(this.#db, write) : write();
    this.#remember(changes, written);
  }

  async checkpoint(consumer: string, partition: number): Promise<number> {
    const row = this.#prepare<[string, number], { offset: number }>('SELECT offset FROM checkpoints WHERE consumer = ? AND partition = ?')
      .get(consumer, partition);
    return row?.offset ?? 0;
  }

  /**
   * Writes a commit's trait index changes: each listed profile's rows become
   * its entries (only the rows that differ are touched, since most batches
   * leave most traits as they were); merged and erased profiles leave the index.
   */
  #traitIndexWriter(db: SqliteDatabase): (changes: IdentityChanges) => void {
    const rowsOf = db.prepare<[string], { trait: string; value_text: string; kind: string }>(
      'SELECT trait, value_text, kind FROM profile_trait_index WHERE profile_id = ?',
    );
    const insert = db.prepare('INSERT OR REPLACE INTO profile_trait_index (trait, value_text, profile_id, kind) VALUES (?, ?, ?, ?)');
    const remove = db.prepare('DELETE FROM profile_trait_index WHERE trait = ? AND value_text = ? AND profile_id = ?');
    const removeProfile = db.prepare('DELETE FROM profile_trait_index WHERE profile_id = ?');
    const saveRules = db.prepare('INSERT INTO profile_trait_index_rules (id, rules) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET rules = excluded.rules');
    const replace = ({ profileId, entries }: TraitIndexUpdate): void => {
      const wanted = new Map<string, TraitIndexEntry>(entries.map((e) => [e.trait, e]));
      for (const row of rowsOf.all(profileId)) {
        const entry = wanted.get(row.trait);
        if (entry?.text === row.value_text && entry.kind === row.kind) wanted.delete(row.trait);
        else remove.run(row.trait, row.value_text, profileId);
      }
      for (const entry of wanted.values()) insert.run(entry.trait, entry.text, profileId, entry.kind);
    };
    return (changes) => {
      for (const update of changes.traitIndex ?? []) replace(update);
      for (const p of changes.profiles) if (p.mergedInto !== null) removeProfile.run(p.id);
      for (const id of changes.erasure?.profileIds ?? []) removeProfile.run(id);
      if (changes.traitIndexRules !== undefined) saveRules.run(changes.traitIndexRules);
    };
  }

  #prepare<Params extends unknown[], Row>(sql: string) {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement as unknown as { all(...params: Params): Row[]; get(...params: Params): Row | undefined };
  }

  /** After a successful commit: what it wrote is what the next reader gets. */
  #remember(changes: IdentityChanges, written: WrittenSizes): void {
    for (const p of changes.profiles) this.#recentProfiles.set(p.id, p, written.profiles.get(p.id) ?? 0);
    for (const f of changes.fragments) this.#recentFragments.set(f.key, f, written.fragments.get(f.key) ?? 0);
  }

  #cachedByKeys<T extends { readonly state: object }>(
    recent: RecentRecords<T>,
    keys: readonly string[],
    load: (missing: readonly string[]) => (readonly [string, T, number])[],
  ): Map<string, T> {
    const result = new Map<string, T>();
    const missing: string[] = [];
    for (const key of keys) {
      const record = recent.get(key);
      if (record === undefined) missing.push(key);
      else result.set(key, record);
    }
    if (missing.length === 0) return result;
    for (const [key, record, bytes] of load(missing)) {
      recent.set(key, record, bytes);
      result.set(key, record);
    }
    return result;
  }

  #rowsByKeys<Row>(table: string, column: string, keys: readonly string[]): Row[] {
    return chunks(keys).flatMap((chunk) =>
      this.#prepare<string[], Row>(`SELECT * FROM ${table} WHERE ${column} IN (${placeholders(chunk.length)})`).all(...chunk),
    );
  }
}
