import type { Worker } from 'node:worker_threads';
import type { CollectedMessage } from '../../contracts/index.js';
import type { Clock } from '../../lib/clock.js';
import { siblingModule, startWorker } from '../../lib/worker.js';
import type { AppendOutcome, EventLog, LogEntry, LogRecord } from '../../store/index.js';
import { openSqlite, type SqliteDatabase } from './database.js';
import { logMigrations } from './log-schema.js';
import { eraseLogRecords } from './log-erase.js';
import { WalCheckpointerThread } from './wal-checkpointer-thread.js';
import type { CommitReply, CommitRequest, LogWriterData, WriterRequest } from './log-writer.js';

interface PendingAppend {
  readonly count: number;
  readonly resolve: (outcomes: AppendOutcome[]) => void;
  readonly reject: (error: unknown) => void;
}

/** Appends gathered for the next commit, already serialized for the writer thread. */
class Gathered {
  readonly appends: PendingAppend[] = [];
  readonly dedupeKeys: string[] = [];
  readonly partitionKeys: string[] = [];
  readonly payloads: string[] = [];
}

export interface SqliteEventLogOptions {
  readonly path: string;
  readonly clock: Clock;
  /** How long a dedupe key is remembered. */
  readonly dedupeWindowMs: number;
  /** How many recently read records to keep parsed for the next reader of the same offsets (default 16,384). */
  readonly recentRecords?: number;
}

const pruneEveryMs = 60_000;
const checkpointEveryMs = 100;
/** Longest wait for callers to come back after a commit (see #committed), and its share of the commit's time. */
const maxHoldMs = 4;
const holdShareOfCommit = 0.5;

/**
 * The embedded log: a single-partition SQLite table. A writer thread commits
 * (see log-writer.ts); this side gathers appends while a commit is under way
 * and sends them all as the next one (group commit), so one fsync acknowledges
 * many concurrent requests, and more of them the busier the log is. Reads use
 * their own connection on this thread; WAL mode lets them run beside commits.
 *
 * Every stage follows the log at about the same place, so the records last
 * read are kept, parsed, for the next reader of the same offsets: each record
 * is parsed once for all the stages, not once per stage. Records are immutable
 * (an erased one leaves the cache with its row), so a cached one is exactly
 * what a fresh read would return; readers must not modify them.
 */
export class SqliteEventLog implements EventLog {
  readonly partitions = 1;
  readonly #path: string;
  readonly #reader: SqliteDatabase;
  readonly #writer: Worker;
  readonly #checkpointer: WalCheckpointerThread;
  readonly #clock: Clock;
  readonly #dedupeWindowMs: number;
  readonly #readOffsets;
  readonly #readRange;
  /** Recently read records, at `offset % length` (a newer record takes an older one's place); see the class comment. */
  readonly #recent: (LogRecord | undefined)[];
  #gathered = new Gathered();
  /** The appends of the commit under way, if one is. */
  #committing: PendingAppend[] | undefined;
  #commitStartedAt = 0;
  #flushScheduled = false;
  /** Set while the next commit waits for more appends; it goes once `#holdFor` appends are gathered. */
  #hold: NodeJS.Timeout | undefined;
  #holdFor = 0;
  #lastPrune = 0;
  #headOffset: number;
  #waiters = new Set<() => void>();
  /** Set once the writer thread has failed; every later append is refused with it. */
  #failure: Error | undefined;
  #closing: Promise<void> | undefined;
  #closed = false;
  #drained: (() => void) | undefined;

  constructor(options: SqliteEventLogOptions) {
    // Opening here first also applies the migrations before the writer thread connects.
    this.#reader = openSqlite(options.path, logMigrations);
    this.#path = options.path;
    this.#clock = options.clock;
    this.#dedupeWindowMs = options.dedupeWindowMs;
    this.#recent = new Array<LogRecord | undefined>(options.recentRecords ?? 16_384).fill(undefined);
    this.#readOffsets = this.#reader.prepare<[number, number], number>('SELECT offset FROM log WHERE offset > ? ORDER BY offset LIMIT ?').pluck();
    this.#readRange = this.#reader.prepare<[number, number], { offset: number; payload: string }>(
      'SELECT offset, payload FROM log WHERE offset > ? AND offset <= ? ORDER BY offset',
    );
    this.#headOffset = this.#reader.prepare<[], { head: number | null }>('SELECT MAX(offset) AS head FROM log').get()?.head ?? 0;

