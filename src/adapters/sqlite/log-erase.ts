import { openSqlite, truncateWal } from './database.js';
import { logMigrations } from './log-schema.js';

/**
 * Erases log records for good. `secure_delete` makes SQLite overwrite deleted
 * content with zeros rather than only unlinking it; a truncating checkpoint
 * then copies the zeroed pages over the main file and empties the WAL, whose
 * frames still held the records as they were appended. Runs on a connection
 * of its own, opened for the occasion: erasure is rare, and the writer thread
 * stays a plain appender (SQLite serialises the two writers with its lock).
 * The truncation waits for a moment with no commit in flight (truncateWal);
 * under steady ingest that moment is short.
 */
export async function eraseLogRecords(path: string, offsets: readonly number[]): Promise<void> {
  const db = openSqlite(path, logMigrations);
  try {
    db.pragma('secure_delete = ON');
    const remove = db.prepare('DELETE FROM log WHERE offset = ?');
    db.transaction(() => {
      for (const offset of offsets) remove.run(offset);
    })();
    if (!(await truncateWal(db))) {
      throw new Error('the log could not be checkpointed after erasing records; the old bytes may remain in its WAL until the next checkpoint');
    }
  } finally {
    db.close();
  }
}
