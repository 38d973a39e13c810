/**
 * The embedded log's checkpointer, run in a worker thread of its own by
 * SqliteEventLog: it copies committed pages from the WAL into the database
 * file, and fsyncs that file, beside the writer rather than inside its
 * commits. Left to SQLite's automatic checkpoint, that copy ran in the commit
 * that crossed 1,000 WAL pages, and every request waiting on that commit
 * waited for it too (about a third of the commit time under load).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite } from './database.js';
import { logMigrations } from './log-schema.js';

export interface LogCheckpointerData {
  readonly path: string;
  readonly everyMs: number;
}

const { path, everyMs } = workerData as LogCheckpointerData;
const db = openSqlite(path, logMigrations);

const timer = setInterval(() => {
  try {
    // PASSIVE: copies what it can without waiting for the writer or readers.
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Another connection holds the checkpoint (an erasure truncating the WAL): the next round copies
    // what this one could not, and the writer's own checkpoint bounds the WAL meanwhile.
  }
}, everyMs);

parentPort!.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
