import type { ComputedTraitDefinition } from '../contracts/index.js';

export type ComputedTraitStatus = 'backfilling' | 'live' | 'failed';

export interface ComputedTraitRecord {
  readonly id: string;
  /** Unique; conditions and expressions read it as trait.<name>. */
  readonly name: string;
  readonly definition: ComputedTraitDefinition;
  readonly status: ComputedTraitStatus;
  readonly error: string | null;
  /** Stored events replayed by the last backfill, and when it finished. */
  readonly eventsReplayed: number;
  readonly backfilledAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** Computed trait definitions. Embedded: SQLite (state.db). */
export interface ComputedTraitStore {
  /** Rejects when the id or name is taken. */
  create(trait: ComputedTraitRecord): Promise<void>;
  /** Replaces a definition; undefined when there is none. */
  update(trait: ComputedTraitRecord): Promise<ComputedTraitRecord | undefined>;
  get(id: string): Promise<ComputedTraitRecord | undefined>;
  /** All, oldest first. */
  list(): Promise<ComputedTraitRecord[]>;
  /** False when there was none. */
  delete(id: string): Promise<boolean>;
}
