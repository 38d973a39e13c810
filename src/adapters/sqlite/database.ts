import { setTimeout as sleep } from 'node:timers/promises';
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

/**
 * For the owner of a file whose checkpoints run on a thread of their own
 * (wal-checkpointer.ts): its connection checkpoints only once the WAL passes
 * ~64 MB (16,384 pages), should that thread fall behind, which also lets the
 * WAL start over from its beginning.
 */
export function leaveCheckpointsToThread(db: SqliteDatabase): void {
  db.pragma('wal_autocheckpoint = 16384');
}

export interface TruncateWalOptions {
  /** How long to keep trying (default 30 s). */
  readonly deadlineMs?: number;
  /** How long each attempt may wait inside SQLite, and the pause between attempts (default 25 ms). */
  readonly pauseMs?: number;
}

/**
 * Copies the whole WAL into the database file and empties it (a truncating
 * checkpoint), so that no WAL frame keeps what an erasure has just
 * overwritten. It needs a moment with no commit in flight, no reader on an
 * older snapshot and no other checkpoint running, such as a checkpointer
 * thread's (see wal-checkpointer.ts). SQLite's busy handler would wait for
 * that moment on this thread, blocking the event loop, and is not called at
 * all while another connection checkpoints; so each attempt waits briefly and
 * the pauses between attempts are asynchronous. False when the deadline passed.
 */
export async function truncateWal(db: SqliteDatabase, options: TruncateWalOptions = {}): Promise<boolean> {
  const { deadlineMs = 30_000, pauseMs = 25 } = options;
  const busyTimeout = Number(db.pragma('busy_timeout', { simple: true }));
  db.pragma(`busy_timeout = ${pauseMs}`);
  try {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      if (result !== undefined && result.busy === 0) return true;
      if (Date.now() >= deadline) return false;
      await sleep(pauseMs);
    }
  } finally {
    db.pragma(`busy_timeout = ${busyTimeout}`);
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
