import type { CollectedMessage } from '../contracts/index.js';

/** A message to append, with the key that orders it and the key that deduplicates it. */
export interface LogEntry {
  /** Messages with the same key land in the same partition, in append order. */
  readonly partitionKey: string;
  /** A second append with the same key inside the dedupe window is not stored again. */
  readonly dedupeKey: string;
  readonly message: CollectedMessage;
}

export type AppendOutcome =
  | { readonly kind: 'appended'; readonly partition: number; readonly offset: number }
  | { readonly kind: 'duplicate' };

export interface LogRecord {
  readonly partition: number;
  /** Strictly increasing within a partition; never reused. */
  readonly offset: number;
  readonly message: CollectedMessage;
  /**
   * The message as JSON text, as the log holds it, when the adapter has it at
   * hand: a projection that stores the message as it is need not serialize it
   * again. Equal to JSON.stringify(message) in meaning, not necessarily in bytes.
   */
  readonly json?: string;
}

/**
 * The durable log: the source of truth that every later store is a projection of.
 * Embedded: one SQLite file in WAL mode. At scale: NATS JetStream.
 */
export interface EventLog {
  /** How many partitions the log has; partitions are numbered from 0. */
  readonly partitions: number;

  /**
   * Appends entries and resolves only once they are on disk (fsync'd), so an
   * acknowledged message survives a crash right after. Concurrent calls may be
   * committed together (group commit). Outcomes are in the order of `entries`.
   */
  append(entries: readonly LogEntry[]): Promise<AppendOutcome[]>;

  /**
   * Up to `limit` records of `partition` with offsets greater than `afterOffset`,
   * in order. Records may be shared between readers (they are immutable): a
   * reader must not modify them.
   */
  read(partition: number, afterOffset: number, limit: number): Promise<LogRecord[]>;

  /** The offset of the last record in `partition`, or 0 when it is empty. */
  headOffset(partition: number): Promise<number>;

  /**
   * Resolves when `partition` holds a record after `afterOffset`, or after
   * `timeoutMs`, whichever comes first. Lets followers sleep instead of polling.
   */
  waitForAppend(partition: number, afterOffset: number, timeoutMs: number): Promise<void>;

  /**
   * Deletes the records of `partition` at `offsets` (a person's, being erased)
   * so that their bytes are overwritten, not merely unlinked, and resolves once
   * that is durable. Offsets are never reused: reads skip the gaps.
   */
  erase(partition: number, offsets: readonly number[]): Promise<void>;

  /** Stops accepting appends, waits for pending ones to commit, and releases the storage. */
  close(): Promise<void>;
}
