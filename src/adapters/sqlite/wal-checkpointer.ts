/**
 * A SQLite file's checkpointer, run in a worker thread of its own: it copies
 * committed pages from the WAL into the database file, and fsyncs that file,
 * beside the connection that writes rather than inside its commits. Left to
 * SQLite's automatic checkpoint, that copy runs in the commit that crosses
 * 1,000 WAL pages, and whatever waits on that commit waits for it too: a
 * request waiting for its log commit, or the stages on the event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite } from './database.js';

export interface WalCheckpointerData {
  /** A database file whose owner has already opened it in WAL mode and migrated it. */
  readonly path: string;
  readonly everyMs: number;
}

const { path, everyMs } = workerData as WalCheckpointerData;
const db = openSqlite(path, []);

const timer = setInterval(() => {
  try {
    // PASSIVE: copies what it can without waiting for the writer or readers.
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Another connection holds the checkpoint (an erasure truncating the WAL): the next round copies
    // what this one could not, and the owner's own checkpoint bounds the WAL meanwhile (leaveCheckpointsToThread).
  }
}, everyMs);

parentPort!.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
