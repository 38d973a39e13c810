import type { RejectionsPage } from '../contracts/index.js';
import type { FieldProblem } from '../lib/errors.js';

export interface NewRejection {
  readonly sourceId: string;
  readonly receivedAt: number;
  readonly messageId: string | null;
  readonly problems: readonly FieldProblem[];
  /** The message as received. */
  readonly message: unknown;
}

/** Messages that were not accepted, kept per source with their reasons. */
export interface RejectionStore {
  /** Durably stores the rejections before resolving. */
  add(rejections: readonly NewRejection[]): Promise<void>;

  /** A source's rejections, newest first. */
  list(sourceId: string, page: { limit: number; cursor?: string | undefined }): Promise<RejectionsPage>;

  /** Deletes rejections received before `before`; returns how many. */
  prune(before: number): Promise<number>;
}
