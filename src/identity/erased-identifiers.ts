import { createHmac } from 'node:crypto';

export interface ErasedIdentifiersOptions {
  /** The stored hashes of erased identifiers. */
  readonly hashes: Iterable<string>;
  /** The installation's secret, when it exists yet. */
  readonly secret: Buffer | undefined;
  /** Reads or creates the secret; called on the first erasure of an installation. */
  readonly obtainSecret: () => Promise<Buffer>;
  /** Counts one message dropped by `stage`. */
  readonly onDropped?: (stage: string) => void;
}

/**
 * The identifiers of erased people, kept as keyed hashes (HMAC-SHA256 under a
 * per-installation secret): enough to recognise them in later messages, not
 * to read them back, nor to confirm a guess without the secret. All of them
 * are held in memory, since both projections check every message: about a
 * hundred bytes per identifier ever erased. With none erased, nothing is
 * hashed at all.
 */
export class ErasedIdentifiers {
  readonly #hashes: Set<string>;
  readonly #obtainSecret: () => Promise<Buffer>;
  readonly #onDropped: (stage: string) => void;
  #secret: Buffer | undefined;

  constructor(options: ErasedIdentifiersOptions) {
    this.#hashes = new Set(options.hashes);
    this.#secret = options.secret;
    this.#obtainSecret = options.obtainSecret;
    this.#onDropped = options.onDropped ?? (() => undefined);
    if (this.#hashes.size > 0 && this.#secret === undefined) {
      // Without the secret no hash can be recomputed: erased people would come back with their next message.
      throw new Error('identifiers were erased, but the erasure secret they were hashed with is missing from the data dir; restore it from a backup');
    }
  }

  /** The hashes of `keys`, creating the installation's secret on first use. */
  async hashesOf(keys: readonly string[]): Promise<string[]> {
    this.#secret ??= await this.#obtainSecret();
    const secret = this.#secret;
    return keys.map((key) => hash(secret, key));
  }

  /** True when one of the identifier keys was erased. */
  includesAny(keys: readonly string[]): boolean {
    const secret = this.#secret;
    if (this.#hashes.size === 0 || secret === undefined) return false;
    return keys.some((key) => this.#hashes.has(hash(secret, key)));
  }

  /** For a projection: whether a message carrying these identifiers is an erased person's, to drop; drops are counted. */
  drops(stage: string, keys: readonly string[]): boolean {
    if (!this.includesAny(keys)) return false;
    this.#onDropped(stage);
    return true;
  }

  /** Messages carrying one of these are dropped from now on. */
  add(hashes: readonly string[]): void {
    for (const h of hashes) this.#hashes.add(h);
  }

  /** Undoes `add`, for an erasure that failed before it was committed. */
  remove(hashes: readonly string[]): void {
    for (const h of hashes) this.#hashes.delete(h);
  }
}

const hash = (secret: Buffer, key: string): string => createHmac('sha256', secret).update(key).digest('hex');
