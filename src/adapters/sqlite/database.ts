import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/** One schema change; applied once, in order, inside a transaction. */
export interface Migration {
  readonly version: number;
  readonly sql: string;
}

/**
 * Opens a SQLite file in WAL mode with full sync: a commit returns only once
 * the WAL is fsync'd, which is what "durable before acknowledged" rests on.
 */
export function openSqlite(path: string, migrations: readonly Migration[]): SqliteDatabase {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db, migrations);
  return db;
}

/**
 * Runs `commit` (one transaction) without waiting for the disk, with
 * synchronous=NORMAL: for a stage's batch whose checkpoint moves in the same
 * transaction, which an OS crash may lose only to have the stage apply those
 * log records again. A process crash loses nothing even so (the WAL is in the
 * OS's cache), and the next commit that does wait, any at the usual FULL,
 * makes it durable too: it syncs the WAL, which holds both. Not for commits
 * whose effects leave the store (an outbox read by a relay), nor for what an
 * API call acknowledges.
 */
export function commitReplayable<T>(db: SqliteDatabase, commit: () => T): T {
  db.pragma('synchronous = NORMAL');
  try {
    return commit();
  } finally {
    db.pragma('synchronous = FULL');
  }
}

function migrate(db: SqliteDatabase, migrations: readonly Migration[]): void {
  const current = Number(db.pragma('user_version', { simple: true }));
  const pending = migrations.filter((m) => m.version > current).sort((a, b) => a.version - b.version);
  for (const migration of pending) {
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}