    this.#writer = startWorker(siblingModule(import.meta.url, 'log-writer'), { path: options.path } satisfies LogWriterData);
    this.#writer.unref();
    this.#writer.on('message', (reply: CommitReply) => this.#committed(reply));
    this.#writer.on('error', (error) => this.#fail(error));
    this.#writer.on('exit', () => this.#fail(new Error('the event log writer thread stopped')));

    this.#checkpointer = new WalCheckpointerThread(options.path, checkpointEveryMs);
  }

  append(entries: readonly LogEntry[]): Promise<AppendOutcome[]> {
    if (this.#closing) return Promise.reject(new Error('the event log is closed'));
    if (this.#failure) return Promise.reject(this.#failure);
    if (entries.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const gathered = this.#gathered;
      gathered.appends.push({ count: entries.length, resolve, reject });
      for (const entry of entries) {
        gathered.dedupeKeys.push(entry.dedupeKey);
        gathered.partitionKeys.push(entry.partitionKey);
        gathered.payloads.push(JSON.stringify(entry.message));
      }
      if (this.#hold !== undefined) {
        if (gathered.appends.length >= this.#holdFor) this.#flush();
        return;
      }
      // Appends made in the same turn of the event loop go out together.
      if (this.#committing === undefined && !this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => {
          this.#flushScheduled = false;
          this.#flush();
        });
      }
    });
  }

  /** Sends what has been gathered as one commit, unless one is under way (its reply flushes again). */
  #flush(): void {
    clearTimeout(this.#hold);
    this.#hold = undefined;
    const gathered = this.#gathered;
    if (this.#committing !== undefined || gathered.appends.length === 0 || this.#failure) return;
    this.#gathered = new Gathered();
    this.#committing = gathered.appends;
    const now = this.#clock.now();
    const pruneDue = now - this.#lastPrune >= pruneEveryMs;
    if (pruneDue) this.#lastPrune = now;
    const request: CommitRequest = {
      kind: 'commit',
      now,
      pruneBefore: pruneDue ? now - this.#dedupeWindowMs : null,
      dedupeKeys: gathered.dedupeKeys,
      partitionKeys: gathered.partitionKeys,
      payloads: gathered.payloads,
    };
    // Referenced only while a commit is under way: an idle log does not keep the process alive.
    this.#writer.ref();
    this.#commitStartedAt = performance.now();
    this.#writer.postMessage(request);
  }

  #committed(reply: CommitReply): void {
    const appends = this.#committing ?? [];
    this.#committing = undefined;
    this.#writer.unref();
    if ('error' in reply) {
      for (const append of appends) append.reject(reply.error);
    } else {
      let at = 0;
      for (const append of appends) {
        const offsets = reply.offsets.slice(at, (at += append.count));
        append.resolve(offsets.map((offset): AppendOutcome => (offset === 0 ? { kind: 'duplicate' } : { kind: 'appended', partition: 0, offset })));
        for (const offset of offsets) if (offset > this.#headOffset) this.#headOffset = offset;
      }
      this.#wakeWaiters();
    }
    this.#flushOrHold(appends.length, performance.now() - this.#commitStartedAt);
    this.#checkDrained();
  }

  /**
   * Callers just acknowledged usually append again at once (an SDK sends its
   * next batch), and the appends gathered meanwhile are only those of the
   * others: committing them alone right away splits the callers into two
   * groups that take turns, each waiting for two fsyncs. When the disk is
   * slow that halves throughput, so the next commit waits a little (a share
   * of the last commit's time, at most maxHoldMs) for the acknowledged
   * callers to come back, and goes as soon as they all have.
   */
  #flushOrHold(acknowledged: number, commitMs: number): void {
    const holdMs = Math.min(maxHoldMs, commitMs * holdShareOfCommit);
    if (acknowledged < 2 || this.#failure || this.#closing) {
      this.#flush();
      return;
    }
    this.#holdFor = this.#gathered.appends.length + acknowledged;
    this.#hold = setTimeout(() => this.#flush(), holdMs);
  }

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    clearTimeout(this.#hold);
    this.#hold = undefined;
    const appends = [...(this.#committing ?? []), ...this.#gathered.appends];
    this.#committing = undefined;
    this.#gathered = new Gathered();
    for (const append of appends) append.reject(error);
    this.#checkDrained();
  }

  read(partition: number, afterOffset: number, limit: number): Promise<LogRecord[]> {
    try {
      this.#assertPartition(partition);
      return Promise.resolve(this.#readRecords(afterOffset, limit));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #readRecords(afterOffset: number, limit: number): LogRecord[] {
    // Which records there are (erased ones leave gaps), then the payloads of those not already parsed.
    const offsets = this.#readOffsets.all(afterOffset, limit);
    const cached = offsets.map((offset) => this.#cached(offset));
    const firstMissing = cached.indexOf(undefined);
    if (firstMissing === -1) return cached as LogRecord[];
    // The same reader, in the same synchronous step: the range holds exactly the offsets from the first missing one on.
    let i = firstMissing;
    for (const row of this.#readRange.all(offsets[firstMissing]! - 1, offsets.at(-1)!)) {
      if (row.offset !== offsets[i]) throw new Error(`the log changed during a read at offset ${row.offset}`);
      if (cached[i] === undefined) {
        const message = Object.freeze(JSON.parse(row.payload) as CollectedMessage);
        const record: LogRecord = Object.freeze({ partition: 0, offset: row.offset, message, json: row.payload });
        cached[i] = record;
        this.#recent[row.offset % this.#recent.length] = record;
      }
      i++;
    }
    return cached as LogRecord[];
  }

  #cached(offset: number): LogRecord | undefined {
    const record = this.#recent[offset % this.#recent.length];
    return record?.offset === offset ? record : undefined;
  }

  headOffset(partition: number): Promise<number> {
    this.#assertPartition(partition);
    return Promise.resolve(this.#headOffset);
  }

  waitForAppend(partition: number, afterOffset: number, timeoutMs: number): Promise<void> {
    this.#assertPartition(partition);
    if (this.#headOffset > afterOffset || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.#waiters.add(wake);
    });
  }

  #wakeWaiters(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  async erase(partition: number, offsets: readonly number[]): Promise<void> {
    this.#assertPartition(partition);
    if (this.#closing) throw new Error('the event log is closed');
    if (offsets.length === 0) return;
    // An erased person's messages must not stay in memory either. The records are deleted before
    // eraseLogRecords first yields, so no read in between can bring them back into the cache.
    for (const offset of offsets) if (this.#cached(offset) !== undefined) this.#recent[offset % this.#recent.length] = undefined;
    await eraseLogRecords(this.#path, offsets);
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    // Appends made before close still commit: their callers may be waiting to acknowledge.
    this.#flush();
    await new Promise<void>((resolve) => {
      this.#drained = resolve;
      this.#checkDrained();
    });
    // The checkpointer goes first: the writer's connection, the last to close, then checkpoints what is left.
    await this.#checkpointer.close();
    if (!this.#failure) {
      this.#writer.removeAllListeners('exit');
      this.#writer.ref();
      const request: WriterRequest = { kind: 'close' };
      this.#writer.postMessage(request);
      await new Promise((resolve) => this.#writer.once('exit', resolve));
    }
    this.#reader.close();
    this.#recent.fill(undefined);
    this.#closed = true;
    this.#wakeWaiters();
  }

  #checkDrained(): void {
    if (this.#committing === undefined && this.#gathered.appends.length === 0) this.#drained?.();
  }

  #assertPartition(partition: number): void {
    if (partition !== 0) throw new RangeError(`the embedded log has one partition (0); got ${partition}`);
  }
}
