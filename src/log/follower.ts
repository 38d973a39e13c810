import { RecentCost, restWhileBusy } from '../lib/ingest-load.js';
import type { Logger } from '../lib/logger.js';
import type { EventLog, LogRecord } from '../store/index.js';

/**
 * Something built from the log: it remembers how far it got per partition and
 * applies records idempotently, moving its position in the same atomic step as
 * its effects, so a replay after a crash neither loses nor repeats anything.
 */
export interface Projection {
  readonly name: string;
  /** The last offset applied in `partition` (0 when nothing was). */
  position(partition: number): Promise<number>;
  /** Applies `records` (in order, right after the current position) and stores the new position. */
  apply(partition: number, records: readonly LogRecord[]): Promise<void>;
}

export interface FollowerOptions {
  readonly batchSize?: number;
  /** How long to sleep waiting for appends before checking again. */
  readonly idleWaitMs?: number;
  /** Longest pause between retries of a failing batch. */
  readonly maxBackoffMs?: number;
  /** A stage this one comes after: it reads no further than that stage has applied. */
  readonly after?: LogFollower;
  /**
   * Ingest comes first: while `ingest.busy()` says tracking calls need the
   * thread, the stage rests between batches (until ingest quietens, but at
   * most `maxRestMs` after its last batch, so it never stalls) and reads up
   * to `busyBatchSize` records at a time. It falls behind during a burst and
   * catches up after it, and its commits are fewer and larger meanwhile.
   * When a batch took long (a loaded machine, a costly stage), the rest after
   * it is stretched so that the stage's batches take at most `busyShare` of
   * the time while ingest is busy.
   */
  readonly ingest?: IngestPacing;
  /**
   * Default 1,000: the stages share the event loop with ingest, so a busy
   * batch is also how long a tracking call may wait behind it. At ~50 µs a
   * record, four stages at 1,000 records a second each take ~20% of the loop
   * during a burst (5,000 took ~45% and held calls for up to a second).
   */
  readonly busyBatchSize?: number;
  readonly maxRestMs?: number;
  /**
   * Default 50: while tracking calls come in (`ingest.active()`, busy or
   * not), a batch holds about this long at most (from what the stage's
   * recent records cost), so a call waits behind it no longer. A stage that
   * fell behind (after a rest, say) would otherwise catch up in one long
   * batch (1,000 records held the loop ~170 ms at 100k people); the calls
   * that pile up behind it make ingest busy, and every stage rests a second.
   */
  readonly activeBatchMs?: number;
  /**
   * Default 0.05: the four stages together then take at most about a fifth of
   * the event loop during a burst, whatever a record costs them.
   */
  readonly busyShare?: number;
}

/** What a stage asks before each batch, and tells after it (see IngestLoad). */
export interface IngestPacing {
  busy(): boolean;
  /** Whether tracking calls are coming in, busy or not (see FollowerOptions.activeBatchMs). */
  active?(): boolean;
  /** What keeping up costs: `stage` applied `records` in `ms`. */
  batchApplied?(stage: string, records: number, ms: number): void;
}

/** Batches kept short still carry this many records: below it a batch's fixed costs would dominate. */
const minActiveBatch = 20;

/** Resolves after the event loop has served pending I/O. */
const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Feeds a projection from the log, one loop per partition: read a batch after
 * the projection's position, apply it, repeat; sleep on `waitForAppend` when
 * there is nothing new. A failing batch is retried with backoff.
 */
export class LogFollower {
  readonly #log: EventLog;
  readonly #projection: Projection;
  readonly #logger: Logger;
  readonly #batchSize: number;
  readonly #idleWaitMs: number;
  readonly #maxBackoffMs: number;
  readonly #positions: number[];
  readonly #after: LogFollower | undefined;
  readonly #ingest: IngestPacing | undefined;
  readonly #busyBatchSize: number;
  readonly #maxRestMs: number;
  readonly #busyShare: number;
  readonly #activeBatchMs: number;
  /** For the size of batches that must stay short. */
  readonly #cost = new RecentCost();
  readonly #progressWaiters = new Set<() => void>();
  #loops: Promise<void>[] = [];
  #stopping = false;
  #caughtUp: Promise<void> | undefined;

  constructor(log: EventLog, projection: Projection, logger: Logger, options: FollowerOptions = {}) {
    this.#log = log;
    this.#projection = projection;
    this.#logger = logger.child({ projection: projection.name });
    this.#batchSize = options.batchSize ?? 2_000;
    this.#idleWaitMs = options.idleWaitMs ?? 1_000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.#positions = Array.from({ length: log.partitions }, () => 0);
    this.#after = options.after;
    this.#ingest = options.ingest;
    this.#busyBatchSize = options.busyBatchSize ?? 1_000;
    this.#maxRestMs = options.maxRestMs ?? 1_000;
    this.#busyShare = options.busyShare ?? 0.05;
    this.#activeBatchMs = options.activeBatchMs ?? 50;
  }

