import type { TrackingPlan, ViolationCount } from '../contracts/index.js';
import type { FieldProblem } from '../lib/errors.js';

export interface StoredTrackingPlan {
  readonly sourceId: string;
  readonly plan: TrackingPlan;
  /** Increases on every change, so compiled validators can be cached by version. */
  readonly version: number;
  readonly updatedAt: number;
}

export interface ViolationTally {
  readonly sourceId: string;
  readonly type: string;
  readonly event: string | null;
  readonly count: number;
  readonly at: number;
  readonly problem: FieldProblem;
}

/** Per-source tracking plans and the running count of their violations. */
export interface TrackingPlanStore {
  get(sourceId: string): Promise<StoredTrackingPlan | undefined>;

  /** Creates or replaces the source's plan and returns it with its new version. */
  put(sourceId: string, plan: TrackingPlan, at: number): Promise<StoredTrackingPlan>;

  /** Removes the plan; returns false when there was none. */
  delete(sourceId: string): Promise<boolean>;

  /** Adds tallies to the per-(source, type, event) violation counters. */
  countViolations(tallies: readonly ViolationTally[]): Promise<void>;

  /** The source's violation counters, most frequent first. */
  violations(sourceId: string): Promise<ViolationCount[]>;
}
