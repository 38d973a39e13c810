/**
 * Whether tracking calls are flowing right now, shared between threads: the
 * collector notes the messages it takes in, and the stages after the log ask
 * `busy()` to know whether to yield the CPU to ingest (see LogFollower). It
 * lives in a SharedArrayBuffer, so a stage in a worker thread sees what the
 * collector on the main thread noted.
 *
 * It measures real time (Date.now), not the Clock port's: it is about sharing
 * the CPU, which a test's manual clock does not slow down.
 */
export class IngestLoad {
  /** [0]: the time (ms) until which ingest counts as busy. */
  readonly #busyUntil: BigInt64Array;
  readonly #windowMs: number;
  readonly #busyMessages: number;
  #windowStart = 0;
  #inWindow = 0;

  /**
   * Ingest is busy for `windowMs` after a window of `windowMs` in which at
   * least `busyMessages` messages came in (by default 100 in 250 ms, 400 a
   * second). Pass the `buffer` of another instance to share its state.
   */
  constructor(options: { buffer?: SharedArrayBuffer; windowMs?: number; busyMessages?: number } = {}) {
    this.#busyUntil = new BigInt64Array(options.buffer ?? new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT));
    this.#windowMs = options.windowMs ?? 250;
    this.#busyMessages = options.busyMessages ?? 100;
  }

  /** The shared memory, for an instance in another thread. */
  get buffer(): SharedArrayBuffer {
    return this.#busyUntil.buffer as SharedArrayBuffer;
  }

  /** Notes that `messages` came in (called by the one thread that collects). */
  note(messages: number): void {
    const now = Date.now();
    if (now - this.#windowStart >= this.#windowMs) {
      this.#windowStart = now;
      this.#inWindow = 0;
    }
    this.#inWindow += messages;
    if (this.#inWindow >= this.#busyMessages) Atomics.store(this.#busyUntil, 0, BigInt(now + this.#windowMs));
  }

  busy(): boolean {
    return BigInt(Date.now()) < Atomics.load(this.#busyUntil, 0);
  }
}
