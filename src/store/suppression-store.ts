import type { SuppressionReason } from '../contracts/index.js';

export interface SuppressionRecord {
  /** `type:value`, normalized as the identity graph stores identifiers. */
  readonly identifier: string;
  readonly type: string;
  readonly reason: SuppressionReason;
  readonly note: string | null;
  readonly createdAt: number;
}

export interface SuppressionFilter {
  readonly reason?: SuppressionReason | undefined;
  readonly type?: string | undefined;
}

export interface SuppressionPage {
  readonly records: SuppressionRecord[];
  readonly nextCursor: string | null;
}

/** The global suppression list: identifiers never to contact. One entry per identifier. */
export interface SuppressionStore {
  /** Stores the entries, durably and all together; an identifier already listed is replaced by its new entry. */
  put(records: readonly SuppressionRecord[]): Promise<void>;

  /** The entries of the given identifiers that are listed. */
  find(identifiers: readonly string[]): Promise<SuppressionRecord[]>;

  /** Entries matching the filter, newest first (then by identifier), one page at a time. */
  list(filter: SuppressionFilter, page: { limit: number; cursor?: string | undefined }): Promise<SuppressionPage>;

  /** Removes the given identifiers' entries; returns how many there were. */
  remove(identifiers: readonly string[]): Promise<number>;
}
