import type { ImportFormat, ImportMapping, ImportReject, ImportStatus } from '../contracts/index.js';

/** An import as stored: what it reads, how far it got, and what its rows became. */
export interface ImportRecord {
  readonly id: string;
  readonly sourceId: string;
  readonly format: ImportFormat;
  readonly fileName: string | null;
  readonly fileKey: string | null;
  /** Every message made from the file starts its messageId with it (see collect/imports.ts). */
  readonly messageIdPrefix: string;
  readonly mapping: ImportMapping;
  readonly status: ImportStatus;
  readonly columns: readonly string[] | null;
  readonly read: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
  /** Messages newly appended to the log. */
  readonly messages: number;
  /** The last line, and the byte offset after it, whose rows are durably taken in. */
  readonly committedLine: number;
  readonly committedOffset: number;
  /** Per log partition, the highest offset a message of this import was appended at. */
  readonly logCut: Readonly<Record<string, number>>;
  /** Profiles created and merges caused, once the unify stage has applied every message. */
  readonly outcome: { readonly created: number; readonly merged: number } | null;
  readonly error: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly completedAt: number | null;
}

/** What the messages of one file did to the identity graph, as committed so far. */
export interface ImportProfileOutcome {
  /**
   * Live profiles created at or after the import began that hold a fragment
   * first carried by one of the messages: people the file brought in. A
   * person who existed before keeps their older profile (merges keep the
   * oldest creation time), so is not counted, even when the file's rows are
   * older in event time than what was known.
   */
  readonly created: number;
  /** Merges recorded in profile history with one of the messages as their cause. */
  readonly merged: number;
}

/**
 * Imports and their rejected rows. Embedded: tables in the operational SQLite
 * store. Written by the import use case only, a batch at a time.
 */
export interface ImportStore {
  /** Stores a new import. */
  create(record: ImportRecord): Promise<void>;

  /** An import by id, or undefined. */
  get(id: string): Promise<ImportRecord | undefined>;

  /** Imports, newest first, optionally of one source. */
  list(filter: { readonly sourceId?: string | undefined; readonly limit: number }): Promise<ImportRecord[]>;

  /**
   * Replaces the import's record and adds rows rejected since the last save,
   * atomically and durably. A reject for a line already stored replaces it,
   * so saving a batch again after a crash keeps one reject per line.
   */
  save(record: ImportRecord, rejects: readonly ImportReject[]): Promise<void>;

  /** Rejects of lines after `afterLine`, in line order, at most `limit`. */
  rejects(id: string, afterLine: number, limit: number): Promise<ImportReject[]>;

  /**
   * Reads from the identity graph what the messages of `sourceId` whose ids
   * start with `messageIdPrefix` did, counting profiles created at or after
   * `since` (ms; see ImportProfileOutcome). Scans the graph's fragments: meant
   * to be asked once per import, after the unify stage has applied it.
   */
  profileOutcome(sourceId: string, messageIdPrefix: string, since: number): Promise<ImportProfileOutcome>;
}
