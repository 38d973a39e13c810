/**
 * Reads the identity graph Tessera built, from its state database opened
 * read-only after a clean stop (tables: src/adapters/sqlite/operational-migrations.ts).
 * An identifier row names the profile it was linked to, which may since have
 * been merged away: `merged_into` leads to the live profile.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface StoredGraph {
  /** Identifier key to live profile id. */
  readonly profileOf: Map<string, string>;
  readonly liveProfiles: number;
  readonly mergedProfiles: number;
  readonly conflicts: number;
  readonly merges: number;
  readonly splits: number;
}

export function readGraph(dataDir: string): StoredGraph {
  const db = new Database(join(dataDir, 'state.db'), { readonly: true, fileMustExist: true });
  try {
    const survivor = new Map<string, string | null>();
    for (const row of db.prepare<[], { id: string; merged_into: string | null }>('SELECT id, merged_into FROM profiles').iterate()) {
      survivor.set(row.id, row.merged_into);
    }
    const live = (id: string): string => {
      let current = id;
      for (let hops = 0; hops < 100; hops++) {
        const next = survivor.get(current);
        if (next === undefined) throw new Error(`identifier linked to profile ${current}, which does not exist`);
        if (next === null) return current;
        current = next;
      }
      throw new Error(`merged_into cycle from profile ${id}`);
    };
    const profileOf = new Map<string, string>();
    for (const row of db.prepare<[], { key: string; profile_id: string }>('SELECT key, profile_id FROM identity_identifiers').iterate()) {
      profileOf.set(row.key, live(row.profile_id));
    }
    const count = (sql: string): number => db.prepare<[], { n: number }>(sql).get()!.n;
    return {
      profileOf,
      liveProfiles: count('SELECT COUNT(*) AS n FROM profiles WHERE merged_into IS NULL'),
      mergedProfiles: count('SELECT COUNT(*) AS n FROM profiles WHERE merged_into IS NOT NULL'),
      conflicts: count('SELECT COUNT(*) AS n FROM identity_conflicts'),
      merges: count("SELECT COUNT(*) AS n FROM profile_history WHERE kind = 'merge'"),
      splits: count("SELECT COUNT(*) AS n FROM profile_history WHERE kind = 'split'"),
    };
  } finally {
    db.close();
  }
}
