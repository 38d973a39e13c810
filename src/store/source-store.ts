import type { Channel } from '../contracts/index.js';

export interface SourceRecord {
  readonly id: string;
  readonly name: string;
  readonly channel: Channel;
  readonly writeKey: string;
  /** The key replaced by the last rotation, while it is still honoured. */
  readonly previousWriteKey: string | null;
  readonly previousWriteKeyExpiresAt: number | null;
  readonly enabled: boolean;
  readonly allowedOrigins: readonly string[];
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type SourceUpdate = Partial<
  Pick<SourceRecord, 'name' | 'enabled' | 'allowedOrigins' | 'writeKey' | 'previousWriteKey' | 'previousWriteKeyExpiresAt'>
> & { readonly updatedAt: number };

/** Sources (one per app, site, store system...) and their write keys. */
export interface SourceStore {
  /** Stores a new source; rejects when the id or write key already exists. */
  create(source: SourceRecord): Promise<void>;

  get(id: string): Promise<SourceRecord | undefined>;

  /** All sources, oldest first. */
  list(): Promise<SourceRecord[]>;

  /** The source whose current or previous write key is `writeKey`, if any. */
  findByWriteKey(writeKey: string): Promise<SourceRecord | undefined>;

  /** Applies `update` and returns the new record, or undefined when there is no such source. */
  update(id: string, update: SourceUpdate): Promise<SourceRecord | undefined>;
}
