import { LRUCache } from 'lru-cache';

/**
 * Parsed rows most recently read or written, bounded by the size of their
 * JSON text. The stages after unify read the profile unify has just written
 * (segments, journeys, the profile mirror), each with a SQLite read and a
 * JSON.parse of a state that grows with the live segments' aggregates; kept
 * here, they share one parsed copy.
 *
 * That copy is shared: code that changed a record in place would change it
 * for every later reader. The types say readonly, and the record and its
 * state object are frozen, so such code fails loudly (freezing the whole
 * state, thousands of small objects with many live segments, cost more than
 * the parsing it saves).
 */
export class RecentRecords<T extends { readonly state: object }> {
  readonly #cache: LRUCache<string, T>;

  constructor(maxJsonBytes: number) {
    this.#cache = new LRUCache<string, T>({ maxSize: maxJsonBytes });
  }

  get(key: string): T | undefined {
    return this.#cache.get(key);
  }

  /** Keeps `record` (now frozen, with its state); `jsonBytes` is the length of its stored JSON. */
  set(key: string, record: T, jsonBytes: number): void {
    Object.freeze(record.state);
    this.#cache.set(key, Object.freeze(record), { size: Math.max(1, jsonBytes) });
  }

  clear(): void {
    this.#cache.clear();
  }
}
