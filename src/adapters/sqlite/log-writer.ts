/**
 * The embedded log's writer, run in a worker thread by SqliteEventLog: it owns
 * the only connection that writes, so the inserts and the fsync that makes
 * each commit durable take no time from the event loop that serves requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { leaveCheckpointsToThread, openSqlite } from './database.js';
import { logMigrations } from './log-schema.js';

export interface LogWriterData {
  readonly path: string;
}

/** One group commit: the entries of every append gathered since the last one, serialized. */
export interface CommitRequest {
  readonly kind: 'commit';
  /** The clock's time, recorded with each new dedupe key. */
  readonly now: number;
  /** Forget dedupe keys first seen before this time; null when no pruning is due. */
  readonly pruneBefore: number | null;
  readonly dedupeKeys: readonly string[];
  readonly partitionKeys: readonly string[];
  readonly payloads: readonly string[];
}

export type WriterRequest = CommitRequest | { readonly kind: 'close' };

/** Per entry, the offset it was stored at, or 0 when its dedupe key was already known. */
export type CommitReply = { readonly offsets: number[] } | { readonly error: Error };

const port = parentPort!;
const db = openSqlite((workerData as LogWriterData).path, logMigrations);
leaveCheckpointsToThread(db);
const insertDedupe = db.prepare('INSERT OR IGNORE INTO dedupe (key, at) VALUES (?, ?)');
const insertRecord = db.prepare('INSERT INTO log (partition_key, payload) VALUES (?, ?)');
const prune = db.prepare('DELETE FROM dedupe WHERE at < ?');

const commit = db.transaction((request: CommitRequest): number[] => {
  const { now, dedupeKeys, partitionKeys, payloads } = request;
  const offsets = new Array<number>(dedupeKeys.length);
  for (let i = 0; i < dedupeKeys.length; i++) {
    offsets[i] =
      insertDedupe.run(dedupeKeys[i], now).changes === 0 ? 0 : Number(insertRecord.run(partitionKeys[i], payloads[i]).lastInsertRowid);
  }
  return offsets;
});

port.on('message', (request: WriterRequest) => {
  if (request.kind === 'close') {
    db.close();
    port.close();
    return;
  }
  let reply: CommitReply;
  try {
    if (request.pruneBefore !== null) prune.run(request.pruneBefore);
    reply = { offsets: commit(request) };
  } catch (error) {
    reply = { error: error instanceof Error ? error : new Error(String(error)) };
  }
  port.postMessage(reply);
});
