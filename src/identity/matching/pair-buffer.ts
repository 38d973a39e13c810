/**
 * Compared pairs in flat typed arrays (a record pair and one level per field),
 * so millions of pairs cost bytes each, not objects.
 */
export class PairBuffer {
  readonly fieldCount: number;
  #size = 0;
  #left: Int32Array;
  #right: Int32Array;
  #levels: Uint8Array;

  constructor(fieldCount: number, capacity = 1024) {
    this.fieldCount = fieldCount;
    this.#left = new Int32Array(capacity);
    this.#right = new Int32Array(capacity);
    this.#levels = new Uint8Array(capacity * fieldCount);
  }

  get size(): number {
    return this.#size;
  }

  /** Record index of the pair's first record. */
  left(p: number): number {
    return this.#left[p]!;
  }

  right(p: number): number {
    return this.#right[p]!;
  }

  /** Adds a pair; returns its index. Levels are set with setLevel. */
  push(i: number, j: number): number {
    if (this.#size === this.#left.length) this.#grow();
    const p = this.#size++;
    this.#left[p] = i;
    this.#right[p] = j;
    return p;
  }

  setLevel(p: number, field: number, level: number): void {
    this.#levels[p * this.fieldCount + field] = level;
  }

  /** The raw arrays, trimmed to size (views, not copies). */
  arrays(): { left: Int32Array; right: Int32Array; levels: Uint8Array } {
    return {
      left: this.#left.subarray(0, this.#size),
      right: this.#right.subarray(0, this.#size),
      levels: this.#levels.subarray(0, this.#size * this.fieldCount),
    };
  }

  #grow(): void {
    const capacity = this.#left.length * 2;
    const left = new Int32Array(capacity);
    left.set(this.#left);
    const right = new Int32Array(capacity);
    right.set(this.#right);
    const levels = new Uint8Array(capacity * this.fieldCount);
    levels.set(this.#levels);
    this.#left = left;
    this.#right = right;
    this.#levels = levels;
  }
}
