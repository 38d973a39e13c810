import type { HistoryCause, IdentityErasure } from '../../store/index.js';
import { truncateWal, type SqliteDatabase } from './database.js';

interface HistoryRow {
  id: number;
  profile_id: string;
  other_profile_id: string;
  identifiers: string;
  cause: string;
}

/** Written in place of an erased identifier where a history entry's cause named it. */
const erasedMarker = 'erased';

/**
 * Deletes a person from the identity tables and records the erasure; run
 * inside the identity store's commit transaction (see IdentityChanges.erasure).
 */
export function identityErasureWriter(db: SqliteDatabase): (erasure: IdentityErasure) => void {
  const deleteProfile = db.prepare('DELETE FROM profiles WHERE id = ?');
  const deleteIdentifier = db.prepare('DELETE FROM identity_identifiers WHERE key = ?');
  const deleteFragment = db.prepare('DELETE FROM identity_fragments WHERE key = ?');
  const deleteMember = db.prepare('DELETE FROM identity_fragment_members WHERE identifier_key = ? AND fragment_key = ?');
  const deleteConflicts = db.prepare('DELETE FROM identity_conflicts WHERE profile_id = ? OR other_profile_id = ?');
  const deleteCannotLinks = db.prepare('DELETE FROM identity_cannot_links WHERE a = ? OR b = ?');
  const historyTouching = db.prepare<[string, string], HistoryRow>(
    'SELECT id, profile_id, other_profile_id, identifiers, cause FROM profile_history WHERE profile_id = ? OR other_profile_id = ?',
  );
  const updateHistory = db.prepare('UPDATE profile_history SET identifiers = ?, cause = ? WHERE id = ?');
  const insertErasure = db.prepare(
    `INSERT INTO erasures (id, profile_id, merged_ids, requested_by, at, identifier_hashes, erased_events)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertHash = db.prepare('INSERT OR IGNORE INTO erased_identifiers (hash, erasure_id) VALUES (?, ?)');

  /**
   * History entries keep their ids and times but stop naming the erased
   * identifiers. Besides the person's own entries, those of the profiles they
   * were merged with or split from may name them (an identifier listed before
   * it moved), so those are scrubbed too.
   */
  const scrubHistory = (profileIds: readonly string[], erased: ReadonlySet<string>): void => {
    const rows = new Map<number, HistoryRow>();
    const touching = (ids: Iterable<string>): HistoryRow[] => [...ids].flatMap((id) => historyTouching.all(id, id));
    for (const row of touching(profileIds)) rows.set(row.id, row);
    const own = new Set(profileIds);
    const neighbours = new Set([...rows.values()].flatMap((r) => [r.profile_id, r.other_profile_id]).filter((id) => !own.has(id)));
    for (const row of touching(neighbours)) rows.set(row.id, row);
    for (const row of rows.values()) {
      const identifiers = JSON.parse(row.identifiers) as string[];
      const cause = JSON.parse(row.cause) as HistoryCause;
      const kept = identifiers.filter((key) => !erased.has(key));
      const namesErased = cause.kind === 'message' && erased.has(cause.identifier);
      if (kept.length === identifiers.length && !namesErased) continue;
      updateHistory.run(JSON.stringify(kept), JSON.stringify(namesErased ? { ...cause, identifier: erasedMarker } : cause), row.id);
    }
  };

  const deleteAll = ({ profileIds, identifiers, fragments }: IdentityErasure): void => {
    for (const fragment of fragments) {
      deleteFragment.run(fragment.key);
      for (const identifier of fragment.identifiers) deleteMember.run(identifier, fragment.key);
    }
    for (const key of identifiers) {
      deleteIdentifier.run(key);
      deleteCannotLinks.run(key, key);
    }
    for (const id of profileIds) {
      deleteProfile.run(id);
      deleteConflicts.run(id, id);
    }
    scrubHistory(profileIds, new Set(identifiers));
  };

  return (erasure) => {
    deleteAll(erasure);
    const { record } = erasure;
    insertErasure.run(
      record.id,
      record.profileId,
      JSON.stringify(record.mergedIds),
      record.requestedBy,
      record.at,
      JSON.stringify(record.identifierHashes),
      record.erasedEvents,
    );
    for (const hash of record.identifierHashes) insertHash.run(hash, record.id);
  };
}

/**
 * Runs the commit of an erasure so that nothing of the person stays on disk.
 * With `secure_delete` ON, what it deletes or rewrites is overwritten with
 * zeros, freed pages included (the store otherwise runs with FAST, which
 * purges b-tree pages at no extra I/O but leaves freed pages as they were);
 * a truncating checkpoint then copies the zeroed pages over the database
 * file and empties the WAL, whose frames still held the rows as they were.
 */
export async function commitErasure(db: SqliteDatabase, commit: () => void): Promise<void> {
  const previous = Number(db.pragma('secure_delete', { simple: true }));
  db.pragma('secure_delete = ON');
  try {
    commit();
  } finally {
    db.pragma(`secure_delete = ${previous}`);
  }
  if (!(await truncateWal(db))) throw new Error('the operational store could not be checkpointed after an erasure');
}