  /** The last offset the projection applied in `partition`. */
  position(partition: number): number {
    return this.#positions[partition] ?? 0;
  }

  /** Resolves when the projection has applied past `offset` in `partition`, or after `timeoutMs`. */
  waitBeyond(partition: number, offset: number, timeoutMs: number): Promise<void> {
    if (this.position(partition) > offset || this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        if (this.position(partition) <= offset && !this.#stopping) return;
        clearTimeout(timer);
        this.#progressWaiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#progressWaiters.delete(wake);
        resolve();
      }, timeoutMs);
      this.#progressWaiters.add(wake);
    });
  }

  /**
   * Starts following. The returned promise resolves once the projection has
   * applied everything that was in the log when start was called.
   */
  start(): Promise<void> {
    if (this.#caughtUp) return this.#caughtUp;
    const catchUps = this.#positions.map(async (_, partition) => {
      const [position, head] = await Promise.all([this.#projection.position(partition), this.#log.headOffset(partition)]);
      this.#positions[partition] = position;
      let reached!: () => void;
      const caughtUp = new Promise<void>((resolve) => (reached = resolve));
      this.#loops.push(this.#follow(partition, head, reached));
      return caughtUp;
    });
    this.#caughtUp = Promise.all(catchUps).then(() => undefined);
    return this.#caughtUp;
  }

  get name(): string {
    return this.#projection.name;
  }

  /** Records in the log not yet applied, summed over partitions. */
  async lag(): Promise<number> {
    let lag = 0;
    for (const [partition, position] of this.#positions.entries()) {
      lag += Math.max(0, (await this.#log.headOffset(partition)) - position);
    }
    return lag;
  }

  /** Lets the batch in progress finish, then stops. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const wake of [...this.#progressWaiters]) wake();
    await Promise.all(this.#loops);
  }

  #nextBatchSize(): number {
    if (this.#ingest === undefined) return this.#batchSize;
    const busy = this.#ingest.busy();
    const size = busy ? this.#busyBatchSize : this.#batchSize;
    const msPerRecord = this.#cost.msPerRecord;
    // Busy or not, a batch while calls come in is one they wait behind; a stage whose batches mostly wait on
    // other threads (the event store on DuckDB's) is not given `active` and keeps its sizes.
    if (this.#ingest.active === undefined || msPerRecord === undefined || (!busy && !this.#ingest.active())) return size;
    return Math.max(minActiveBatch, Math.min(size, Math.floor(this.#activeBatchMs / msPerRecord)));
  }

  async #follow(partition: number, startHead: number, reached: () => void): Promise<void> {
    let failures = 0;
    const check = (): void => {
      if ((this.#positions[partition] ?? 0) >= startHead) reached();
    };
    check();
    /** When the last batch was applied (performance.now()), for resting while ingest is busy. */
    let appliedAt = Number.NEGATIVE_INFINITY;
    /** How long resting after that batch may last while ingest is busy. */
    let restMs = this.#maxRestMs;
    while (!this.#stopping) {
      try {
        await restWhileBusy(this.#ingest, appliedAt + restMs, () => this.#stopping);
        const position = this.#positions[partition] ?? 0;
        const ceiling = this.#after?.position(partition);
        if (ceiling !== undefined && ceiling <= position) {
          await this.#after?.waitBeyond(partition, position, this.#idleWaitMs);
          continue;
        }
        const batchSize = this.#nextBatchSize();
        const records = (await this.#log.read(partition, position, batchSize)).filter((r) => ceiling === undefined || r.offset <= ceiling);
        const last = records.at(-1);
        if (last === undefined) {
          await this.#log.waitForAppend(partition, position, this.#idleWaitMs);
          continue;
        }
        const startedAt = performance.now();
        await this.#projection.apply(partition, records);
        appliedAt = performance.now();
        this.#cost.add(records.length, appliedAt - startedAt);
        this.#ingest?.batchApplied?.(this.name, records.length, appliedAt - startedAt);
        restMs = Math.max(this.#maxRestMs, ((appliedAt - startedAt) * (1 - this.#busyShare)) / this.#busyShare);
        this.#positions[partition] = last.offset;
        for (const wake of [...this.#progressWaiters]) wake();
        failures = 0;
        check();
        // A batch can be applied without a real await (SQLite is synchronous), so without this the loop
        // would go from batch to batch in microtasks and starve the tracking calls waiting on sockets,
        // which are also what tells `ingest.busy()` to make the stage rest.
        await yieldToIo();
      } catch (error) {
        failures += 1;
        const backoff = Math.min(this.#maxBackoffMs, 100 * 2 ** Math.min(failures, 12));
        const position = this.#positions[partition] ?? 0;
        this.#logger.error({ err: error, partition, position, failures, retryInMs: backoff }, 'projection batch failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, backoff));
      }
    }
  }
}
