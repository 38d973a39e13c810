/**
 * Whether the stages after the log should yield the thread to ingest right
 * now: the collector notes each tracking call (its messages, and when it is
 * answered), the stages note what their batches cost and ask `busy()` before
 * each batch (see LogFollower). The verdict and the stages' cost live in a
 * SharedArrayBuffer, so stages in a worker thread could share it.
 *
 * Ingest counts as busy, for a window after either of these held:
 * - tracking calls crowd in: on average at least `maxCallsInProgress`
 *   (default 2) were in progress over the last window. Clients then send
 *   as fast as they are answered (a flood), and every stage batch slows them
 *   down to the stages' pace, however cheap the stages' work is. (Measured
 *   here: 8 clients in a flood keep 3-4 calls in progress while the stages
 *   run, 5-6 while they rest; a steady 1,000 messages/s in 100 calls/s keeps
 *   0.1-2.2, mostly under 1.9, the more the longer the stages' batches make each
 *   call wait; a second above the bar costs freshness a second, not more.)
 * - keeping up with the messages coming in would take the stages more than
 *   `maxStageShare` (default 0.75) of the thread: they could not keep up
 *   without holding tracking calls back, so they had better catch up after.
 *   (A record's cost is estimated from batches of 100 records or more: at
 *   low rates the stages keep up in smaller ones, whose fixed costs would
 *   make a record look several times dearer than keeping up in bulk.)
 * Otherwise the stages keep up as messages come, and profiles stay fresh: a
 * steady stream the thread has room for, a burst of a hundred once a second,
 * or a trickle while the stages catch up after a flood.
 *
 * It measures real time (Date.now), not the Clock port's: it is about sharing
 * the CPU, which a test's manual clock does not slow down.
 */
export class IngestLoad {
  /** [0] the time (ms) until which ingest counts as busy; [1] what the stages take per message (ns); [2] the last call's time (ms). */
  readonly #shared: BigInt64Array;
  readonly #windowMs: number;
  readonly #maxStageShare: number;
  readonly #maxCallsInProgress: number;
  /** Per stage, in the thread the stages run in. */
  readonly #stages = new Map<string, RecentCost>();
  // The rest is the collecting thread's.
  #windowStart = 0;
  #messagesInWindow = 0;
  #messagesLastWindow = 0;
  #calls = 0;
  #callsChangedAt = 0;
  /** Calls in progress summed over time (calls × ms) in this window. */
  #callTime = 0;
  #callsLastWindow = 0;

  constructor(options: { buffer?: SharedArrayBuffer; windowMs?: number; maxStageShare?: number; maxCallsInProgress?: number } = {}) {
    this.#shared = new BigInt64Array(options.buffer ?? new SharedArrayBuffer(3 * BigInt64Array.BYTES_PER_ELEMENT));
    this.#windowMs = options.windowMs ?? 1_000;
    this.#maxStageShare = options.maxStageShare ?? 0.75;
    this.#maxCallsInProgress = options.maxCallsInProgress ?? 2;
  }

  /** The shared memory, for an instance in another thread. */
  get buffer(): SharedArrayBuffer {
    return this.#shared.buffer as SharedArrayBuffer;
  }

  /** Notes that a tracking call with `messages` came in (called by the one thread that collects); `settled` when answered. */
  note(messages: number): void {
    const now = Date.now();
    Atomics.store(this.#shared, 2, BigInt(now));
    this.#countCalls(now, +1);
    if (now - this.#windowStart >= this.#windowMs) {
      // A window after a quiet spell says nothing of the one before.
      const previous = now - this.#windowStart < 2 * this.#windowMs;
      this.#messagesLastWindow = previous ? this.#messagesInWindow : 0;
      this.#callsLastWindow = previous ? this.#callTime / (now - this.#windowStart) : 0;
      this.#windowStart = now;
      this.#messagesInWindow = 0;
      this.#callTime = 0;
    }
    this.#messagesInWindow += messages;
    // What keeping up takes, at the pace of the last whole window or of this one so far.
    const stageShare = (Math.max(this.#messagesInWindow, this.#messagesLastWindow) * this.stageMsPerMessage()) / this.#windowMs;
    if (this.#callsLastWindow >= this.#maxCallsInProgress || stageShare > this.#maxStageShare) {
      Atomics.store(this.#shared, 0, BigInt(now + this.#windowMs));
    }
  }

  /** Notes that a tracking call `note`d before has been answered. */
  settled(): void {
    this.#countCalls(Date.now(), -1);
  }

  /**
   * Notes that `stage` applied `records` in `ms` (called by the thread the
   * stages run in, after each batch); see RecentCost.
   */
  batchApplied(stage: string, records: number, ms: number): void {
    // A small batch tells its fixed costs more than a record's: at a steady 1,000 messages/s the stages keep up
    // in batches of ~10, which made a record look five times dearer than it is and ingest busy for nothing.
    if (records < minRecordsForCost) return;
    const cost = this.#stages.get(stage) ?? new RecentCost();
    cost.add(records, ms);
    this.#stages.set(stage, cost);
    let msPerMessage = 0;
    for (const c of this.#stages.values()) msPerMessage += c.msPerRecord ?? 0;
    Atomics.store(this.#shared, 1, BigInt(Math.round(msPerMessage * 1e6)));
  }

  /** What one message costs the stages together, in ms, as their recent batches tell. */
  stageMsPerMessage(): number {
    return Number(Atomics.load(this.#shared, 1)) / 1e6;
  }

  busy(): boolean {
    return BigInt(Date.now()) < Atomics.load(this.#shared, 0);
  }

  /** Whether a tracking call came in within the last window: a batch of the stages then makes calls wait. */
  active(): boolean {
    return BigInt(Date.now()) < Atomics.load(this.#shared, 2) + BigInt(this.#windowMs);
  }

  #countCalls(now: number, change: number): void {
    this.#callTime += this.#calls * (now - Math.max(this.#callsChangedAt, this.#windowStart));
    this.#callsChangedAt = now;
    this.#calls += change;
  }
}

/** Batches below this size do not count towards what keeping up costs (see batchApplied). */
const minRecordsForCost = 100;

/** How much of its past a cost estimate keeps at each batch: about the last ten batches count. */
const keptPerBatch = 0.9;

/**
 * What a stage's record costs, from its recent batches: recent batches weigh
 * most, and big batches more than small ones, whose fixed costs would
 * overstate a record's.
 */
export class RecentCost {
  #ms = 0;
  #records = 0;

  add(records: number, ms: number): void {
    this.#ms = this.#ms * keptPerBatch + ms;
    this.#records = this.#records * keptPerBatch + records;
  }

  /** In ms; undefined before the first batch. */
  get msPerRecord(): number | undefined {
    return this.#records === 0 ? undefined : this.#ms / this.#records;
  }
}

/** How often a resting stage looks whether ingest has quietened. */
const restStepMs = 25;

/** Waits while `ingest` (if any) says it is busy, until `until` (performance.now()) at most, or until `stopping()`. */
export async function restWhileBusy(ingest: { busy(): boolean } | undefined, until: number, stopping: () => boolean): Promise<void> {
  for (let now = performance.now(); ingest !== undefined && now < until && !stopping() && ingest.busy(); now = performance.now()) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(restStepMs, until - now)));
  }
}
