import { setTimeout as sleep } from 'node:timers/promises';
import { openSqlite } from './database.js';
import { logMigrations } from './log-schema.js';

interface CheckpointResult {
  readonly busy: number;
  readonly log: number;
  readonly checkpointed: number;
}

/** How long an erasure keeps trying to truncate the WAL while the writer and the checkpointer are busy. */
const truncateDeadlineMs = 30_000;
const truncatePauseMs = 25;

/**
 * Erases log records for good. `secure_delete` makes SQLite overwrite deleted
 * content with zeros rather than only unlinking it; a truncating checkpoint
 * then copies the zeroed pages over the main file and empties the WAL, whose
 * frames still held the records as they were appended. Runs on a connection
 * of its own, opened for the occasion: erasure is rare, and the writer thread
 * stays a plain appender (SQLite serialises the two writers with its lock).
 *
 * The truncation needs a moment with no commit in flight and no other
 * checkpoint running; under steady ingest that moment is short. Waiting for it
 * inside SQLite's busy handler would block the event loop (this connection is
 * synchronous), so each attempt waits briefly and the pauses between attempts
 * are asynchronous.
 */
export async function eraseLogRecords(path: string, offsets: readonly number[]): Promise<void> {
  const db = openSqlite(path, logMigrations);
  try {
    db.pragma('secure_delete = ON');
    const remove = db.prepare('DELETE FROM log WHERE offset = ?');
    db.transaction(() => {
      for (const offset of offsets) remove.run(offset);
    })();
    db.pragma(`busy_timeout = ${truncatePauseMs}`);
    const deadline = Date.now() + truncateDeadlineMs;
    for (;;) {
      const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as CheckpointResult[];
      if (result !== undefined && result.busy === 0) return;
      if (Date.now() >= deadline) {
        throw new Error('the log could not be checkpointed after erasing records; the old bytes may remain in its WAL until the next checkpoint');
      }
      await sleep(truncatePauseMs);
    }
  } finally {
    db.close();
  }
}
